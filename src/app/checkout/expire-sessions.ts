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

const ACTOR = 'system:session-expiry';

/** Payment statuses that mean the buyer's money was taken or promised: the checkout succeeded. */
const MONEY_COMMITTED = new Set(['authorized', 'paid', 'partially_paid', 'partially_refunded', 'refunded', 'free']);

/** Returns whether the session was closed; a session whose order has a payment in flight stays open. */
async function expireOne(deps: Deps, tx: Repos, session: CheckoutSession): Promise<boolean> {
  const order = await tx.orders.getForUpdate(session.orderId);
  if (order && MONEY_COMMITTED.has(order.paymentStatus)) return tx.checkoutSessions.close(session.id, 'complete');
  if (order && order.status !== 'cancelled' && order.paymentStatus === 'unpaid') {
    // Looked at again next round, until the payment in flight settles one way or the other.
    const amounts = deriveAmounts(await tx.transactions.listByOrder(order.id));
    if (amounts.pendingAuthorization > 0 || amounts.pendingCapture > 0) return false;
  }
  await tx.checkoutSessions.close(session.id, 'expired');
  if (!order || order.status === 'cancelled' || order.paymentStatus !== 'unpaid') return true;
  const reason = `checkout session ${session.id} expired`;
  await cancelLoaded(deps, tx, order, await tx.transactions.listByOrder(order.id), { actor: ACTOR, reason }, { type: 'order.expired', data: { session_id: session.id } });
  return true;
}

/**
 * Closes up to `limit` open sessions whose `expiresAt` (ms since the epoch) is at or before `now`, oldest
 * first, in one database transaction (rows claimed with SKIP LOCKED on PostgreSQL, so two workers running
 * it at once split the work). Idempotent: a closed session is never claimed again. Returns how many
 * sessions it closed (a session with a payment in flight is left open and looked at again).
 */
export async function expireCheckoutSessions(deps: Deps, now: number, limit = 100): Promise<number> {
  return deps.store.tx(async (tx) => {
    const sessions = await tx.checkoutSessions.claimExpired(now, limit);
    let closed = 0;
    for (const session of sessions) if (await expireOne(deps, tx, session)) closed++;
    return closed;
  });
}
