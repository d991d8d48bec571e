/**
 * The OpenAPI 3.1 `webhooks` section: one entry per event type Paybridge sends, with the envelope every
 * delivery carries (`webhookBody` in worker/deliver-webhooks.ts) and the `data` of that type (as each use
 * case emits it), so that a receiver learns the event types and their payloads from the document alone.
 * A test validates events the app really emits against these schemas.
 */
import { Type, type TSchema } from 'typebox';
import { EVENT_TYPES, type EventType } from '../../app/events.js';
import { NotificationSchema, Nullable, NullableTimestamp, ProcessorDetailFields, Timestamp } from '../schemas.js';

const Amount = Type.Integer({ description: 'Minor units of the currency' });
const ref = (name: string) => Type.Unsafe({ $ref: `#/components/schemas/${name}` });

/** Schemas the event payloads share, for `components.schemas` (named so that the docs UI lists them). */
export const EVENT_COMPONENTS: Record<string, TSchema> = {
  EventOrder: Type.Object({
    id: Type.Integer(), object: Type.Literal('order'), shop_id: Type.String(), customer_id: Nullable(Type.String()),
    number: Nullable(Type.String()), currency: Type.String(),
    status: Type.String({ description: 'draft | pending | placed | approved | cancelled' }),
    payment_status: Type.String({ description: 'unpaid | authorized | partially_authorized | paid | partially_paid | voided | refunded | partially_refunded | free' }),
    fulfillment_status: Type.String({ description: 'unfulfilled | in_progress | fulfilled | not_required | revoked' }),
    subtotal: Amount, discount: Amount, tax: Amount, total: Amount, promo_code: Nullable(Type.String()),
    country: Nullable(Type.String()), email: Nullable(Type.String()), metadata: Type.Record(Type.String(), Type.String()),
    placed_at: NullableTimestamp, cancelled_at: NullableTimestamp, created_at: Timestamp, updated_at: Timestamp,
  }, { description: 'The order as it stands after the change the event announces' }),
  EventTransaction: Type.Object({
    id: Type.String(), kind: Type.String({ description: 'authorization | capture | void | refund | token' }),
    status: Type.String({ description: 'pending | succeeded | failed' }), amount: Amount, currency: Type.String(),
    gateway_id: Nullable(Type.String()), parent_id: Nullable(Type.String()), processor_token: Nullable(Type.String()),
    action_id: Nullable(Type.String()), error_code: Nullable(Type.String({ description: 'e.g. card_declined, insufficient_funds' })),
    error_message: Nullable(Type.String()), ...ProcessorDetailFields,
  }, { description: 'The payment transaction whose result caused the event' }),
  EventNotification: NotificationSchema,
  EventCheckoutSession: Type.Object({
    id: Type.String(), object: Type.Literal('checkout_session'), url: Type.String(),
    status: Type.String({ description: 'open | complete | expired' }), expires_at: Timestamp, order_id: Type.Integer(),
    amount_total: Amount, currency: Type.String(), customer_id: Nullable(Type.String()), success_url: Nullable(Type.String()),
    cancel_url: Nullable(Type.String()), metadata: Type.Record(Type.String(), Type.String()), created_at: Timestamp,
  }, { description: 'A checkout session opened with POST /api/v1/checkout-sessions' }),
  EventInvoice: Type.Object({
    id: Type.String(), object: Type.Literal('invoice'), shop_id: Type.String(), customer_id: Type.String(),
    number: Nullable(Type.String()), description: Nullable(Type.String()), currency: Type.String(),
    status: Type.String({ description: 'open | partially_paid | paid | void | overdue' }),
    lines: Type.Array(Type.Object({ description: Type.String(), quantity: Type.Integer(), unit_amount: Amount, amount: Amount })),
    total: Amount, amount_paid: Amount, amount_discounted: Amount, amount_due: Amount, due_at: Timestamp,
    discount_codes: Type.Array(Type.String()), metadata: Type.Record(Type.String(), Type.String()),
    paid_at: NullableTimestamp, voided_at: NullableTimestamp, created_at: Timestamp, updated_at: Timestamp,
  }),
  EventInvoicePayment: Type.Object({
    id: Type.String(), object: Type.Literal('invoice_payment'), invoice_id: Type.String(),
    type: Type.String({ description: 'PLATFORM | CHECKOUT | EXTERNAL' }),
    status: Type.String({ description: 'open | processing | succeeded | failed | cancelled' }),
    amount: Amount, currency: Type.String(), discount_code: Nullable(Type.String()), discount: Amount,
    account_id: Nullable(Type.String()), order_id: Nullable(Type.Integer()), some_data: Nullable(Type.String()),
    external_data: Nullable(Type.String()), payment_date: NullableTimestamp, failure_reason: Nullable(Type.String()),
    created_at: Timestamp, updated_at: Timestamp,
  }),
};

