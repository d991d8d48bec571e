import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaymentStatus } from '../../src/domain/order.js';
import {
  checkCapture, checkRefund, checkVoid, completeTransaction, deriveAmounts, derivePaymentStatus,
  nextPaymentStatus, type PaymentAmounts, type TransactionKind, type TransactionStatus, type TransactionView,
} from '../../src/domain/payment.js';
import { errorOf, valueOf } from './support.js';

const NONE: PaymentAmounts = {
  authorized: 0, captured: 0, refunded: 0, voided: 0,
  pendingAuthorization: 0, pendingCapture: 0, pendingRefund: 0, pendingVoid: 0,
};
const amountsOf = (a: Partial<PaymentAmounts>): PaymentAmounts => ({ ...NONE, ...a });
const tx = (id: string, kind: TransactionKind, status: TransactionStatus, amount: number): TransactionView =>
  ({ id, kind, status, amount, parentId: null });

describe('deriveAmounts', () => {
  it('sums succeeded and pending transactions by kind, ignoring failures and tokens', () => {
    expect(deriveAmounts([
      tx('a1', 'authorization', 'succeeded', 1000), tx('a2', 'authorization', 'pending', 300),
      tx('a3', 'authorization', 'failed', 5000), tx('c1', 'capture', 'succeeded', 600),
      tx('c2', 'capture', 'pending', 100), tx('r1', 'refund', 'succeeded', 200), tx('r2', 'refund', 'pending', 50),
      tx('v1', 'void', 'pending', 300), tx('v2', 'void', 'succeeded', 0), tx('t1', 'token', 'succeeded', 0),
    ])).toEqual({
      authorized: 1000, captured: 600, refunded: 200, voided: 0,
      pendingAuthorization: 300, pendingCapture: 100, pendingRefund: 50, pendingVoid: 300,
    });
  });

  it('counts a transaction listed twice once, with its last listed status', () => {
    const pending = tx('c1', 'capture', 'pending', 500);
    const done = { ...pending, status: 'succeeded' as const };
    expect(deriveAmounts([tx('a1', 'authorization', 'succeeded', 500), pending, done, done]))
      .toEqual(amountsOf({ authorized: 500, captured: 500 }));
  });

  it('gives zero for an empty list', () => {
    expect(deriveAmounts([])).toEqual(NONE);
  });
});

describe('derivePaymentStatus', () => {
  it.each<[string, number, Partial<PaymentAmounts>, PaymentStatus]>([
    ['a zero total is free', 0, {}, 'free'],
    ['nothing yet is unpaid', 1000, {}, 'unpaid'],
    ['pending amounts never count', 1000, { pendingAuthorization: 1000, pendingCapture: 1000 }, 'unpaid'],
    ['a full authorization', 1000, { authorized: 1000 }, 'authorized'],
    ['a partial authorization', 1000, { authorized: 400 }, 'partially_authorized'],
    ['a voided authorization', 1000, { authorized: 1000, voided: 1000 }, 'voided'],
    ['a voided partial authorization', 1000, { authorized: 400, voided: 400 }, 'voided'],
    ['one voided of two authorizations', 1000, { authorized: 1600, voided: 600 }, 'authorized'],
    ['a full capture', 1000, { authorized: 1000, captured: 1000 }, 'paid'],
    ['a partial capture', 1000, { authorized: 1000, captured: 300 }, 'partially_paid'],
    ['a partial capture with the rest voided', 1000, { authorized: 1000, captured: 300, voided: 700 }, 'partially_paid'],
    ['a partial refund', 1000, { authorized: 1000, captured: 1000, refunded: 1 }, 'partially_refunded'],
    ['a full refund', 1000, { authorized: 1000, captured: 1000, refunded: 1000 }, 'refunded'],
    ['a full refund of a partial capture', 1000, { authorized: 1000, captured: 300, refunded: 300 }, 'refunded'],
  ])('%s', (_name, total, amounts, expected) => {
    expect(derivePaymentStatus(total, amountsOf(amounts))).toBe(expected);
  });
});

describe('nextPaymentStatus', () => {
  it.each<[PaymentStatus, PaymentStatus, PaymentStatus]>([
    ['unpaid', 'authorized', 'authorized'],
    ['authorized', 'paid', 'paid'],
    ['unpaid', 'paid', 'paid'],
    ['paid', 'partially_refunded', 'partially_refunded'],
    ['paid', 'authorized', 'paid'],
    ['paid', 'unpaid', 'paid'],
    ['refunded', 'paid', 'refunded'],
    ['refunded', 'partially_refunded', 'refunded'],
    ['voided', 'authorized', 'voided'],
    ['partially_refunded', 'partially_refunded', 'partially_refunded'],
    ['paid', 'paid', 'paid'],
  ])('from %s, a recompute giving %s leaves %s', (current, derived, expected) => {
    expect(nextPaymentStatus(current, derived)).toBe(expected);
  });
});

