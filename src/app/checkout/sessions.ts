/**
 * Hosted checkout sessions: the link a buyer follows to pay an order on Paybridge's payment page. Knowing
 * a session's id is enough to pay its order, so ids are unguessable tokens, never time-ordered.
 * A session expires (24 hours by default); the scheduler then cancels the order if it is still unpaid.
 */
import type { CheckoutSession, Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

const SESSION_TTL_MS = 24 * 3600 * 1000;

export async function openCheckoutSession(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order,
  options: { id?: string; successUrl?: string | null; cancelUrl?: string | null; ttlMs?: number; native?: boolean } = {},
): Promise<CheckoutSession> {
  const shop = (await tx.shops.get(order.shopId))!;
  return tx.checkoutSessions.insert({
    id: options.id ?? deps.ids.token('cs'), orderId: order.id, status: 'open',
    successUrl: options.successUrl ?? shop.successUrl, cancelUrl: options.cancelUrl ?? shop.cancelUrl,
    expiresAt: deps.clock.now() + (options.ttlMs ?? SESSION_TTL_MS), native: options.native ?? false,
  });
}

/** The hosted payment page of a session. */
export function hostedPageUrl(deps: Pick<Deps, 'publicUrl'>, sessionId: string): string {
  return `${deps.publicUrl}/pay/${sessionId}`;
}
