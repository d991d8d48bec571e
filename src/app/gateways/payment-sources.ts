/**
 * Saved payment sources (Commerce Layer external gateways customer token): the gateway's `tokenize` (an external gateway's
 * token_url) turns a payment source into a reusable token, stored on the customer with the customer token
 * the gateway returned (its e-mail when the gateway returned none). A later order pays with
 * `source: {type: 'customer_token', token: <saved id>}`. The call is made outside any DB transaction; the
 * token request moves no money and records no payment transaction.
 */
import { DomainError } from '../../domain/errors.js';
import type { PaymentSource } from '../../ports/payment-gateway.js';
import type { Customer, PaymentSourceRecord } from '../../ports/customers.js';
import type { Gateway } from '../../ports/gateways.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { found, invalid } from '../validate.js';

interface SaveSourceInput {
  readonly customerId: string;
  readonly gatewayId: string;
  readonly source: PaymentSource;
  /** The order the source is saved from (Commerce Layer external gateways sends it with the request); none for a wallet save. */
  readonly orderId?: number | undefined;
}

/**
 * A token request outside any order still needs an order-shaped context for the port: an unsaved draft
 * with id 0 (stored orders start at 1), which the external adapter leaves out of its payload.
 */
function walletContext(customer: Customer, gateway: Gateway, currency: string, now: number): Order {
  return {
    id: 0, shopId: gateway.shopId, customerId: customer.id, number: null, currency, status: 'draft', paymentStatus: 'unpaid',
    fulfillmentStatus: 'unfulfilled', subtotal: 0, discount: 0, tax: 0, taxOverride: null, total: 0, promoCodeId: null, promoCode: null,
    country: null, email: customer.email, metadata: {}, placedAt: null, cancelledAt: null, releasedAt: null, statusMessage: null, processorReference: null,
    processorData: null, createdAt: now, updatedAt: now, version: 0,
  };
}

export async function saveCustomerPaymentSource(deps: Deps, input: SaveSourceInput): Promise<PaymentSourceRecord> {
  const customer = found(await deps.store.customers.get(input.customerId), 'customer', input.customerId);
  const gateway = found(await deps.store.gateways.get(input.gatewayId), 'gateway', input.gatewayId);
  const shop = found(await deps.store.shops.get(gateway.shopId), 'shop', gateway.shopId);
  if (input.source.type === 'customer_token') throw invalid('/source/type', 'is already a saved payment source');
  let order: Order;
  if (input.orderId !== undefined) {
    // Another customer's order is not found, as anywhere else: its existence is not this caller's business.
    const stored = await deps.store.orders.get(input.orderId);
    order = found(stored?.customerId === customer.id ? stored : undefined, 'order', input.orderId);
    if (order.shopId !== gateway.shopId) throw invalid('/gateway_id', 'is not a gateway of the order\'s shop');
  } else {
    order = walletContext(customer, gateway, shop.currency, deps.clock.now());
  }
  const now = deps.clock.now();
  const id = deps.ids.next('txn');
  const transaction: PaymentTransaction = {
    id, orderId: order.id, gatewayId: gateway.id, kind: 'token', status: 'pending', amount: 0, currency: order.currency, parentId: null,
    idempotencyKey: `pb_${id}`, processorToken: null, actionId: null, errorCode: null, errorMessage: null, metadata: {}, createdAt: now, updatedAt: now,
  };
  const lines = order.id > 0 ? await deps.store.orders.lines(order.id) : [];
  const processor = await deps.gateways.resolve(gateway.id);
  const result = await processor.tokenize({ transaction, parent: null, order, lines, shop, customer, source: input.source });
  if (result.outcome !== 'succeeded' || !result.processorToken) {
    const reason = `${result.errorCode ?? 'failed'}: ${result.errorMessage ?? 'the gateway did not return a payment_source_token'}`;
    if (result.errorCode === 'circuit_open') throw new DomainError('circuit_open', 'the gateway\'s circuit breaker is open; try again later');
    if (result.fault) {
      throw new DomainError('gateway_error', `the gateway could not save the payment source (${reason})`);
    }
    throw new DomainError('validation_failed', `the gateway refused to save the payment source (${reason})`, [{ field: '/source', message: `was refused by the gateway: ${reason}` }]);
  }
  const customerToken = result.metadata?.['customer_token'];
  return deps.store.paymentSources.insert({
    id: deps.ids.next('ps'), customerId: customer.id, gatewayId: gateway.id,
    customerToken: typeof customerToken === 'string' && customerToken.length > 0 ? customerToken : customer.email,
    token: result.processorToken, metadata: { source_type: input.source.type, ...(order.id > 0 ? { order_id: order.id } : {}) },
  });
}

/** A customer's saved payment sources, oldest first. */
export async function listCustomerPaymentSources(deps: Deps, customerId: string): Promise<PaymentSourceRecord[]> {
  found(await deps.store.customers.get(customerId), 'customer', customerId);
  return deps.store.paymentSources.listByCustomer(customerId);
}