describe('capture, refund and void limits', () => {
  it('a capture up to the open authorization is allowed', () => {
    expect(checkCapture(amountsOf({ authorized: 1000, captured: 400 }), 600).ok).toBe(true);
  });

  it('a capture above the authorized amount is refused', () => {
    expect(errorOf(checkCapture(amountsOf({ authorized: 1000 }), 1001)).code).toBe('amount_exceeds_authorized');
  });

  it('a pending capture counts, so a second concurrent capture cannot pass the limit', () => {
    const error = errorOf(checkCapture(amountsOf({ authorized: 1000, pendingCapture: 700 }), 301));
    expect(error.code).toBe('amount_exceeds_authorized');
    expect(error.message).toBe('cannot capture 301: only 300 of the authorization can still be captured');
  });

  it('voided and being-voided amounts cannot be captured', () => {
    expect(errorOf(checkCapture(amountsOf({ authorized: 1000, voided: 1000 }), 1)).code).toBe('amount_exceeds_authorized');
    expect(errorOf(checkCapture(amountsOf({ authorized: 1000, pendingVoid: 1000 }), 1)).code).toBe('amount_exceeds_authorized');
  });

  it.each([0, -5, 1.5, Number.NaN])('a capture or refund of %d is an invalid amount', (amount) => {
    const a = amountsOf({ authorized: 1000, captured: 1000 });
    expect(errorOf(checkCapture(a, amount)).code).toBe('invalid_amount');
    expect(errorOf(checkRefund(a, amount)).code).toBe('invalid_amount');
  });

  it('a refund up to the captured amount is allowed, beyond it refused', () => {
    const a = amountsOf({ authorized: 1000, captured: 800, refunded: 300, pendingRefund: 200 });
    expect(checkRefund(a, 300).ok).toBe(true);
    expect(errorOf(checkRefund(a, 301)).code).toBe('amount_exceeds_captured');
  });

  it('a void releases what is neither captured, being captured nor voided', () => {
    expect(valueOf(checkVoid(amountsOf({ authorized: 1000, captured: 300, pendingCapture: 200 })))).toBe(500);
  });

  it.each<[string, Partial<PaymentAmounts>]>([
    ['nothing authorized', {}],
    ['everything captured', { authorized: 1000, captured: 1000 }],
    ['already voided', { authorized: 1000, voided: 1000 }],
    ['a void in flight', { authorized: 1000, pendingVoid: 1000 }],
  ])('a void with %s is refused', (_name, amounts) => {
    expect(errorOf(checkVoid(amountsOf(amounts))).code).toBe('invalid_transition');
  });
});

describe('completeTransaction', () => {
  it.each<[TransactionStatus, 'succeeded' | 'failed', TransactionStatus | 'refused']>([
    ['pending', 'succeeded', 'succeeded'],
    ['pending', 'failed', 'failed'],
    ['succeeded', 'succeeded', 'succeeded'],
    ['failed', 'failed', 'failed'],
    ['succeeded', 'failed', 'refused'],
    ['failed', 'succeeded', 'refused'],
  ])('a %s transaction told %s becomes %s', (current, outcome, expected) => {
    const result = completeTransaction(current, outcome);
    if (expected === 'refused') expect(errorOf(result).code).toBe('invalid_transition');
    else expect(valueOf(result)).toBe(expected);
  });
});

type Op =
  | { op: 'authorize' | 'capture' | 'refund'; amount: number }
  | { op: 'void' }
  | { op: 'settle'; pick: number; outcome: 'succeeded' | 'failed' };

const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('authorize' as const, 'capture' as const, 'refund' as const), amount: fc.integer({ min: -10, max: 1500 }) }),
  fc.record({ op: fc.constant('void' as const) }),
  fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), outcome: fc.constantFrom('succeeded' as const, 'failed' as const) }),
);

describe('any sequence of accepted operations', () => {
  it('keeps captured ≤ authorized and refunded ≤ captured, pending included', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2000 }), fc.array(ops, { maxLength: 60 }), (total, sequence) => {
      const log: TransactionView[] = [];
      let status: PaymentStatus = 'unpaid';
      sequence.forEach((step, n) => {
        const a = deriveAmounts(log);
        const id = `tx${n}`;
        if (step.op === 'authorize' && step.amount > 0) log.push(tx(id, 'authorization', 'pending', step.amount));
        if (step.op === 'capture' && checkCapture(a, step.amount).ok) log.push(tx(id, 'capture', 'pending', step.amount));
        if (step.op === 'refund' && checkRefund(a, step.amount).ok) log.push(tx(id, 'refund', 'pending', step.amount));
        if (step.op === 'void') {
          const voidable = checkVoid(a);
          if (voidable.ok) log.push(tx(id, 'void', 'pending', voidable.value));
        }
        if (step.op === 'settle' && log.length > 0) {
          const picked = log[step.pick % log.length];
          const target = log.findLast((row) => row.id === picked?.id);
          const done = target && completeTransaction(target.status, step.outcome);
          if (target && done?.ok) log.push({ ...target, status: done.value });
        }
        const after = deriveAmounts(log);
        expect(after.captured).toBeLessThanOrEqual(after.authorized);
        expect(after.refunded).toBeLessThanOrEqual(after.captured);
        expect(after.captured + after.pendingCapture + after.voided + after.pendingVoid).toBeLessThanOrEqual(after.authorized);
        expect(after.refunded + after.pendingRefund).toBeLessThanOrEqual(after.captured);
        const next = nextPaymentStatus(status, derivePaymentStatus(total, after));
        if (status === 'refunded' || status === 'voided') expect(next).toBe(status);
        status = next;
      });
    }));
  });
});
