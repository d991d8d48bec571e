/** Cancels an order that has taken no money; its promo code use is given back. */
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
    const cancelled = await moveOrder(deps, tx, order, [{ axis: 'status', to: 'cancelled' }],
      { actor: actorOf(principal), reason }, { cancelledAt: deps.clock.now() });
    if (order.promoCodeId) await tx.promoCodes.release(order.promoCodeId);
    await emit(deps, tx, { type: 'order.cancelled', shopId: order.shopId, orderId: order.id, data: { order: orderJson(cancelled), reason } });
    return cancelled;
  });
}