const order = { order: ref('EventOrder') };
const settled = Type.Object({ ...order, transaction: Type.Optional(ref('EventTransaction')) });
const invoice = Type.Object({ invoice: ref('EventInvoice') });
const session = Type.Object({
  checkout_session: ref('EventCheckoutSession'), order_id: Type.Integer(),
  metadata: Type.Record(Type.String(), Type.String(), { description: 'The metadata given when the session was created' }),
});
const invoicePaid = Type.Object({ invoice: ref('EventInvoice'), payment: ref('EventInvoicePayment') });

/** Each event type: when it is sent, and its `data`. */
const EVENTS: Record<EventType, { readonly when: string; readonly data: TSchema }> = {
  'order.created': { when: 'An order was created (native API, course checkout, payment order).', data: Type.Object(order) },
  'order.placed': { when: 'The first payment of an order was authorized or is pending: the order moved from pending to placed.', data: settled },
  'order.cancelled': { when: 'An order was cancelled (through the API, or with its unpaid invoice payment).', data: Type.Object({ ...order, reason: Nullable(Type.String()) }) },
  'order.completed': { when: 'A payment order cleared after its shop\'s clearing days.', data: Type.Object({ ...order, reason: Type.String() }) },
  'order.expired': { when: 'An unpaid order\'s checkout session or time limit expired; the order is cancelled.', data: Type.Object({ ...order, reason: Type.String(), session_id: Nullable(Type.String()) }) },
  'order.notification_added': {
    when: 'A payment processor\'s reply carried `messages` (external gateways): each became a notification on the order, one event each.',
    data: Type.Object({ ...order, notification: ref('EventNotification') }),
  },
  'payment.authorized': { when: 'An authorization succeeded.', data: settled },
  'payment.captured': { when: 'A capture succeeded (for single-stage payments, right after the authorization).', data: settled },
  'payment.failed': { when: 'A payment transaction failed: declined, a processor fault, or a pending payment the janitor gave up on.', data: settled },
  'payment.voided': { when: 'An authorization was voided.', data: settled },
  'payment.refunded': { when: 'A refund succeeded (in full or in part: compare the order\'s payment_status).', data: settled },
  'payment.pending': { when: 'An authorization or capture is pending at the processor; a later event says how it ended.', data: settled },
  'payment.disputed': {
    when: 'The buyer\'s bank opened a dispute (chargeback) on a Stripe payment; the order also gets a notification. Respond in the Stripe dashboard.',
    data: Type.Object({ ...order, dispute: Type.Object({ id: Type.String(), amount: Type.Integer(), currency: Type.String(), reason: Type.String(), status: Type.String(), transaction_id: Type.String(), notification_id: Nullable(Type.Integer()) }) }),
  },
  'purchase.fulfilled': { when: 'A paid order was fulfilled: its courses granted and its seat codes issued (once per order).', data: settled },
  'purchase.failed': { when: 'A remote checkout page reported the purchase FAILED; the buyer is sent back to checkout.', data: Type.Object({ ...order, error_msg: Type.String() }) },
  'fulfillment.revoked': { when: 'What an order granted was revoked: it was refunded in full or cancelled after fulfillment.', data: settled },
  'checkout_session.completed': {
    when: 'A checkout session\'s order was paid (or authorized, on a two-stage shop): fulfil on this event, never on the buyer\'s redirect alone.', data: session,
  },
  'checkout_session.expired': { when: 'A checkout session ran out of time or was expired with POST /api/v1/checkout-sessions/{id}/expire; its unpaid order is cancelled.', data: session },
  'invoice.created': { when: 'An invoice was created.', data: invoice },
  'invoice.paid': { when: 'A payment settled an invoice in full.', data: invoicePaid },
  'invoice.partially_paid': { when: 'A payment settled part of an invoice.', data: invoicePaid },
  'invoice.overdue': { when: 'An invoice passed its due date with money still due.', data: invoice },
  'invoice.voided': { when: 'An invoice was voided.', data: invoice },
  'webhook.test': { when: 'Sent to one endpoint by POST /api/v1/webhook-endpoints/{id}/test.', data: Type.Object({ endpoint_id: Type.String(), message: Type.Literal('ping') }) },
};

