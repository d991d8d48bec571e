/**
 * The payment orders API's "Create Order": an order for an amount (no catalog lines), a hosted checkout session whose
 * link is the `paymentLink`, a callback endpoint bound to the order when a `webhookUrl` is given, and the
 * order's timers — all in one transaction. Single-stage unless `autoCapture` is false.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { parseMajor } from '../../domain/money.js';
import type { CheckoutSession, Order } from '../../ports/orders.js';
import { openCheckoutSession } from '../checkout/sessions.js';
import type { Deps } from '../deps.js';
import { createAmountOrder } from '../orders/create-amount-order.js';
import { currency as checkCurrency, emailAddress, invalid, outboundUrl, url } from '../validate.js';
import { bindCallbackEndpoint } from './callbacks.js';
import { captureWindowMs, compactMetadata, KEY, payWindowMs } from './order-settings.js';
import { chooseMethod } from './payment-options.js';
import { armTimers, DAY_MS } from './timers.js';

/** The request, already shaped by the HTTP schema; amounts are still the specification's decimal strings. */
interface PaymentOrderInput {
  readonly shopId: string;
  readonly orderNumber: string;
  readonly description?: string | undefined;
  /** Major units as a decimal string, e.g. "56.00"; at most the currency's decimals. */
  readonly amount: string;
  readonly currency: string;
  readonly customer?: {
    readonly customerId?: string | undefined;
    readonly firstName?: string | undefined;
    readonly lastName?: string | undefined;
    readonly email?: string | undefined;
    readonly phone?: string | undefined;
  } | undefined;
  readonly paymentMethod?: string | undefined;
  readonly autoCapture?: boolean | undefined;
  /** Minutes. */
  readonly timeLimit?: number | undefined;
  readonly successUrl: string;
  readonly failureUrl: string;
  readonly webhookUrl?: string | undefined;
}

const UNIQUE_VIOLATION = new Set(['SQLITE_CONSTRAINT_UNIQUE', '23505']);

export async function createPaymentOrder(deps: Deps, input: PaymentOrderInput): Promise<{ order: Order; session: CheckoutSession }> {
  const shop = await deps.store.shops.get(input.shopId);
  if (!shop) throw invalid('/shopId', 'is not a shop');
  const currency = checkCurrency(input.currency, '/order/cost/currency');
  const amount = unwrap(parseMajor(input.amount, currency, { field: '/order/cost/amount' })).amount;
  if (amount <= 0) throw new DomainError('invalid_amount', 'order.cost.amount must be greater than zero', [{ field: '/order/cost/amount', message: 'must be greater than zero' }]);
  const successUrl = url(input.successUrl, '/paymentSettings/redirectUrls/success')!;
  const failureUrl = url(input.failureUrl, '/paymentSettings/redirectUrls/failure')!;
  const webhookUrl = (await outboundUrl(deps, input.webhookUrl, '/paymentSettings/webhookUrl')) ?? null;
  emailAddress(input.customer?.email, '/customer/email');
  const twoStage = input.autoCapture === false;
  const method = await chooseMethod(deps, shop, { id: input.paymentMethod, currency, twoStage });
  const c = input.customer ?? {};
  // A Paybridge customer with this id gets the order in their history; any other id is the merchant's own.
  const linked = c.customerId !== undefined && (await deps.store.customers.get(c.customerId)) !== undefined ? c.customerId : null;
  const metadata = compactMetadata({
    [KEY.autoCapture]: String(!twoStage), [KEY.paymentMethod]: method.id, [KEY.paymentType]: method.instrument,
    [KEY.timeLimit]: input.timeLimit === undefined ? undefined : String(input.timeLimit), [KEY.webhookUrl]: webhookUrl,
    [KEY.description]: input.description, [KEY.customerRef]: c.customerId, [KEY.firstName]: c.firstName, [KEY.lastName]: c.lastName,
    [KEY.phone]: c.phone,
  });
  try {
    return await deps.store.tx(async (tx) => {
      const order = await createAmountOrder(deps, tx, {
        shopId: shop.id, amount, currency, number: input.orderNumber, customerId: linked, email: c.email ?? null, metadata,
      });
      const session = await openCheckoutSession(deps, tx, order, { successUrl, cancelUrl: failureUrl, ttlMs: payWindowMs(order) });
      if (webhookUrl) await bindCallbackEndpoint(deps, tx, order, shop, webhookUrl);
      await armTimers(deps, tx, order, {
        expire: session.expiresAt,
        captureDeadline: twoStage ? order.createdAt + captureWindowMs(order) : null,
        clearing: order.createdAt + shop.clearingDays * DAY_MS,
      });
      return { order, session };
    });
  } catch (error) {
    if (UNIQUE_VIOLATION.has(String((error as { code?: unknown }).code))) {
      throw new DomainError('already_exists', `order.orderNumber "${input.orderNumber}" is already used in shop ${shop.id}`, [{ field: '/order/orderNumber', message: 'is already used by another order of this shop' }]);
    }
    throw error;
  }
}
