/**
 * Scheduled task: a payment order still unpaid at its time limit is closed. The core order is cancelled
 * (history reason `expired`), its payment link (checkout session) is closed as expired, and `order.expired`
 * is emitted; payment orders reads it as `expired`, or `failed` when the last payment attempt had failed. An order
 * whose payment is still in flight at the limit is looked at again once that payment has an outcome.
 */
import { deriveAmounts } from '../../domain/payment.js';
import type { Deps } from '../deps.js';
import { cancelLoaded } from '../orders/cancel-order.js';
import { runTimers, TIMER, type TimerOutcome } from './timers.js';

const ACTOR = 'system:payment-orders-expiry';
/** How soon to look again at an order whose payment is still in flight, ms. */
export const RECHECK_MS = 5 * 60_000;

async function expireIfUnpaid(deps: Deps, orderId: number, now: number): Promise<TimerOutcome> {
  return deps.store.tx(async (tx) => {
    const order = await tx.orders.getForUpdate(orderId);
    if (!order || order.status === 'cancelled') return { done: true, changed: false };
    const session = await tx.checkoutSessions.latestForOrder(orderId);
    if (session && session.expiresAt > now) return { done: false, at: session.expiresAt };
    if (order.paymentStatus !== 'unpaid') {
      if (session?.status === 'open') await tx.checkoutSessions.close(session.id, 'complete');
      return { done: true, changed: false };
    }
    const txns = await tx.transactions.listByOrder(orderId);
    const amounts = deriveAmounts(txns);
    if (amounts.pendingAuthorization > 0 || amounts.pendingCapture > 0) return { done: false, at: now + RECHECK_MS };
    if (session?.status === 'open') await tx.checkoutSessions.close(session.id, 'expired');
    await cancelLoaded(deps, tx, order, txns, { actor: ACTOR, reason: 'expired' }, { type: 'order.expired', data: { session_id: session?.id ?? null } });
    return { done: true, changed: true };
  });
}

/**
 * Expires up to `limit` payment orders whose time limit passed at `now` (epoch ms) unpaid and with no
 * payment in flight. Safe to run from several workers at once: each order's timer is leased by one worker,
 * and the order is re-read under its row lock before it moves. Returns how many orders it expired.
 */
export function expireUnpaidOrders(deps: Deps, now: number, limit = 50): Promise<number> {
  return runTimers(deps, TIMER.expire, now, limit, (orderId) => expireIfUnpaid(deps, orderId, now));
}
