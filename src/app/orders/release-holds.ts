/**
 * Cancellation never strands money (DESIGN rule 16). An order can be cancelled while a payment is still in
 * flight; if that payment then succeeds, the cancelled order holds money it must give back. It does so
 * through the usual three steps (intent, processor call outside any database transaction, result): a void
 * of the open authorization, a refund of what was captured. Each completion that leaves a cancelled order
 * holding money schedules a `release-cancelled-order` job for the next step; a release refused by the
 * processor is tried again on the retry schedule; one whose call did not answer is the janitor's.
 *
 * The promo code use and the redeemed seat code of a cancelled order are given back only when it holds no
 * money and has no payment in flight (`releasedAt`), so a code is never free for reuse while the order it
 * discounted may still be charged.
 */
import { deriveAmounts, heldAmount, inFlight } from '../../domain/payment.js';
import { retryDelay } from '../../domain/retry.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

export const RELEASE_JOB = 'release-cancelled-order';

/**
 * For a cancelled order, in the caller's transaction (holding the order's lock) after it was cancelled or
 * one of its `txns` completed (`trigger`: that transaction's id, or what else happened): gives back its
 * promo code use and seat code when it now holds nothing and has nothing in flight (returns the
 * `releasedAt` patch for the caller's order update), or schedules the release of the money it holds —
 * at once, or after a growing delay when earlier releases were refused, until the retry schedule is spent
 * (then `paybridge check` reports the order). Returns an empty patch when there is nothing to do yet.
 */
export async function releaseOrSchedule(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, txns: readonly PaymentTransaction[], trigger: string,
): Promise<Partial<Order>> {
  const amounts = deriveAmounts(txns);
  if (inFlight(amounts)) return {}; // the payment's outcome decides; this runs again when it arrives
  if (heldAmount(amounts) > 0) {
    const refused = txns.filter((t) => (t.kind === 'void' || t.kind === 'refund') && t.status === 'failed').length;
    const delay = refused === 0 ? 0 : retryDelay(refused, 0.5);
    if (delay === null) return {};
    await tx.jobs.enqueue({
      id: deps.ids.next('job'), kind: RELEASE_JOB, dedupeKey: `${RELEASE_JOB}:${order.id}:${trigger}`,
      payload: { order_id: order.id }, nextAttemptAt: deps.clock.now() + delay,
    });
    return {};
  }
  if (order.releasedAt !== null) return {};
  if (order.promoCodeId) await tx.promoCodes.release(order.promoCodeId);
  await tx.fulfillment.releaseSeatCode(order.id);
  return { releasedAt: deps.clock.now() };
}
