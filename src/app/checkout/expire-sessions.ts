/**
 * Closes hosted checkout sessions whose time is up (a scheduled task). An expired session whose order
 * never took money is the end of that order: it is cancelled with an `order.expired` event and its promo
 * code use is given back, as by any cancellation. An order with a payment in flight is left to that
 * payment (the janitor or the processor's webhook settles it); an order paid meanwhile (its session was
 * never closed because the buyer did not come back) gets its session closed as `complete`.
 */
import { deriveAmounts } from '../../domain/payment.js';
import type { CheckoutSession } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { cancelLoaded } from '../orders/cancel-order.js';
import { emitSessionEvent } from './checkout-sessions.js';

const ACTOR = 'system:session-expiry';

/** Payment statuses that mean the buyer's money was taken or promised: the checkout succeeded. */
export const MONEY_COMMITTED: ReadonlySet<string> = new Set(['authorized', 'paid', 'partially_paid', 'partially_refunded', 'refunded', 'free']);

/**
 * Closes an open session whose time is up (or that its platform expires): how it was closed, or null when it
 * stays open (its order has a payment in flight). A native session announces how it ended.
 */
export async function closeSession(deps: Deps, tx: Repos, session: CheckoutSession, actor = ACTOR): Promise<'complete' | 'expired' | null> {
  const order = await tx.orders.getForUpdate(session.orderId);
  if (order && MONEY_COMMITTED.has(order.paymentStatus)) {
    if (!(await tx.checkoutSessions.close(session.id, 'complete'))) return null;
    await emitSessionEvent(deps, tx, 'checkout_session.completed', session, order);
    return 'complete';
  }
  if (order && order.status !== 'cancelled' && order.paymentStatus === 'unpaid') {
    // Looked at again next round, until the payment in flight settles one way or the other.
    const amounts = deriveAmounts(await tx.transactions.listByOrder(order.id));
    if (amounts.pendingAuthorization > 0 || amounts.pendingCapture > 0) return null;
  }
  await tx.checkoutSessions.close(session.id, 'expired');
  if (!order) return 'expired';
  let closed = order;
  if (order.status !== 'cancelled' && order.paymentStatus === 'unpaid') {
    const reason = `checkout session ${session.id} expired`;
    closed = await cancelLoaded(deps, tx, order, await tx.transactions.listByOrder(order.id), { actor, reason }, { type: 'order.expired', data: { session_id: session.id } });
  }
  await emitSessionEvent(deps, tx, 'checkout_session.expired', session, closed);
  return 'expired';
}

/**
 * Closes up to `limit` open sessions whose `expiresAt` (ms since the epoch) is at or before `now`, oldest
 * first, in one database transaction (rows claimed with SKIP LOCKED on PostgreSQL, so two workers running
 * it at once split the work). Idempotent: a closed session is never claimed again. Returns how many
 * sessions it closed (a session with a payment in flight is left open and looked at again).
 */
export async function expireCheckoutSessions(deps: Deps, now: number, limit = 100): Promise<number> {
  const swept = await deps.store.tx(async (tx) => {
    const sessions = await tx.checkoutSessions.claimExpired(now, limit);
    const counts = { expired: 0, complete: 0, left_open: 0 };
    for (const session of sessions) counts[(await closeSession(deps, tx, session)) ?? 'left_open']++;
    return counts;
  });
  if (swept.expired + swept.complete + swept.left_open > 0) {
    deps.log.info('checkout.sessions_swept', `session expiry: ${swept.expired} expired, ${swept.complete} closed as complete, ${swept.left_open} left open (payment in flight)`, swept);
  }
  return swept.expired + swept.complete;
}
