/**
 * Scheduled task: clearing. A payment order whose money was captured (and nothing of its authorization is
 * left open) becomes `completed` once its shop's clearing period (`clearingDays`, 1–3 days) has passed since
 * its last capture: the core order moves placed → approved and `order.completed` is emitted.
 */
import { deriveAmounts } from '../../domain/payment.js';
import type { Order } from '../../ports/orders.js';
import type { Deps } from '../deps.js';
import { emit } from '../events.js';
import { moveOrder } from '../orders/move-order.js';
import { orderJson } from '../representations.js';
import { openAmount, type TxnFacts } from './status.js';
import { DAY_MS, runTimers, TIMER, type TimerOutcome } from './timers.js';

const ACTOR = 'system:clearing';
/** How often an order not yet captured is looked at again, ms. */
const NOT_YET_MS = 3600_000;

/**
 * When an order's money clears (epoch ms): its last capture plus the shop's clearing days, once something
 * was captured and nothing of its authorization is open or in flight; null while that is not so, and for an
 * order that ends without money (refunded, voided, cancelled).
 */
export function clearingDue(order: Pick<Order, 'status' | 'paymentStatus'>, txns: readonly TxnFacts[], clearingDays: number): number | null {
  if (order.status === 'cancelled' || order.paymentStatus === 'refunded' || order.paymentStatus === 'voided') return null;
  const a = deriveAmounts(txns);
  const inFlight = a.pendingAuthorization + a.pendingCapture + a.pendingVoid > 0;
  if (a.captured === 0 || openAmount(a) > 0 || inFlight) return null;
  const capturedAt = Math.max(...txns.filter((t) => t.kind === 'capture' && t.status === 'succeeded').map((t) => t.updatedAt));
  return capturedAt + clearingDays * DAY_MS;
}

async function completeIfCleared(deps: Deps, orderId: number, now: number): Promise<TimerOutcome> {
  return deps.store.tx(async (tx) => {
    const order = await tx.orders.getForUpdate(orderId);
    if (!order || (order.status !== 'placed' && order.status !== 'pending')) return { done: true, changed: false };
    if (order.paymentStatus === 'refunded' || order.paymentStatus === 'voided') return { done: true, changed: false };
    const [txns, shop] = await Promise.all([tx.transactions.listByOrder(orderId), tx.shops.get(order.shopId)]);
    const due = clearingDue(order, txns, shop!.clearingDays);
    if (due === null || order.status !== 'placed') return { done: false, at: now + NOT_YET_MS };
    if (due > now) return { done: false, at: due };
    const reason = `cleared ${shop!.clearingDays} day(s) after the capture`;
    const completed = await moveOrder(deps, tx, order, [{ axis: 'status', to: 'approved' }], { actor: ACTOR, reason });
    await emit(deps, tx, { type: 'order.completed', shopId: order.shopId, orderId, data: { order: orderJson(completed), reason } });
    return { done: true, changed: true };
  });
}

/**
 * Completes up to `limit` payment orders whose clearing period ended at `now` (epoch ms). Safe to run from
 * several workers at once (leased timers; the order is re-read under its row lock and moved with a guarded
 * update). Returns how many orders it completed.
 */
export function completeClearedOrders(deps: Deps, now: number, limit = 50): Promise<number> {
  return runTimers(deps, TIMER.clearing, now, limit, (orderId) => completeIfCleared(deps, orderId, now));
}
