/**
 * The JSON:API document Paybridge POSTs to a Commerce Layer external gateways, shaped like Commerce Layer's so
 * that endpoints written for Commerce Layer read it unchanged. `data` is the target resource of the action
 * (authorize and token → `external_payments`, capture and void → `authorizations`, refund → `captures`);
 * `included` carries order, order.market, order.line_items, order.line_items.item, order.billing_address /
 * shipping_address (when known), order.customer, order.order_subscriptions (always empty) and
 * order.notifications (the messages of earlier replies, when the request carries them). Amounts are
 * minor units (`*_cents`) with Commerce Layer's float and formatted twins, made here, at the specification's edge.
 * Paybridge's own references (transaction id, idempotency key, amount of this call) are in the top-level
 * `meta.paybridge`, which Commerce Layer endpoints ignore. Pure: no I/O.
 */
import { formatMajor, toMajorNumber } from '../../domain/money.js';
import { processorAttributes, processorMetadata } from '../../domain/processor-details.js';
import type { GatewayRequest } from '../../ports/payment-gateway.js';
import type { Order, OrderLine, OrderNote } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';

export type ExternalAction = 'authorize' | 'capture' | 'void' | 'refund' | 'token';

type Identifier = { type: string; id: string };
interface JsonApiResource extends Identifier {
  attributes: Record<string, unknown>;
  relationships: Record<string, { data: Identifier | Identifier[] | null }>;
  meta: Record<string, unknown>;
}
interface ExternalDocument {
  data: JsonApiResource;
  included: JsonApiResource[];
  meta: { paybridge: Record<string, unknown> };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ref = (type: string, id: string | number): Identifier => ({ type, id: String(id) });
const META = { mode: 'live' };

/** `<prefix>_cents`, `<prefix>_float` and `formatted_<prefix>`, as Commerce Layer names them. */
function amounts(prefix: string, amount: number, currency: string): Record<string, unknown> {
  let formatted: string;
  try {
    formatted = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(toMajorNumber({ amount, currency }));
  } catch {
    formatted = `${formatMajor({ amount, currency })} ${currency}`;
  }
  return { [`${prefix}_cents`]: amount, [`${prefix}_float`]: toMajorNumber({ amount, currency }), [`formatted_${prefix}`]: formatted };
}

/**
 * A token request made outside any order (a customer saving a payment source to a wallet) carries an
 * order with id 0: stored orders have ids from 1. Its document then has no order resources.
 */
function hasOrder(order: Order): boolean {
  return order.id > 0;
}

function orderResource(r: GatewayRequest): JsonApiResource {
  const o = r.order;
  const c = o.currency;
  const skus = r.lines.reduce((n, l) => n + l.quantity, 0);
  return {
    ...ref('orders', o.id),
    attributes: {
      number: o.number ?? String(o.id), status: o.status, payment_status: o.paymentStatus, fulfillment_status: o.fulfillmentStatus,
      guest: o.customerId === null, editable: false, customer_email: o.email ?? r.customer?.email ?? null, language_code: 'en',
      currency_code: c, tax_included: false, country_code: o.country, coupon_code: o.promoCode,
      ...amounts('subtotal_amount', o.subtotal, c), ...amounts('discount_amount', -o.discount, c),
      ...amounts('total_tax_amount', o.tax, c), ...amounts('total_amount', o.total - o.tax, c),
      ...amounts('total_amount_with_taxes', o.total, c),
      skus_count: skus, line_item_options_count: 0, placed_at: iso(o.placedAt), reference: o.number,
      metadata: { ...o.metadata }, created_at: iso(o.createdAt), updated_at: iso(o.updatedAt),
    },
    relationships: {
      market: { data: ref('markets', r.shop.id) },
      customer: { data: r.customer ? ref('customers', r.customer.id) : null },
      shipping_address: { data: null },
      billing_address: { data: o.country ? ref('addresses', `${o.id}-billing`) : null },
      line_items: { data: r.lines.map((l) => ref('line_items', l.id)) },
      order_subscriptions: { data: [] },
      notifications: { data: (r.notifications ?? []).map((n) => ref('notifications', n.id)) },
    },
    meta: META,
  };
}

/** A notification of the order: one message of an earlier reply, with the transaction it came from. */
function notificationResource(n: OrderNote): JsonApiResource {
  const transactionId = n.source.startsWith('transaction:') ? n.source.slice('transaction:'.length) : null;
  return {
    ...ref('notifications', n.id),
    attributes: {
      name: 'gateway_message', flash: false, body: n.body, reference: transactionId, reference_origin: 'paybridge_transaction',
      created_at: iso(n.createdAt), updated_at: iso(n.createdAt), metadata: { transaction_id: transactionId },
    },
    relationships: {}, meta: META,
  };
}

function lineResource(l: OrderLine, order: Order): JsonApiResource {
  const c = order.currency;
  return {
    ...ref('line_items', l.id),
    attributes: {
      sku_code: l.sku, name: l.title, quantity: l.quantity, currency_code: c, item_type: 'skus',
      ...amounts('unit_amount', l.unitAmount, c), ...amounts('discount', -l.discount, c), ...amounts('tax_amount', l.tax, c),
      ...amounts('total_amount', l.total, c), metadata: {},
    },
    relationships: { item: { data: ref('skus', l.productId) } },
    meta: META,
  };
}

function included(r: GatewayRequest): JsonApiResource[] {
  const out: JsonApiResource[] = [];
  const { shop, customer } = r;
  if (hasOrder(r.order)) {
    out.push(orderResource(r));
    out.push({
      ...ref('markets', shop.id), attributes: { name: shop.name, code: shop.id, currency_code: shop.currency, metadata: {} },
      relationships: {}, meta: META,
    });
    for (const line of r.lines) out.push(lineResource(line, r.order));
    for (const note of r.notifications ?? []) out.push(notificationResource(note));
    const seen = new Set<number>();
    for (const line of r.lines) {
      if (seen.has(line.productId)) continue;
      seen.add(line.productId);
      out.push({ ...ref('skus', line.productId), attributes: { code: line.sku, name: line.title, metadata: {} }, relationships: {}, meta: META });
    }
    if (r.order.country) {
      out.push({
        ...ref('addresses', `${r.order.id}-billing`),
        attributes: {
          first_name: customer?.firstName ?? null, last_name: customer?.lastName ?? null,
          full_name: [customer?.firstName, customer?.lastName].filter(Boolean).join(' ') || null,
          email: r.order.email ?? customer?.email ?? null, country_code: r.order.country, business: false,
        },
        relationships: {}, meta: META,
      });
    }
  }
  if (customer) {
    out.push({
      ...ref('customers', customer.id),
      attributes: { email: customer.email, status: 'acquired', has_password: customer.passwordHash !== null, created_at: iso(customer.createdAt), updated_at: iso(customer.updatedAt), metadata: {} },
      relationships: {}, meta: META,
    });
  }
  return out;
}

/**
 * The fields Commerce Layer gives every transaction resource (authorizations, captures), with what the
 * merchant said about it before: its message, AVS/CVV codes, fraud review and metadata.
 */
function transactionAttributes(t: PaymentTransaction, order: Order): Record<string, unknown> {
  return {
    number: `${order.number ?? order.id}/${t.id}`, currency_code: t.currency, ...amounts('amount', t.amount, t.currency),
    succeeded: t.status === 'succeeded', ...processorAttributes(t.metadata), error_code: t.errorCode, error_detail: t.errorMessage,
    token: t.processorToken, gateway_transaction_id: t.processorToken, reference: t.id,
    created_at: iso(t.createdAt), updated_at: iso(t.updatedAt), metadata: { ...processorMetadata(t.metadata) },
  };
}

function targetResource(action: ExternalAction, r: GatewayRequest): JsonApiResource {
  const { transaction: t, parent, order } = r;
  const orderLink = { order: { data: hasOrder(order) ? ref('orders', order.id) : null } };
  if (action === 'authorize' || action === 'token') {
    const saved = r.source?.metadata?.['customer_token'];
    return {
      ...ref('external_payments', t.id),
      attributes: {
        payment_source_token: r.source?.token ?? null, options: typeof saved === 'string' ? { customer_token: saved } : {},
        reference: null, reference_origin: null, metadata: {}, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt),
        currency_code: t.currency, ...amounts('amount', t.amount, t.currency),
      },
      relationships: {
        ...orderLink, payment_gateway: { data: t.gatewayId ? ref('external_gateways', t.gatewayId) : null },
        ...(hasOrder(order) ? {} : { customer: { data: r.customer ? ref('customers', r.customer.id) : null } }),
      },
      meta: META,
    };
  }
  const acted = parent ?? t;
  const extra = action === 'capture' ? amounts('capture_amount', t.amount, t.currency)
    : action === 'void' ? amounts('void_balance', t.amount, t.currency)
      : amounts('refund_amount', t.amount, t.currency);
  return {
    ...ref(action === 'refund' ? 'captures' : 'authorizations', acted.id),
    attributes: { ...transactionAttributes(acted, order), ...extra },
    relationships: orderLink,
    meta: META,
  };
}

/**
 * The whole document for one call. Linkage only points away from the primary data (no back-references such
 * as line_item → order): Commerce Layer's own denormalizer (@commercelayer/sdk-utils) recurses into cycles.
 */
export function externalPayload(action: ExternalAction, r: GatewayRequest): ExternalDocument {
  return {
    data: targetResource(action, r),
    included: included(r),
    meta: {
      paybridge: {
        action, transaction_id: r.transaction.id, idempotency_key: r.transaction.idempotencyKey,
        amount_cents: r.transaction.amount, currency_code: r.transaction.currency, order_id: hasOrder(r.order) ? String(r.order.id) : null,
      },
    },
  };
}
