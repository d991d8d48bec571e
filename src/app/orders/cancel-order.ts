/**
 * Cancels an order that has taken no money; its promo code use and any seat code it redeemed are given
 * back, and what a free order already granted is revoked.
 */
import { DomainError } from '../../domain/errors.js';
import type { Order } from '../../ports/records.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { emit } from '../events.js';
import { orderJson } from '../representations.js';
import { found } from '../validate.js';
import { moveOrder } from './move-order.js';
import { visibleOrder } from './read-orders.js';

const NO_MONEY_TAKEN = new Set(['unpaid', 'free', 'voided']);

export async function cancelOrder(deps: Deps, principal: Principal, id: number, reason: string | null): Promise<Order> {
  await visibleOrder(deps, principal, id);
  return deps.store.tx(async (tx) => {
    const order = found(await tx.orders.getForUpdate(id), 'order', id);
    if (order.status === 'cancelled') return order;
    if (!NO_MONEY_TAKEN.has(order.paymentStatus)) {
      throw new DomainError('invalid_transition', `order ${id} has payment status ${order.paymentStatus}; refund or void it before cancelling`);
    }
    // A free order was fulfilled when placed: cancelling it takes back exactly what it granted.
    const granted = order.fulfillmentStatus === 'fulfilled' || order.fulfillmentStatus === 'in_progress';
    const cancelled = await moveOrder(deps, tx, order,
      [{ axis: 'status', to: 'cancelled' }, ...(granted ? [{ axis: 'fulfillment_status' as const, to: 'revoked' as const }] : [])],
      { actor: actorOf(principal), reason }, { cancelledAt: deps.clock.now() });
    if (order.promoCodeId) await tx.promoCodes.release(order.promoCodeId);
    await tx.fulfillment.releaseSeatCode(order.id);
    await tx.fulfillment.releaseSeatCode(order.id);
    await emit(deps, tx, { type: 'order.cancelled', shopId: order.shopId, orderId: order.id, data: { order: orderJson(cancelled), reason } });
    if (granted) {
      await tx.fulfillment.revokeOrder(order.id, deps.clock.now());
      await emit(deps, tx, { type: 'fulfillment.revoked', shopId: order.shopId, orderId: order.id, data: { order: orderJson(cancelled) } });
    }
    return cancelled;
  });
}
