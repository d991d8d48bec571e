/**
 * Where a buyer is sent around a checkout (Skilljar-compatible purchases and 001): the shop's remote checkout page with
 * `?purchase_id=`, else Paybridge's hosted payment page; back to the shop's success or cancel page,
 * else Paybridge's own thank-you page. A purchase id is the order id as text.
 */
import type { Shop } from '../../ports/catalog.js';
import type { Deps } from '../deps.js';
import { hostedPageUrl } from './sessions.js';

/** `url` with `purchase_id=<orderId>` set in its query string (any other parameter kept). */
export function withPurchaseId(url: string, orderId: number): string {
  const parsed = new URL(url);
  parsed.searchParams.set('purchase_id', String(orderId));
  return parsed.toString();
}

/** The page where the buyer pays: the shop's remote checkout URL when it has one, else the session's hosted page. */
export function checkoutUrl(deps: Pick<Deps, 'publicUrl'>, shop: Shop, orderId: number, sessionId: string | null): string {
  if (shop.remoteCheckoutUrl) return withPurchaseId(shop.remoteCheckoutUrl, orderId);
  return sessionId ? hostedPageUrl(deps, sessionId) : thankYouUrl(deps, orderId);
}

/** Paybridge's own landing page after a purchase, for shops without a success URL. */
function thankYouUrl(deps: Pick<Deps, 'publicUrl'>, orderId: number): string {
  return withPurchaseId(`${deps.publicUrl}/thank-you`, orderId);
}

/** Where a buyer lands after a successful purchase. */
export function successRedirect(deps: Pick<Deps, 'publicUrl'>, shop: Shop, orderId: number): string {
  return shop.successUrl ? withPurchaseId(shop.successUrl, orderId) : thankYouUrl(deps, orderId);
}
