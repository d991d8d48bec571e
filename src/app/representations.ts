/**
 * The public JSON of resources that leave Paybridge by more than one road (API responses and webhook
 * events): one function each, so an order reads the same in a response and in an event.
 */
import { processorAttributes, processorMetadata } from '../domain/processor-details.js';
import type { Order, OrderNote } from '../ports/orders.js';
import type { PaymentTransaction } from '../ports/payments.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function orderJson(o: Order) {
  return {
    id: o.id, object: 'order' as const, shop_id: o.shopId, customer_id: o.customerId, number: o.number, currency: o.currency,
    status: o.status, payment_status: o.paymentStatus, fulfillment_status: o.fulfillmentStatus, subtotal: o.subtotal,
    discount: o.discount, tax: o.tax, total: o.total, promo_code: o.promoCode, country: o.country, email: o.email,
    metadata: o.metadata, placed_at: iso(o.placedAt), cancelled_at: iso(o.cancelledAt),
    created_at: iso(o.createdAt)!, updated_at: iso(o.updatedAt)!,
  };
}

/** A notification attached to an order: one entry of a processor reply's `messages`, as the processor sent it. */
export function notificationJson(n: OrderNote) {
  const from = /^transaction:(.+)$/.exec(n.source);
  return { id: n.id, object: 'order_notification' as const, transaction_id: from ? from[1]! : null, body: n.body, created_at: iso(n.createdAt)! };
}

export function transactionJson(t: PaymentTransaction) {
  return {
    id: t.id, kind: t.kind, status: t.status, amount: t.amount, currency: t.currency, gateway_id: t.gatewayId,
    parent_id: t.parentId, processor_token: t.processorToken, action_id: t.actionId, error_code: t.errorCode,
    error_message: t.errorMessage, ...processorAttributes(t.metadata), metadata: processorMetadata(t.metadata),
  };
}