/** The JSON body of one delivery of an event of `type`. */
function eventEnvelope(type: EventType): TSchema {
  return Type.Object({
    id: Type.String({ description: 'The event id: the same on every retry and replay, and the webhook-id header; drop duplicates on it' }),
    type: Type.Literal(type),
    timestamp: Timestamp,
    sequence: Nullable(Type.Integer({ description: 'Per order, 1, 2, 3…: order one order\'s events by it' })),
    order_id: Nullable(Type.Integer()),
    shop_id: Nullable(Type.String()),
    data: EVENTS[type].data,
  });
}

const SIGNED = 'Signed per Standard Webhooks: verify the webhook-signature header over webhook-id, webhook-timestamp and the raw body with the endpoint\'s whsec_ secret (e.g. with the standardwebhooks library). Delivered at least once; answer 2xx quickly. Retried with backoff for about three days on other answers (a 4xx other than 408/429 is not retried; 410 disables the endpoint).';
const header = (description: string) => ({ in: 'header', required: true, schema: { type: 'string' }, description });

function sessionExample(type: 'checkout_session.completed' | 'checkout_session.expired', sequence: number) {
  const metadata = { platform_cart: 'cart_5521' };
  const id = 'cs_hX3kq9VbR2mT7wYc4LpN8d';
  return {
    id: 'evt_01m7yzmhg0eqrdxmda19tad4q0', type, timestamp: '2026-11-21T12:03:10.000Z', sequence, order_id: 42, shop_id: 'shop_01m7yzmhg0eqrdxmda19tad4a1',
    data: {
      checkout_session: {
        id, object: 'checkout_session', url: `https://pay.example.com/pay/${id}`, status: type === 'checkout_session.completed' ? 'complete' : 'expired',
        expires_at: '2026-11-22T12:00:00.000Z', order_id: 42, amount_total: 4999, currency: 'USD', customer_id: 'cus_01m7yzmhg0eqrdxmda19tad4c2',
        success_url: `https://platform.example.com/paid?session=${id}`, cancel_url: 'https://platform.example.com/cart', metadata, created_at: '2026-11-21T12:00:00.000Z',
      },
      order_id: 42, metadata,
    },
  };
}
const EXAMPLES: Partial<Record<EventType, unknown>> = {
  'checkout_session.completed': sessionExample('checkout_session.completed', 5),
  'checkout_session.expired': sessionExample('checkout_session.expired', 3),
};

/** The `webhooks` object of the OpenAPI document. */
export function openApiWebhooks(): Record<string, unknown> {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, {
    post: {
      tags: ['Webhook events'], summary: EVENTS[type].when, operationId: `event-${type.replace(/[._]/g, '-')}`,
      description: SIGNED,
      parameters: [
        { name: 'webhook-id', ...header('The event id') },
        { name: 'webhook-timestamp', ...header('Unix seconds when this attempt was signed') },
        { name: 'webhook-signature', ...header('v1,<base64 HMAC-SHA256> (space-separated when several)') },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: eventEnvelope(type), ...(EXAMPLES[type] ? { examples: { example: { value: EXAMPLES[type] } } } : {}) } } },
      responses: { '2XX': { description: 'Received. Any other answer is retried later.' } },
    },
  }]));
}
