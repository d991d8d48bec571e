/**
 * Taking back what an order granted (a full refund, or the cancellation of a free order). A bulk order's
 * seat codes are part of what it granted: one still available is revoked, and one another customer
 * redeemed is revoked together with what the redeeming order got through it, with a history entry on that
 * order saying why.
 */
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import type { NewEvent } from '../events.js';
import { moveOrder } from '../orders/move-order.js';
import { orderJson } from '../representations.js';

/**
 * In the caller's transaction, which holds `order`'s lock: revokes the order's enrollments and available
 * seat codes, then each redeemed seat code and the grants of the order that redeemed it. Returns the
 * `fulfillment.revoked` events of those redeeming orders; the caller announces its own order's.
 */
export async function revokeGrants(deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, actor: string, why: string): Promise<NewEvent[]> {
  const now = deps.clock.now();
  await tx.fulfillment.revokeOrder(order.id, now);
  const events: NewEvent[] = [];
  for (const seat of await tx.fulfillment.seatCodes(order.id)) {
    if (seat.status !== 'redeemed' || seat.redeemedOrderId === null) continue;
    // The redeeming order is locked before its seat row, in the order a cancellation of it takes them.
    const holder = await tx.orders.getForUpdate(seat.redeemedOrderId);
    await tx.fulfillment.revokeSeatCode(seat.id, now);
    if (!holder) continue;
    const reason = `seat code ${seat.code} was revoked: order ${order.id} ${why}`;
    if (holder.fulfillmentStatus === 'fulfilled' || holder.fulfillmentStatus === 'in_progress') {
      const moved = await moveOrder(deps, tx, holder, [{ axis: 'fulfillment_status', to: 'revoked' }], { actor, reason });
      await tx.fulfillment.revokeOrder(holder.id, now);
      events.push({ type: 'fulfillment.revoked', shopId: holder.shopId, orderId: holder.id, data: { order: orderJson(moved), reason, seat_code: seat.code } });
    }
  }
  return events;
}
