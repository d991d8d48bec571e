import type { Result } from './errors.js';
import { transition, type TransitionTable } from './state-machine.js';

/**
 * An order's lifecycle, in Commerce Layer's vocabulary. `draft`: a cart still being edited;
 * `pending`: checked out, waiting for the customer to pay; `placed`: committed, its payment under
 * way or done; `approved`: cleared and completed (the payment orders API's `completed`); `cancelled`: terminal.
 */
export const ORDER_STATUSES = ['draft', 'pending', 'placed', 'approved', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Allowed order-status moves. An approved order can still be cancelled (after a full refund). */
export const ORDER_STATUS_NEXT: TransitionTable<OrderStatus> = {
  draft: ['pending', 'placed', 'cancelled'],
  pending: ['placed', 'cancelled'],
  placed: ['approved', 'cancelled'],
  approved: ['cancelled'],
  cancelled: [],
};

/** The state of an order's money, derived from its payment transactions (see `payment.ts`). */
export const PAYMENT_STATUSES = [
  'unpaid',
  'authorized',
  'partially_authorized',
  'paid',
  'partially_paid',
  'voided',
  'refunded',
  'partially_refunded',
  'free',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * Allowed payment-status moves. The table only ever goes forward along
 * unpaid → (partially_)authorized → (partially_)paid → partially_refunded → refunded,
 * and it lists the jumps over intermediate states as well, because the status is recomputed from
 * the whole transaction list: an authorization and its capture can be seen in the same recompute.
 * Never listed, so never possible: any move back to unpaid, from paid or partially_paid back to an
 * authorization state, out of refunded, voided or free (terminal), and from partially_paid to
 * voided (voiding the rest of a partly captured authorization leaves the order partially_paid).
 * `free` is only reachable from unpaid: an order whose total is zero never has money to move.
 */
export const PAYMENT_STATUS_NEXT: TransitionTable<PaymentStatus> = {
  unpaid: [
    'authorized', 'partially_authorized', 'paid', 'partially_paid',
    'voided', 'partially_refunded', 'refunded', 'free',
  ],
  partially_authorized: ['authorized', 'paid', 'partially_paid', 'voided', 'partially_refunded', 'refunded'],
  authorized: ['paid', 'partially_paid', 'voided', 'partially_refunded', 'refunded'],
  partially_paid: ['paid', 'partially_refunded', 'refunded'],
  paid: ['partially_refunded', 'refunded'],
  partially_refunded: ['refunded'],
  refunded: [],
  voided: [],
  free: [],
};

/**
 * Delivery of what the order bought (enrollments, seat codes). `not_required`: nothing to deliver;
 * `revoked`: what was granted has been taken back (cancellation or refund).
 */
export const FULFILLMENT_STATUSES = ['unfulfilled', 'in_progress', 'fulfilled', 'not_required', 'revoked'] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/**
 * Allowed fulfillment moves. A failed grant does not move back to unfulfilled: the order stays
 * in_progress while the worker retries. in_progress → revoked exists because a cancellation can land
 * while some lines are granted and others not; unfulfilled → revoked does not, as nothing was
 * granted. revoked and not_required are terminal.
 */
export const FULFILLMENT_STATUS_NEXT: TransitionTable<FulfillmentStatus> = {
  unfulfilled: ['in_progress', 'fulfilled', 'not_required'],
  in_progress: ['fulfilled', 'revoked'],
  fulfilled: ['revoked'],
  not_required: [],
  revoked: [],
};

/** The three independent status axes of an order. */
export interface OrderState {
  readonly status: OrderStatus;
  readonly payment_status: PaymentStatus;
  readonly fulfillment_status: FulfillmentStatus;
}

/** The name of one status axis, and the status type each axis holds. */
type OrderAxis = keyof OrderState;
export type OrderAxisStatus = { readonly [A in OrderAxis]: OrderState[A] };

const TABLES: { readonly [A in OrderAxis]: TransitionTable<OrderState[A]> } = {
  status: ORDER_STATUS_NEXT,
  payment_status: PAYMENT_STATUS_NEXT,
  fulfillment_status: FULFILLMENT_STATUS_NEXT,
};

/**
 * Moves one axis of `order` to `to` if that axis's table allows it, returning a new object (with any
 * other fields of `order` copied); `order` itself is never mutated. Refused with
 * `invalid_transition` ("cannot move payment_status from refunded to paid"), including a move to
 * the current state: check for a same-state no-op before calling.
 */
export function transitionOrder<O extends OrderState, A extends OrderAxis>(
  order: O,
  axis: A,
  to: OrderAxisStatus[A],
): Result<O> {
  const table = TABLES[axis] as TransitionTable<OrderAxisStatus[A]>;
  const moved = transition(table, axis, order[axis], to);
  if (!moved.ok) return moved;
  return { ok: true, value: { ...order, [axis]: moved.value } };
}
