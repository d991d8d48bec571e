/**
 * Checkout sessions opened by a platform's backend (`POST /api/v1/checkout-sessions`): for a customer the
 * platform knows (by id, or by its external id, created or linked on the fly), one database transaction
 * prices the order (the same rules as every other way of buying: catalog prices, promo and seat codes, no
 * course sold twice to its owner) and opens the hosted session the buyer is sent to. The session ends
 * `complete` when its order is paid (`checkout_session.completed`, written with the payment), or `expired`
 * when its time runs out or the platform expires it (`checkout_session.expired`, the order cancelled).
 */
import { DomainError } from '../../domain/errors.js';
import type { Customer } from '../../ports/customers.js';
import type { CheckoutSession, Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import { customerByReference, upsertByExternalId, splitName } from '../customers.js';
import type { Deps } from '../deps.js';
import { emit } from '../events.js';
import { createOrderIn } from '../orders/create-order.js';
import { found, invalid, url } from '../validate.js';
import { closeSession, MONEY_COMMITTED } from './expire-sessions.js';
import { hostedPageUrl, openCheckoutSession } from './sessions.js';

/** Replaced in `success_url` and `cancel_url` by the session's id. */
const SESSION_ID_PLACEHOLDER = '{CHECKOUT_SESSION_ID}';

export type CustomerRef =
  | { readonly id: string }
  | { readonly externalId: string; readonly email?: string | undefined; readonly name?: string | undefined };

interface CreateSessionInput {
  /** The shop; by default the shop of the first line's product. */
  readonly shopId?: string | undefined;
  readonly customer: CustomerRef;
  readonly lines: readonly { readonly productId: number; readonly quantity: number }[];
  readonly promoCode?: string | null | undefined;
  readonly successUrl?: string | null | undefined;
  readonly cancelUrl?: string | null | undefined;
  /** Seconds, 60 to 86,400 (checked by the HTTP schema). */
  readonly expiresIn: number;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/** A session as the API and its events show it. */
export function checkoutSessionJson(deps: Pick<Deps, 'publicUrl'>, session: CheckoutSession, order: Order) {
  return {
    id: session.id, object: 'checkout_session' as const, url: hostedPageUrl(deps, session.id), status: session.status,
    expires_at: new Date(session.expiresAt).toISOString(), order_id: order.id, amount_total: order.total, currency: order.currency,
    customer_id: order.customerId, success_url: session.successUrl, cancel_url: session.cancelUrl, metadata: order.metadata,
    created_at: new Date(session.createdAt).toISOString(),
  };
}

/** Writes `checkout_session.completed` or `.expired` for a native session, with its order id and metadata. */
export async function emitSessionEvent(deps: Pick<Deps, 'ids' | 'publicUrl'>, tx: Repos, type: 'checkout_session.completed' | 'checkout_session.expired', session: CheckoutSession, order: Order): Promise<void> {
  if (!session.native) return;
  const closed = { ...session, status: type === 'checkout_session.completed' ? 'complete' as const : 'expired' as const };
  await emit(deps, tx, {
    type, shopId: order.shopId, orderId: order.id,
    data: { checkout_session: checkoutSessionJson(deps, closed, order), order_id: order.id, metadata: order.metadata },
  });
}

/** Closes the open session of a paid order as `complete` (its event for a native session); no-op otherwise. */
export async function completeSessionOf(deps: Pick<Deps, 'ids' | 'publicUrl'>, tx: Repos, order: Order, session?: CheckoutSession): Promise<void> {
  const open = session ?? await tx.checkoutSessions.latestForOrder(order.id);
  if (open?.status !== 'open') return;
  if (await tx.checkoutSessions.close(open.id, 'complete')) await emitSessionEvent(deps, tx, 'checkout_session.completed', open, order);
}

function withSessionId(value: string | null | undefined, id: string, field: string): string | null {
  if (value === null || value === undefined) return null;
  return url(value.replaceAll(SESSION_ID_PLACEHOLDER, encodeURIComponent(id)), field) ?? null;
}

async function buyer(deps: Deps, ref: CustomerRef): Promise<Customer> {
  try {
    if ('id' in ref) return await customerByReference(deps, { id: ref.id }, '/customer');
    if (ref.email === undefined && ref.name === undefined) return await customerByReference(deps, { externalId: ref.externalId }, '/customer');
    return (await upsertByExternalId(deps, ref.externalId, { email: ref.email, ...splitName(ref.name) })).customer;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') {
      throw new DomainError('validation_failed', `${error.message}; give its email to create it`, [{ field: '/customer', message: 'does not exist (send external_id with email to create it)' }]);
    }
    if (error instanceof DomainError) {
      throw new DomainError(error.code, error.message, error.details.map((d) => ({ ...d, field: `/customer${d.field}` })));
    }
    throw error;
  }
}

/** Opens a session; 409 `already_owned` naming a course the customer owns, 403 for a restricted customer. */
export async function createCheckoutSession(deps: Deps, input: CreateSessionInput): Promise<{ session: CheckoutSession; order: Order }> {
  const customer = await buyer(deps, input.customer);
  if (customer.restricted) throw new DomainError('account_restricted', `customer ${customer.id} is restricted and may not make purchases`);
  const first = input.lines[0];
  const shopId = input.shopId ?? (first ? (await deps.store.products.getMany([first.productId]))[0]?.shopId : undefined);
  if (!shopId) throw invalid('/lines/0/product_id', `: product ${first?.productId ?? ''} does not exist`);
  const id = deps.ids.token('cs');
  const successUrl = withSessionId(input.successUrl, id, '/success_url');
  const cancelUrl = withSessionId(input.cancelUrl, id, '/cancel_url');
  return deps.store.tx(async (tx) => {
    const order = await createOrderIn(deps, tx, {
      shopId, customerId: customer.id, ownerName: `customer ${customer.id}`, lines: input.lines,
      promoCode: input.promoCode, metadata: input.metadata,
    });
    let session = await openCheckoutSession(deps, tx, order, { id, successUrl, cancelUrl, ttlMs: input.expiresIn * 1000, native: true });
    if (order.paymentStatus === 'free') {
      await completeSessionOf(deps, tx, order, session); // nothing to pay: complete at once
      session = (await tx.checkoutSessions.get(id))!;
    }
    return { session, order };
  });
}

/** A native session and its order; 404 for any other id. */
export async function getCheckoutSession(deps: Deps, id: string): Promise<{ session: CheckoutSession; order: Order }> {
  const session = await deps.store.checkoutSessions.get(id);
  if (!session?.native) throw new DomainError('not_found', `checkout session ${id} not found`);
  return { session, order: found(await deps.store.orders.get(session.orderId), 'order', session.orderId) };
}

/**
 * Expires an open session now: its order is cancelled and `checkout_session.expired` written. 409 when the
 * session is no longer open, its order is paid, or a payment is in flight (that payment decides).
 */
export async function expireCheckoutSession(deps: Deps, id: string, actor: string): Promise<{ session: CheckoutSession; order: Order }> {
  await getCheckoutSession(deps, id);
  await deps.store.tx(async (tx) => {
    const session = (await tx.checkoutSessions.get(id))!;
    if (session.status !== 'open') throw new DomainError('invalid_transition', `checkout session ${id} is ${session.status}, not open`);
    const order = await tx.orders.getForUpdate(session.orderId);
    if (order && MONEY_COMMITTED.has(order.paymentStatus)) throw new DomainError('invalid_transition', `checkout session ${id} cannot expire: its order is paid`);
    if ((await closeSession(deps, tx, session, actor)) === null) {
      throw new DomainError('conflict', `checkout session ${id} has a payment in flight; it ends with that payment`);
    }
  });
  return getCheckoutSession(deps, id);
}
