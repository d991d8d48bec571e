/**
 * Domain events. `emit` is called inside the transaction of the change it announces (DESIGN rule 9):
 * the event is committed with the change or not at all, and the worker delivers it afterwards.
 */
import type { DomainEvent } from '../ports/events.js';
import type { Repos } from '../ports/store.js';
import type { Deps } from './deps.js';

/** Every event type Paybridge emits; webhook endpoints filter on these (or `*`, or `order.*`). */
export const EVENT_TYPES = [
  'order.created', 'order.placed', 'order.cancelled', 'order.completed', 'order.expired', 'order.notification_added',
  'payment.authorized', 'payment.captured', 'payment.failed', 'payment.voided', 'payment.refunded', 'payment.pending', 'payment.disputed',
  'purchase.fulfilled', 'purchase.failed', 'fulfillment.revoked',
  'checkout_session.completed', 'checkout_session.expired',
  'invoice.created', 'invoice.paid', 'invoice.partially_paid', 'invoice.overdue', 'invoice.voided',
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  readonly type: EventType;
  readonly shopId: string | null;
  readonly orderId?: number | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export async function emit(deps: Pick<Deps, 'ids'>, tx: Repos, event: NewEvent): Promise<DomainEvent> {
  return (await emitAll(deps, tx, [event]))[0]!;
}

/** Several events of one change, in this order, in the caller's transaction (consecutive sequence numbers per order). */
export function emitAll(deps: Pick<Deps, 'ids'>, tx: Repos, events: readonly NewEvent[]): Promise<DomainEvent[]> {
  return tx.events.appendAll(events.map((event) => ({
    id: deps.ids.next('evt'), type: event.type, shopId: event.shopId, orderId: event.orderId ?? null, data: event.data,
  })));
}
