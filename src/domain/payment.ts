import { DomainError, fail, ok, type Result } from './errors.js';
import { PAYMENT_STATUS_NEXT, type PaymentStatus } from './order.js';
import { canTransition } from './state-machine.js';

/**
 * What a payment transaction does. `authorization` reserves money, `capture` takes some of it,
 * `void` releases the rest of an authorization, `refund` returns captured money, `token` saves a
 * payment source and moves no money.
 */
const TRANSACTION_KINDS = ['authorization', 'capture', 'void', 'refund', 'token'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** `pending` until the processor answers; `succeeded` and `failed` are final. */
const TRANSACTION_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/**
 * One row of a payment's append-only transaction list, as the domain needs it. `amount` is in minor
 * units of the order's currency, ≥ 0. `parentId` links a capture or void to its authorization and a
 * refund to its capture.
 */
export interface TransactionView {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly amount: number;
  readonly parentId: string | null;
}

/**
 * A payment's amounts, in minor units, recomputed from its transactions. `authorized`, `captured`,
 * `refunded` and `voided` count succeeded transactions only; the `pending*` fields count the ones
 * still waiting for the processor. Failed transactions count nowhere.
 */
export interface PaymentAmounts {
  readonly authorized: number;
  readonly captured: number;
  readonly refunded: number;
  readonly voided: number;
  readonly pendingAuthorization: number;
  readonly pendingCapture: number;
  readonly pendingRefund: number;
  readonly pendingVoid: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SUCCEEDED_FIELD = {
  authorization: 'authorized',
  capture: 'captured',
  refund: 'refunded',
  void: 'voided',
} as const satisfies Partial<Record<TransactionKind, keyof PaymentAmounts>>;

const PENDING_FIELD = {
  authorization: 'pendingAuthorization',
  capture: 'pendingCapture',
  refund: 'pendingRefund',
  void: 'pendingVoid',
} as const satisfies Partial<Record<TransactionKind, keyof PaymentAmounts>>;

/**
 * Sums a transaction list into PaymentAmounts. Order does not matter, and a transaction listed
 * twice under the same id counts once, with its last listed status (a row re-read after its
 * result arrived), so replays and out-of-order events are harmless. Token transactions move no money.
 */
export function deriveAmounts(txs: readonly TransactionView[]): PaymentAmounts {
  const latest = new Map<string, TransactionView>();
  for (const tx of txs) latest.set(tx.id, tx);
  const amounts: Mutable<PaymentAmounts> = {
    authorized: 0, captured: 0, refunded: 0, voided: 0,
    pendingAuthorization: 0, pendingCapture: 0, pendingRefund: 0, pendingVoid: 0,
  };
  for (const tx of latest.values()) {
    if (tx.kind === 'token' || tx.status === 'failed') continue;
    const field = tx.status === 'succeeded' ? SUCCEEDED_FIELD[tx.kind] : PENDING_FIELD[tx.kind];
    amounts[field] += tx.amount;
  }
  return amounts;
}

/**
 * The money an order still holds at the processor, in minor units: the open part of its authorizations
 * (authorized − captured − voided) plus what was captured and not refunded. Pending amounts are not
 * counted: they are `inFlight`.
 */
export function heldAmount(a: PaymentAmounts): number {
  return Math.max(0, a.authorized - a.captured - a.voided) + Math.max(0, a.captured - a.refunded);
}

/** Whether a processor call of this payment has not answered yet (any pending transaction that moves money). */
export function inFlight(a: PaymentAmounts): boolean {
  return a.pendingAuthorization + a.pendingCapture + a.pendingRefund + a.pendingVoid > 0;
}

/**
 * The payment status that `a` means for an order of `total` minor units, checked in this order:
 * total 0 → free; something captured and all of it refunded → refunded; part of it refunded →
 * partially_refunded; captured ≥ total → paid; some captured → partially_paid (also when the rest of
 * the authorization was voided: money was taken, so the order is not "voided"); something voided
 * and no authorization left open → voided; open authorization (authorized − voided) ≥ total →
 * authorized; some open → partially_authorized; otherwise unpaid. Pending amounts never count.
 */
export function derivePaymentStatus(total: number, a: PaymentAmounts): PaymentStatus {
  if (total === 0) return 'free';
  if (a.captured > 0) {
    if (a.refunded >= a.captured) return 'refunded';
    if (a.refunded > 0) return 'partially_refunded';
    return a.captured >= total ? 'paid' : 'partially_paid';
  }
  const open = a.authorized - a.voided;
  if (a.voided > 0 && open <= 0) return 'voided';
  if (open >= total) return 'authorized';
  if (open > 0) return 'partially_authorized';
  return 'unpaid';
}

/**
 * The status to store after recomputing: `derived` if the payment table allows `current → derived`,
 * else `current`. So a late, duplicate or out-of-order event never moves a status backwards (a paid
 * order never returns to authorized, a refunded one never to paid). Same state → `current`.
 */
export function nextPaymentStatus(current: PaymentStatus, derived: PaymentStatus): PaymentStatus {
  return canTransition(PAYMENT_STATUS_NEXT, current, derived) ? derived : current;
}

function positiveAmount(amount: number): Result<void> {
  if (Number.isSafeInteger(amount) && amount >= 1) return ok(undefined);
  const message = 'amount must be a positive integer number of minor units';
  return fail(new DomainError('invalid_amount', message, [{ field: 'amount', message }]));
}

/**
 * May `amount` more be captured? Yes when captured + pendingCapture + amount ≤ the authorization
 * still open (authorized − voided − pendingVoid: a void in flight may release it). Counting pending
 * captures means two concurrent captures can never both pass the limit. Refused with
 * `invalid_amount` (amount < 1 or not an integer) or `amount_exceeds_authorized`.
 */
export function checkCapture(a: PaymentAmounts, amount: number): Result<void> {
  const valid = positiveAmount(amount);
  if (!valid.ok) return valid;
  const capturable = a.authorized - a.voided - a.pendingVoid - a.captured - a.pendingCapture;
  if (amount <= capturable) return ok(undefined);
  return fail(new DomainError(
    'amount_exceeds_authorized',
    `cannot capture ${amount}: only ${Math.max(0, capturable)} of the authorization can still be captured`,
  ));
}

/**
 * May `amount` more be refunded? Yes when refunded + pendingRefund + amount ≤ captured. Refused
 * with `invalid_amount` or `amount_exceeds_captured`.
 */
export function checkRefund(a: PaymentAmounts, amount: number): Result<void> {
  const valid = positiveAmount(amount);
  if (!valid.ok) return valid;
  const refundable = a.captured - a.refunded - a.pendingRefund;
  if (amount <= refundable) return ok(undefined);
  return fail(new DomainError(
    'amount_exceeds_captured',
    `cannot refund ${amount}: only ${Math.max(0, refundable)} of the captured amount can still be refunded`,
  ));
}

/**
 * How much a void would release: authorized − captured − pendingCapture − voided − pendingVoid (a
 * void already in flight releases its share, so a second one is refused). Refused with
 * `invalid_transition` when nothing is left to void.
 */
export function checkVoid(a: PaymentAmounts): Result<number> {
  const voidable = a.authorized - a.captured - a.pendingCapture - a.voided - a.pendingVoid;
  if (voidable > 0) return ok(voidable);
  return fail(new DomainError('invalid_transition', 'nothing is left to void on this payment'));
}

/**
 * Records a processor's answer on a transaction: only `pending` moves (to `succeeded` or `failed`).
 * The same outcome again is an idempotent duplicate and returns `current`; a different outcome on
 * a final transaction is `invalid_transition` (a webhook cannot flip a failure into a success).
 */
export function completeTransaction(
  current: TransactionStatus,
  outcome: 'succeeded' | 'failed',
): Result<TransactionStatus> {
  if (current === 'pending' || current === outcome) return ok(outcome);
  return fail(new DomainError('invalid_transition', `cannot move transaction from ${current} to ${outcome}`));
}
