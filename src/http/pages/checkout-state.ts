/**
 * What the hosted page shows for a checkout session, always derived from the stored order and its
 * transactions (never from the query string or the form): so a browser returning at the same time as the
 * processor's notification reads whichever state committed last, and never starts a second payment.
 */
import { completeSessionOf } from '../../app/checkout/checkout-sessions.js';
import type { Deps } from '../../app/deps.js';
import { deriveAmounts } from '../../domain/payment.js';
import type { Shop } from '../../ports/catalog.js';
import type { CheckoutSession, Order, OrderLine } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';

/**
 * - `payable`: the form is shown (with the last failure, if any);
 * - `processing`: a payment is in flight (asynchronous card, a processor that did not answer, or the
 *   capture that follows an asynchronous authorization on a single-stage shop);
 * - `succeeded`: paid, or authorized on a two-stage shop; the buyer goes to the success URL;
 * - `expired`: the session ran out (or was closed as expired) before any money was taken;
 * - `closed`: the order can no longer be paid (cancelled, voided).
 */
type CheckoutState = 'payable' | 'processing' | 'succeeded' | 'expired' | 'closed';

export interface Checkout {
  readonly session: CheckoutSession;
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly shop: Shop;
  readonly state: CheckoutState;
  /** Why the last payment attempt failed, for the buyer. */
  readonly failure: string | null;
  /** The order's payment transactions, oldest first. */
  readonly txns: readonly PaymentTransaction[];
}

const DONE = new Set(['paid', 'free', 'partially_paid', 'partially_refunded', 'refunded']);

function checkoutState(session: CheckoutSession, order: Order, txns: readonly PaymentTransaction[], now: number): CheckoutState {
  const amounts = deriveAmounts(txns);
  if (session.status === 'complete' || DONE.has(order.paymentStatus)) return 'succeeded';
  if (order.paymentStatus === 'authorized') {
    // The authorization itself records whether a capture follows (single-stage) or not (two-stage).
    const authorization = txns.filter((t) => t.kind === 'authorization' && t.status === 'succeeded').at(-1);
    const captureFollows = authorization?.metadata['auto_capture'] === true && !txns.some((t) => t.kind === 'capture' && t.status === 'failed');
    return captureFollows ? 'processing' : 'succeeded';
  }
  if (amounts.pendingAuthorization > 0) return 'processing';
  if (order.status === 'cancelled' || (order.paymentStatus !== 'unpaid' && order.paymentStatus !== 'partially_authorized')) {
    return session.status === 'expired' || session.expiresAt <= now ? 'expired' : 'closed';
  }
  if (session.status === 'expired' || session.expiresAt <= now) return 'expired';
  return 'payable';
}

/** Loads a session with its order, or undefined when either does not exist. */
export async function loadCheckout(deps: Deps, sessionId: string): Promise<Checkout | undefined> {
  const session = await deps.store.checkoutSessions.get(sessionId);
  if (!session) return undefined;
  const [order, lines, txns] = await Promise.all([
    deps.store.orders.get(session.orderId), deps.store.orders.lines(session.orderId), deps.store.transactions.listByOrder(session.orderId),
  ]);
  if (!order) return undefined;
  const shop = (await deps.store.shops.get(order.shopId))!;
  return derive(deps, { session, order, lines, shop, txns });
}

function derive(deps: Deps, loaded: Omit<Checkout, 'state' | 'failure'>): Checkout {
  const lastAuthorization = loaded.txns.filter((t) => t.kind === 'authorization').at(-1);
  const failure = lastAuthorization?.status === 'failed' ? lastAuthorization.errorMessage ?? 'The payment failed.' : null;
  return { ...loaded, state: checkoutState(loaded.session, loaded.order, loaded.txns, deps.clock.now()), failure };
}

/**
 * The checkout after this request's payment, without reading it again: `before` was payable (so no
 * payment was under way), and `payment` made `made` (oldest first) and left the order as `order`.
 */
export function afterPayment(deps: Deps, before: Checkout, order: Order, made: readonly PaymentTransaction[]): Checkout {
  return derive(deps, { ...before, order, txns: [...before.txns, ...made] });
}

/** Where the buyer goes after paying: the session's success URL with the ids appended, or the receipt. */
export function successLocation(checkout: Pick<Checkout, 'session' | 'order'>): string {
  const { session, order } = checkout;
  const receipt = `/pay/${encodeURIComponent(session.id)}/done`;
  let url: URL;
  try {
    url = new URL(session.successUrl ?? '');
  } catch {
    return receipt; // no success URL (or, defensively, one that is not absolute)
  }
  if (session.native) return url.toString(); // the platform's own URL, its {CHECKOUT_SESSION_ID} already replaced
  url.searchParams.set('session_id', session.id);
  url.searchParams.set('order_id', String(order.id));
  return url.toString();
}

/** Marks the session complete once its order succeeded (no-op when already closed; a native session's event with it). */
export async function completeSession(deps: Deps, checkout: Checkout): Promise<void> {
  if (checkout.session.status === 'open') await deps.store.tx((tx) => completeSessionOf(deps, tx, checkout.order, checkout.session));
}

/** The origin of a URL, for the CSP `form-action` list; null when there is none or it is not absolute. */
export function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
