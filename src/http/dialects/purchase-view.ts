/**
 * Skilljar-compatible purchases: an order read as a Skilljar `Purchase` (contracts/skilljar-purchases-openapi.yml). The one
 * place that knows the purchase's field names, its states and its integer-cents amounts.
 */
import { Type } from 'typebox';
import type { PurchaseRecord } from '../../app/checkout/read-purchase.js';
import { deriveAmounts } from '../../domain/payment.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import { iso, isoOrNull } from '../iso.js';

export const PURCHASE_STATES = ['CREATED', 'PENDING', 'SUCCESS', 'FAILED', 'REFUNDED', 'CANCELLED', 'FLAGGED'] as const;
type PurchaseState = (typeof PURCHASE_STATES)[number];

/**
 * The purchase state of an order, from its status axes, its transactions and its status message, first
 * match wins: money refunded (in full or in part) → REFUNDED; cancelled, or its authorization voided →
 * CANCELLED; paid or free → SUCCESS; partly authorized or partly paid → FLAGGED (the money moved does not
 * match the price: a person must look at it); authorized, or a payment transaction pending → PENDING; a
 * failure message for the buyer (an external FAILED, or a declined payment on the hosted page) → FAILED;
 * otherwise CREATED.
 */
export function purchaseState(order: Order, transactions: readonly PaymentTransaction[]): PurchaseState {
  const payment = order.paymentStatus;
  if (payment === 'refunded' || payment === 'partially_refunded') return 'REFUNDED';
  if (order.status === 'cancelled' || payment === 'voided') return 'CANCELLED';
  if (payment === 'paid' || payment === 'free') return 'SUCCESS';
  if (payment === 'partially_paid' || payment === 'partially_authorized') return 'FLAGGED';
  if (payment === 'authorized' || transactions.some((t) => t.status === 'pending' && t.kind !== 'token')) return 'PENDING';
  if (order.statusMessage !== null) return 'FAILED';
  return 'CREATED';
}

const Cents = Type.Integer({ description: 'Integer cents (minor units of currency_code)' });
const NullableCents = Type.Union([Cents, Type.Null()]);

export const PurchaseSchema = Type.Object({
  id: Type.String({ description: 'The purchase id: the order id as text' }),
  user: Type.Optional(Type.Object({
    id: Type.Optional(Type.String()), email: Type.String(), first_name: Type.String(), last_name: Type.String(), full_name: Type.String(),
  })),
  state: Type.Union(PURCHASE_STATES.map((s) => Type.Literal(s)), { description: 'FLAGGED: the money moved does not match the price (partial authorization or capture)' }),
  status_msg: Type.String({ description: 'Why the last payment attempt failed; empty when none did' }),
  purchased_at: Type.String({ format: 'date-time', description: 'When the purchase was created' }),
  refunded_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  refund_cents: NullableCents,
  payment_processor: Type.Union([Type.Literal('EXTERNAL'), Type.Literal('NONE')], { description: 'EXTERNAL when the shop has a remote checkout URL' }),
  order_id: Type.String({ description: 'The merchant\'s order number when it gave one, else the order id' }),
  price_cents: Type.Integer({ description: 'What the buyer pays, promo and tax included: the server\'s total' }),
  quantity: Type.Integer(),
  offer_id: Type.String({ description: 'The (first) product\'s id' }), offer_sku: Type.String({ description: 'The (first) product\'s SKU' }),
  offer_description: Type.String({ description: 'The product\'s title; several products are listed together' }),
  offer_price_cents: Type.Union([Cents, Type.Null()], { description: 'Catalog unit price of the (first) product' }),
  promo_code: Type.String(), promo_code_price_cents: Type.Integer({ description: 'The discount, in cents' }),
  promo_code_percent_off: Type.Integer(), promo_code_quantity: Type.Integer({ description: 'Units the discount applies to' }),
  tax_price_cents: NullableCents,
  payment_processor_order_id: Type.String(), payment_processor_response_data: Type.String(),
  currency_code: Type.String(),
}, { $id: 'Purchase' });

function userOf(p: PurchaseRecord) {
  const c = p.customer;
  if (!c) return p.order.email ? { email: p.order.email, first_name: '', last_name: '', full_name: '' } : undefined;
  const first = c.firstName ?? '';
  const last = c.lastName ?? '';
  return { id: c.id, email: c.email, first_name: first, last_name: last, full_name: [first, last].filter(Boolean).join(' ') };
}

/** The purchase JSON of an order. Amounts stay integer cents; absent texts are empty strings, as the contract types them. */
export function purchaseView(p: PurchaseRecord) {
  const { order, lines, transactions } = p;
  const refunds = transactions.filter((t) => t.kind === 'refund' && t.status === 'succeeded');
  const refunded = deriveAmounts(transactions).refunded;
  const first = lines[0];
  const user = userOf(p);
  return {
    id: String(order.id),
    ...(user ? { user } : {}),
    state: purchaseState(order, transactions),
    status_msg: order.statusMessage ?? '',
    purchased_at: iso(order.createdAt),
    refunded_at: isoOrNull(refunds.at(-1)?.updatedAt ?? null),
    refund_cents: refunds.length > 0 ? refunded : null,
    payment_processor: p.shop.remoteCheckoutUrl ? 'EXTERNAL' as const : 'NONE' as const,
    order_id: order.number ?? String(order.id),
    price_cents: order.total,
    quantity: first?.quantity ?? 1,
    offer_id: first ? String(first.productId) : '',
    offer_sku: first?.sku ?? '',
    offer_description: lines.map((l) => l.title).join(', '),
    offer_price_cents: first?.unitAmount ?? null,
    promo_code: order.promoCode ?? '',
    promo_code_price_cents: order.discount,
    promo_code_percent_off: p.promoPercentOff,
    promo_code_quantity: order.discount > 0 ? lines.filter((l) => l.discount > 0).reduce((n, l) => n + l.quantity, 0) : 0,
    tax_price_cents: order.tax,
    payment_processor_order_id: order.processorReference ?? '',
    payment_processor_response_data: order.processorData ?? '',
    currency_code: order.currency,
  };
}
