import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amountDue, applyPayment, discountOn, INVOICE_PAYMENT_STATUS_NEXT, INVOICE_PAYMENT_STATUSES, INVOICE_STATUS_NEXT,
  INVOICE_STATUSES, markOverdue, paymentAmount, priceInvoice, voidInvoice, type InvoiceMoney,
} from '../../src/domain/invoice.js';
import { canTransition } from '../../src/domain/state-machine.js';
import { errorOf, valueOf } from './support.js';

function everyPair<S extends string>(states: readonly S[], allowed: readonly string[]): [S, S, boolean][] {
  return states.flatMap((from) => states.map((to): [S, S, boolean] => [from, to, allowed.includes(`${from}>${to}`)]));
}

const INVOICE_ALLOWED = [
  'open>partially_paid', 'open>paid', 'open>void', 'open>overdue',
  'partially_paid>paid', 'partially_paid>overdue',
  'overdue>paid', 'overdue>void',
];
const PAYMENT_ALLOWED = [
  'open>processing', 'open>succeeded', 'open>failed', 'open>cancelled',
  'processing>succeeded', 'processing>failed', 'processing>cancelled',
];

const DAY = 86_400_000;
const invoice = (over: Partial<InvoiceMoney> = {}): InvoiceMoney => ({
  status: 'open', currency: 'USD', total: 10_000, amountPaid: 0, amountDiscounted: 0, dueAt: 30 * DAY, ...over,
});

describe('invoice status table', () => {
  it.each(everyPair(INVOICE_STATUSES, INVOICE_ALLOWED))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(INVOICE_STATUS_NEXT, from, to)).toBe(allowed);
  });
});

describe('invoice payment status table', () => {
  it.each(everyPair(INVOICE_PAYMENT_STATUSES, PAYMENT_ALLOWED))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(INVOICE_PAYMENT_STATUS_NEXT, from, to)).toBe(allowed);
  });
});

describe('pricing an invoice', () => {
  it('adds up quantity × unit amount over the lines', () => {
    const priced = valueOf(priceInvoice('USD', { lines: [{ description: 'Seats', quantity: 3, unitAmount: 2500 }, { description: 'Setup', quantity: 1, unitAmount: 999 }] }));
    expect(priced.total).toBe(8499);
    expect(priced.lines.map((l) => l.amount)).toEqual([7500, 999]);
  });

  it('takes a single amount instead of lines', () => {
    expect(valueOf(priceInvoice('JPY', { amount: 5000 }))).toEqual({ lines: [], total: 5000 });
  });

  it.each([
    ['both lines and an amount', { lines: [{ description: 'x', quantity: 1, unitAmount: 1 }], amount: 1 }, '/lines'],
    ['neither', {}, '/lines'],
    ['no lines', { lines: [] }, '/lines'],
    ['a zero quantity', { lines: [{ description: 'x', quantity: 0, unitAmount: 1 }] }, '/lines/0/quantity'],
    ['a negative unit amount', { lines: [{ description: 'x', quantity: 1, unitAmount: -1 }] }, '/lines/0/unit_amount'],
    ['a total of zero', { lines: [{ description: 'x', quantity: 2, unitAmount: 0 }] }, '/lines'],
    ['a zero amount', { amount: 0 }, '/amount'],
    ['a fractional amount', { amount: 1.5 }, '/amount'],
  ])('refuses %s, naming the field', (_case, input, field) => {
    const error = errorOf(priceInvoice('USD', input));
    expect(error.code).toBe('validation_failed');
    expect(error.details[0]?.field).toBe(field);
  });
});

