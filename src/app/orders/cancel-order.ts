/**
 * Cancelling an order. The API cancels an order that has taken no money (one whose payment is still in
 * flight included: if that payment then succeeds, its money is released, see `release-holds.ts`); a free
 * order's grants are taken back. Every way an order gets cancelled (the API, an expired checkout session or
 * payment link, a cancelled invoice payment) goes through `cancelLoaded`.
 */
import { DomainError } from '../../domain/errors.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { emitAll, type NewEvent } from '../events.js';
import { revokeGrants } from '../fulfillment/revoke.js';
import { orderJson } from '../representations.js';
import { found } from '../validate.js';
import { moveOrder } from './move-order.js';
import { visibleOrder } from './read-orders.js';
import { releaseOrSchedule } from './release-holds.js';

const NO_MONEY_TAKEN = new Set(['unpaid', 'free', 'voided']);

export async function cancelOrder(deps: Deps, principal: Principal, id: number, reason: string | null): Promise<Order> {
  await visibleOrder(deps, principal, id);
  return deps.store.tx(async (tx) => {
    const order = found(await tx.orders.getForUpdate(id), 'order', id);
    if (order.status === 'cancelled') return order;
    if (!NO_MONEY_TAKEN.has(order.paymentStatus)) {
      throw new DomainError('invalid_transition', `order ${id} has payment status ${order.paymentStatus}; refund or void it before cancelling`);
    }
    return cancelLoaded(deps, tx, order, await tx.transactions.listByOrder(id), { actor: actorOf(principal), reason }, { type: 'order.cancelled' });
  });
}

interface CancelEvent {
  readonly type: 'order.cancelled' | 'order.expired';
  /** Added to the event's data beside `order` and `reason`. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * Cancels `order`, which the caller holds locked with all of its `txns`, in the caller's transaction: the
 * status moves (with a history row naming `by.actor`), a free order's grants are revoked, the promo code
 * and seat code are given back once the order holds no money (at once when nothing is in flight), and the
 * event is emitted. The caller decided that the order may be cancelled.
 */
export async function cancelLoaded(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, txns: readonly PaymentTransaction[],
  by: { actor: string; reason: string | null }, event: CancelEvent,
): Promise<Order> {
  const granted = order.fulfillmentStatus === 'fulfilled' || order.fulfillmentStatus === 'in_progress';
  const released = await releaseOrSchedule(deps, tx, { ...order, status: 'cancelled' }, txns, 'cancel');
  const cancelled = await moveOrder(deps, tx, order,
    [{ axis: 'status', to: 'cancelled' }, ...(granted ? [{ axis: 'fulfillment_status' as const, to: 'revoked' as const }] : [])],
    by, { cancelledAt: deps.clock.now(), ...released });
  const events: NewEvent[] = [{ type: event.type, shopId: order.shopId, orderId: order.id, data: { order: orderJson(cancelled), reason: by.reason, ...event.data } }];
  if (granted) {
    const others = await revokeGrants(deps, tx, order, by.actor, 'was cancelled');
    events.push({ type: 'fulfillment.revoked', shopId: order.shopId, orderId: order.id, data: { order: orderJson(cancelled) } }, ...others);
  }
  await emitAll(deps, tx, events);
  return cancelled;
}
