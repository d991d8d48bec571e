import { describe, expect, it } from 'vitest';
import {
  FULFILLMENT_STATUS_NEXT, FULFILLMENT_STATUSES, ORDER_STATUS_NEXT, ORDER_STATUSES, PAYMENT_STATUS_NEXT,
  PAYMENT_STATUSES, transitionOrder, type OrderState,
} from '../../src/domain/order.js';
import { canTransition, type TransitionTable } from '../../src/domain/state-machine.js';
import { errorOf, valueOf } from './support.js';

/** Every pair of states, each marked allowed or refused by the independently written `allowed` list. */
function everyPair<S extends string>(states: readonly S[], allowed: readonly string[]): [S, S, boolean][] {
  return states.flatMap((from) => states.map((to): [S, S, boolean] => [from, to, allowed.includes(`${from}>${to}`)]));
}

/** States reachable from `from` in one or more steps. */
function reachable<S extends string>(table: TransitionTable<S>, from: S): Set<S> {
  const seen = new Set<S>();
  const queue = [...table[from]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...table[next]);
  }
  return seen;
}

const ORDER_ALLOWED = [
  'draft>pending', 'draft>placed', 'draft>cancelled', 'pending>placed', 'pending>cancelled',
  'placed>approved', 'placed>cancelled', 'approved>cancelled',
];

const PAYMENT_ALLOWED = [
  'unpaid>authorized', 'unpaid>partially_authorized', 'unpaid>paid', 'unpaid>partially_paid', 'unpaid>voided',
  'unpaid>partially_refunded', 'unpaid>refunded', 'unpaid>free',
  'partially_authorized>authorized', 'partially_authorized>paid', 'partially_authorized>partially_paid',
  'partially_authorized>voided', 'partially_authorized>partially_refunded', 'partially_authorized>refunded',
  'authorized>paid', 'authorized>partially_paid', 'authorized>voided', 'authorized>partially_refunded',
  'authorized>refunded',
  'partially_paid>paid', 'partially_paid>partially_refunded', 'partially_paid>refunded',
  'paid>partially_refunded', 'paid>refunded',
  'partially_refunded>refunded',
];

const FULFILLMENT_ALLOWED = [
  'unfulfilled>in_progress', 'unfulfilled>fulfilled', 'unfulfilled>not_required',
  'in_progress>fulfilled', 'in_progress>revoked', 'fulfilled>revoked',
];

describe('order status table', () => {
  it.each(everyPair(ORDER_STATUSES, ORDER_ALLOWED))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(ORDER_STATUS_NEXT, from, to)).toBe(allowed);
  });
});

describe('payment status table', () => {
  it.each(everyPair(PAYMENT_STATUSES, PAYMENT_ALLOWED))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(PAYMENT_STATUS_NEXT, from, to)).toBe(allowed);
  });

  it('never leads back to unpaid, and never from paid back to an authorization state', () => {
    for (const from of PAYMENT_STATUSES) expect(reachable(PAYMENT_STATUS_NEXT, from).has('unpaid')).toBe(false);
    for (const from of ['paid', 'partially_paid', 'partially_refunded', 'refunded'] as const) {
      const later = reachable(PAYMENT_STATUS_NEXT, from);
      expect(later.has('authorized') || later.has('partially_authorized')).toBe(false);
    }
  });

  it('keeps refunded, voided and free terminal', () => {
    for (const state of ['refunded', 'voided', 'free'] as const) expect(PAYMENT_STATUS_NEXT[state]).toEqual([]);
  });
});

describe('fulfillment status table', () => {
  it.each(everyPair(FULFILLMENT_STATUSES, FULFILLMENT_ALLOWED))('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(FULFILLMENT_STATUS_NEXT, from, to)).toBe(allowed);
  });
});

describe('every status axis', () => {
  it.each<[string, TransitionTable<string>, readonly string[]]>([
    ['status', ORDER_STATUS_NEXT, ORDER_STATUSES],
    ['payment_status', PAYMENT_STATUS_NEXT, PAYMENT_STATUSES],
    ['fulfillment_status', FULFILLMENT_STATUS_NEXT, FULFILLMENT_STATUSES],
  ])('%s has no cycle, so no state can ever come back', (_axis, table, states) => {
    for (const state of states) expect(reachable(table, state).has(state)).toBe(false);
  });

  it.each<[string, TransitionTable<string>, readonly string[]]>([
    ['status', ORDER_STATUS_NEXT, ORDER_STATUSES],
    ['payment_status', PAYMENT_STATUS_NEXT, PAYMENT_STATUSES],
    ['fulfillment_status', FULFILLMENT_STATUS_NEXT, FULFILLMENT_STATUSES],
  ])('%s table has one entry per status and names only known statuses', (_axis, table, states) => {
    expect(Object.keys(table).sort()).toEqual([...states].sort());
    for (const next of Object.values(table)) for (const s of next) expect(states).toContain(s);
  });
});

describe('transitionOrder', () => {
  const order: OrderState = Object.freeze({
    status: 'placed', payment_status: 'authorized', fulfillment_status: 'unfulfilled',
  });

  it('moves one axis and returns a new object, leaving the original untouched', () => {
    const moved = valueOf(transitionOrder(order, 'payment_status', 'paid'));
    expect(moved).toEqual({ status: 'placed', payment_status: 'paid', fulfillment_status: 'unfulfilled' });
    expect(moved).not.toBe(order);
    expect(order.payment_status).toBe('authorized');
  });

  it('uses the table of the axis it is asked to move', () => {
    expect(valueOf(transitionOrder(order, 'status', 'approved')).status).toBe('approved');
    expect(valueOf(transitionOrder(order, 'fulfillment_status', 'fulfilled')).fulfillment_status).toBe('fulfilled');
    expect(errorOf(transitionOrder(order, 'fulfillment_status', 'revoked')).code).toBe('invalid_transition');
  });

  it('keeps the other fields of a richer order object', () => {
    const row = { ...order, id: 'ord_1', total: 4999 };
    expect(valueOf(transitionOrder(row, 'status', 'cancelled'))).toEqual({ ...row, status: 'cancelled' });
  });

  it('refuses a refunded order going back to paid, naming the axis', () => {
    const refunded: OrderState = { ...order, payment_status: 'refunded' };
    const error = errorOf(transitionOrder(refunded, 'payment_status', 'paid'));
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toBe('cannot move payment_status from refunded to paid');
  });

  it('refuses a move to the current state', () => {
    expect(errorOf(transitionOrder(order, 'status', 'placed')).code).toBe('invalid_transition');
  });
});