describe('discounts', () => {
  it('takes a percentage of what is due, rounded half away from zero', () => {
    expect(discountOn({ kind: 'percent_off', percentOffPpm: 100_000 }, 4999, 'USD')).toBe(500);
  });

  it('never gives more than is due', () => {
    expect(discountOn({ kind: 'amount_off', amountOff: 5000 }, 1200, 'USD')).toBe(1200);
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 10 ** 12 }), (due, ppm, off) => {
      for (const d of [discountOn({ kind: 'percent_off', percentOffPpm: ppm }, due, 'USD'), discountOn({ kind: 'amount_off', amountOff: off }, due, 'USD')]) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(due);
      }
    }));
  });

  it('prices a payment as what is left after the discount, or a smaller part of it', () => {
    expect(valueOf(paymentAmount(10_000, 1000))).toBe(9000);
    expect(valueOf(paymentAmount(10_000, 1000, 2500))).toBe(2500);
    expect(errorOf(paymentAmount(10_000, 1000, 9001)).code).toBe('amount_exceeds_due');
    expect(errorOf(paymentAmount(0, 0)).code).toBe('invalid_amount');
    expect(errorOf(paymentAmount(500, 500)).code).toBe('invalid_amount');
  });
});

describe('applying a payment', () => {
  it('settles in parts: partially paid, then paid', () => {
    const part = valueOf(applyPayment(invoice(), 4000, 0));
    expect(part).toMatchObject({ status: 'partially_paid', amountPaid: 4000 });
    expect(amountDue(part)).toBe(6000);
    const rest = valueOf(applyPayment(part, 5400, 600));
    expect(rest).toMatchObject({ status: 'paid', amountPaid: 9400, amountDiscounted: 600 });
    expect(amountDue(rest)).toBe(0);
  });

  it('keeps an overdue invoice overdue until it is paid in full', () => {
    const late = invoice({ status: 'overdue' });
    expect(valueOf(applyPayment(late, 1000, 0)).status).toBe('overdue');
    expect(valueOf(applyPayment(late, 10_000, 0)).status).toBe('paid');
  });

  it('refuses an overpayment, a payment on a paid invoice and one on a void invoice', () => {
    expect(errorOf(applyPayment(invoice(), 10_001, 0)).code).toBe('amount_exceeds_due');
    expect(errorOf(applyPayment(invoice(), 9_500, 501)).code).toBe('amount_exceeds_due');
    expect(errorOf(applyPayment(invoice({ status: 'paid', amountPaid: 10_000 }), 1, 0)).code).toBe('amount_exceeds_due');
    expect(errorOf(applyPayment(invoice({ status: 'void' }), 1, 0)).code).toBe('invalid_transition');
  });

  it('never lets paid + discounted pass the total, whatever the sequence of payments', () => {
    const step = fc.record({ amount: fc.integer({ min: 1, max: 6000 }), discount: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
      let inv = invoice();
      for (const s of steps) {
        const next = applyPayment(inv, s.amount, s.discount);
        if (next.ok) inv = next.value;
        else expect(s.amount + s.discount > amountDue(inv) || inv.status === 'paid').toBe(true);
        expect(inv.amountPaid + inv.amountDiscounted).toBeLessThanOrEqual(inv.total);
        expect(inv.status === 'paid').toBe(amountDue(inv) === 0);
      }
    }));
  });
});

describe('overdue and void', () => {
  it('marks an invoice overdue once its due date has passed with money due', () => {
    expect(valueOf(markOverdue(invoice(), 30 * DAY)).status).toBe('overdue');
    expect(valueOf(markOverdue(invoice({ status: 'partially_paid', amountPaid: 1 }), 31 * DAY)).status).toBe('overdue');
    expect(errorOf(markOverdue(invoice(), 30 * DAY - 1)).code).toBe('invalid_transition');
    expect(errorOf(markOverdue(invoice({ status: 'paid', amountPaid: 10_000 }), 31 * DAY)).code).toBe('invalid_transition');
    expect(errorOf(markOverdue(invoice({ status: 'overdue' }), 31 * DAY)).code).toBe('invalid_transition');
  });

  it('voids an open or overdue invoice with nothing paid, and nothing else', () => {
    expect(valueOf(voidInvoice(invoice())).status).toBe('void');
    expect(valueOf(voidInvoice(invoice({ status: 'overdue' }))).status).toBe('void');
    expect(errorOf(voidInvoice(invoice({ status: 'overdue', amountPaid: 100 }))).code).toBe('invalid_transition');
    expect(errorOf(voidInvoice(invoice({ status: 'partially_paid', amountPaid: 100 }))).code).toBe('invalid_transition');
    expect(errorOf(voidInvoice(invoice({ status: 'void' }))).code).toBe('invalid_transition');
  });
});
