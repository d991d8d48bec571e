/**
 * The payment orders status and payment items as pure functions of the core order and its transactions
 * (table-driven; the HTTP suites exercise the same mapping end to end).
 */
import { describe, expect, it } from 'vitest';
import { paymentItems, paymentOrderStatus, type StatusFacts, type TxnFacts } from '../../src/app/payment-orders/status.js';

const base: StatusFacts = { status: 'pending', paymentStatus: 'unpaid', twoStage: false, timedOut: false, lastAttemptFailed: false, openAuthorization: false };

describe('paymentOrderStatus', () => {
  it.each<[string, Partial<StatusFacts>, string]>([
    ['a new order', {}, 'in_progress'],
    ['after a declined attempt, before the time limit', { lastAttemptFailed: true }, 'in_progress'],
    ['a payment in flight', { status: 'placed' }, 'in_progress'],
    ['single-stage, authorized, capture following', { status: 'placed', paymentStatus: 'authorized', openAuthorization: true }, 'in_progress'],
    ['two-stage, authorized', { status: 'placed', paymentStatus: 'authorized', twoStage: true, openAuthorization: true }, 'authorized'],
    ['two-stage, partly captured, rest open', { status: 'placed', paymentStatus: 'partially_paid', twoStage: true, openAuthorization: true }, 'authorized'],
    ['two-stage, partly captured, rest voided', { status: 'placed', paymentStatus: 'partially_paid', twoStage: true }, 'paid'],
    ['captured', { status: 'placed', paymentStatus: 'paid' }, 'paid'],
    ['cleared', { status: 'approved', paymentStatus: 'paid' }, 'completed'],
    ['cleared, then partly refunded', { status: 'approved', paymentStatus: 'partially_refunded' }, 'partially_refunded'],
    ['refunded', { status: 'placed', paymentStatus: 'refunded' }, 'refunded'],
    ['two-stage, voided', { status: 'placed', paymentStatus: 'voided', twoStage: true }, 'voided'],
    ['time limit, no attempt', { status: 'cancelled', timedOut: true }, 'expired'],
    ['time limit, last attempt declined', { status: 'cancelled', timedOut: true, lastAttemptFailed: true }, 'failed'],
    ['cancelled before the time limit', { status: 'cancelled', lastAttemptFailed: true }, 'cancelled'],
  ])('%s → %s', (_name, facts, expected) => {
    expect(paymentOrderStatus({ ...base, ...facts })).toBe(expected);
  });
});

describe('paymentItems', () => {
  const t = (id: string, kind: TxnFacts['kind'], status: TxnFacts['status'], amount: number, parentId: string | null, at: number): TxnFacts => ({
    id, kind, status, amount, parentId, gatewayId: 'gw', errorCode: null, errorMessage: null, createdAt: at, updatedAt: at,
  });

  it('folds captures, voids and refunds into the attempt they belong to, oldest attempt first', () => {
    const items = paymentItems([
      t('a2', 'authorization', 'succeeded', 5600, null, 20), t('c1', 'capture', 'succeeded', 3000, 'a2', 30),
      t('a1', 'authorization', 'failed', 5600, null, 10), t('v1', 'void', 'succeeded', 2600, 'a2', 40), t('r1', 'refund', 'succeeded', 1000, 'c1', 50),
    ]);
    expect(items.map((i) => [i.id, i.status, i.captured, i.voided, i.refunded, i.updatedAt])).toEqual([
      ['a1', 'failed', 0, 0, 0, 10], ['a2', 'partially_refunded', 3000, 2600, 1000, 50],
    ]);
  });

  it.each<[string, TxnFacts[], string]>([
    ['pending', [t('a', 'authorization', 'pending', 100, null, 1)], 'pending'],
    ['authorized', [t('a', 'authorization', 'succeeded', 100, null, 1)], 'authorized'],
    ['partly captured, rest open', [t('a', 'authorization', 'succeeded', 100, null, 1), t('c', 'capture', 'succeeded', 40, 'a', 2)], 'partially_captured'],
    ['captured', [t('a', 'authorization', 'succeeded', 100, null, 1), t('c', 'capture', 'succeeded', 100, 'a', 2)], 'captured'],
    ['voided', [t('a', 'authorization', 'succeeded', 100, null, 1), t('v', 'void', 'succeeded', 100, 'a', 2)], 'voided'],
    ['refunded', [t('a', 'authorization', 'succeeded', 100, null, 1), t('c', 'capture', 'succeeded', 100, 'a', 2), t('r', 'refund', 'succeeded', 100, 'c', 3)], 'refunded'],
  ])('an attempt %s', (_name, txns, expected) => {
    expect(paymentItems(txns)[0]!.status).toBe(expected);
  });
});
