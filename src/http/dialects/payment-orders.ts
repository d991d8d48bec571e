/**
 * Payment orders: payment orders with a payment link, in the specification's dialect (camelCase, amounts as decimal
 * strings such as "56.00" with exactly the currency's decimals). Paths live under /api/v1/payment-orders,
 * because /api/v1/orders is the native order API. Errors use the native envelope (the specification shows none);
 * field paths in `details` name the request's camelCase fields, e.g. `/order/cost/amount`.
 *   POST /payment-orders                      create (200, status in_progress, paymentLink)
 *   GET  /payment-orders/{orderId}            retrieve, with its payments
 *   POST /payment-orders/{orderId}/capture    two-stage: capture all or `amount` of the authorization
 *   POST /payment-orders/{orderId}/void       two-stage: release what is left of the authorization
 *   POST /payment-orders/{orderId}/refunds    refund all or `amount` of what was captured
 * The shop's payment methods: GET /api/v1/shops/{shopId}/payment-methods (native, see external gateways).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { actorOf, type Deps } from '../../app/deps.js';
import { runTransaction, startTransaction } from '../../app/payments/transactions.js';
import { createPaymentOrder } from '../../app/payment-orders/create-payment-order.js';
import { MAX_TIME_LIMIT_MINUTES } from '../../app/payment-orders/order-settings.js';
import { PAYMENT_ORDER_STATUSES } from '../../app/payment-orders/status.js';
import { currentSnapshot, paymentOrderJson } from '../../app/payment-orders/view.js';
import { DomainError, unwrap } from '../../domain/errors.js';
import { parseMajor } from '../../domain/money.js';
import type { TransactionKind } from '../../domain/payment.js';
import type { Order } from '../../ports/orders.js';
import { caller } from '../plugins/auth.js';
import { responses } from '../schemas.js';

const Decimal = (description: string) => Type.String({ minLength: 1, maxLength: 32, description: `${description}: major units as a decimal string ("56.00"), at most the currency's decimals` });
const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const Url = (description: string) => Type.String({ minLength: 1, maxLength: 2000, description: `${description} (absolute http(s) URL)` });
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Null = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const CreateBody = Type.Object({
  shopId: Text(64),
  order: Type.Object({
    orderNumber: Text(64, 'Your order number, unique per shop (a second order with it is a 409)'),
    description: Opt(Text(500)),
    cost: Type.Object({ amount: Decimal('What the buyer pays'), currency: Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217, e.g. USD' }) }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  customer: Opt(Type.Object({
    customerId: Opt(Text(64, 'Your customer id; when it is a Paybridge customer id, the order joins that customer\'s orders')),
    firstName: Opt(Text(100)), lastName: Opt(Text(100)),
    email: Opt(Type.String({ format: 'email', maxLength: 254, description: 'The confirmation e-mail goes here; without it none is sent' })),
    phone: Opt(Type.String({ pattern: '^\\+?[0-9][0-9 ().-]{2,31}$', maxLength: 32 })),
  }, { additionalProperties: false })),
  paymentSettings: Type.Object({
    paymentMethod: Opt(Text(64, 'An id from GET /api/v1/shops/{shopId}/payment-methods (or a gateway id when the shop lists none); default: the first that fits')),
    autoCapture: Opt(Type.Boolean({ description: 'true or absent: single-stage (captured at once); false: two-stage (authorized, captured or voided through the API)' })),
    timeLimit: Opt(Type.Integer({
      minimum: 1, maximum: MAX_TIME_LIMIT_MINUTES,
      description: 'Minutes. The buyer must pay within it (default 1440, 24 hours); a two-stage authorization must be captured within it after the authorization (default 10080, 7 days), else it is voided',
    })),
    redirectUrls: Type.Object({ success: Url('Where the buyer goes after paying'), failure: Url('Where the buyer goes when giving up or when the link expired') }, { additionalProperties: false }),
    webhookUrl: Opt(Url('Receives a callback at every status change, signed per Standard Webhooks with the shop\'s webhook secret')),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const Time = Type.String({ format: 'date-time' });
const PaymentItem = Type.Object({
  paymentId: Type.String(), paymentMethod: Null(Type.String()), paymentType: Type.String({ description: 'card | wallet | bank_transfer' }),
  gatewayId: Null(Type.String()), amount: Type.String(), currency: Type.String(),
  status: Type.String({ description: 'pending | failed | authorized | partially_captured | captured | voided | refunded | partially_refunded' }),
  capturedAmount: Type.String(), voidedAmount: Type.String(), refundedAmount: Type.String(),
  errorCode: Null(Type.String()), errorMessage: Null(Type.String()), createdAt: Time, updatedAt: Time,
});
const PaymentOrderSchema = Type.Object({
  orderId: Type.String({ description: 'Paybridge\'s order id (the native order\'s integer id, as a string)' }),
  shopId: Type.String(),
  status: Type.String({ description: `${PAYMENT_ORDER_STATUSES.join(' | ')}; see docs/payment-orders.md` }),
  order: Type.Object({ orderNumber: Null(Type.String()), description: Null(Type.String()), cost: Type.Object({ amount: Type.String(), currency: Type.String() }) }),
  customer: Type.Object({ customerId: Null(Type.String()), firstName: Null(Type.String()), lastName: Null(Type.String()), email: Null(Type.String()), phone: Null(Type.String()) }),
  paymentSettings: Type.Object({
    paymentMethod: Null(Type.String()), autoCapture: Type.Boolean(), timeLimit: Null(Type.Integer()),
    redirectUrls: Type.Object({ success: Null(Type.String()), failure: Null(Type.String()) }), webhookUrl: Null(Type.String()),
  }),
  paymentLink: Null(Type.String({ description: 'The hosted payment page' })),
  expiresAt: Null(Type.String({ format: 'date-time', description: 'The buyer must pay before this' })),
  captureDeadline: Null(Type.String({ format: 'date-time', description: 'Two-stage: the open authorization is voided at this time unless captured' })),
  clearingDate: Null(Type.String({
    format: 'date-time',
    description: 'When the order clears and becomes completed: its last capture plus the shop\'s clearing days (1–3). Null until the money is captured and nothing of the authorization is left open, and for orders that end without money (refunded, voided, cancelled)',
  })),
  amounts: Type.Object({ authorized: Type.String(), captured: Type.String(), voided: Type.String(), refunded: Type.String() }),
  payments: Type.Array(PaymentItem),
  createdAt: Time, updatedAt: Time,
}, { $id: 'PaymentOrder' });

const Params = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 20 }) });
const AmountBody = Type.Union([Type.Object({ amount: Opt(Decimal('How much; default: all that is left')) }, { additionalProperties: false }), Type.Null()]);

export async function paymentOrderRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  const tags = ['Payment orders with a payment link'];

  const load = async (orderId: string): Promise<Order> => {
    const id = /^[1-9][0-9]{0,15}$/.test(orderId) ? Number(orderId) : NaN;
    const order = Number.isSafeInteger(id) ? await deps.store.orders.get(id) : undefined;
    if (!order) throw new DomainError('not_found', `order ${orderId} not found`);
    return order;
  };
  const view = async (order: Order) => paymentOrderJson(deps, await currentSnapshot(deps, order));

  app.post('/payment-orders', {
    config, schema: {
      tags, summary: 'Create an order and its payment link',
      description: 'Answers 200 with the order in status in_progress and its paymentLink (the hosted payment page). An amount with more decimals than the currency has is a 422.',
      body: CreateBody, response: responses(200, PaymentOrderSchema),
    },
  }, async (req) => {
    const b = req.body;
    const s = b.paymentSettings;
    const { order } = await createPaymentOrder(deps, {
      shopId: b.shopId, orderNumber: b.order.orderNumber, description: b.order.description, amount: b.order.cost.amount,
      currency: b.order.cost.currency, customer: b.customer, paymentMethod: s.paymentMethod, autoCapture: s.autoCapture,
      timeLimit: s.timeLimit, successUrl: s.redirectUrls.success, failureUrl: s.redirectUrls.failure, webhookUrl: s.webhookUrl,
    });
    return view(order);
  });

  app.get('/payment-orders/:orderId', {
    config, schema: { tags, summary: 'Retrieve an order: its status and its payments', params: Params, response: responses(200, PaymentOrderSchema) },
  }, async (req) => view(await load(req.params.orderId)));

  const operation = (path: string, kind: TransactionKind, summary: string, withAmount: boolean) => app.post(`/payment-orders/:orderId/${path}`, {
    config, schema: { tags, summary, params: Params, ...(withAmount ? { body: AmountBody } : {}), response: responses(200, PaymentOrderSchema) },
  }, async (req) => {
    const order = await load(req.params.orderId);
    const text = (req.body as { amount?: string } | null | undefined)?.amount;
    const amount = text === undefined ? undefined : unwrap(parseMajor(text, order.currency, { field: '/amount' })).amount;
    if (amount === 0) throw new DomainError('invalid_amount', 'amount must be greater than zero', [{ field: '/amount', message: 'must be greater than zero' }]);
    const actor = actorOf(caller(req));
    await runTransaction(deps, await startTransaction(deps, { orderId: order.id, kind, amount, actor }), actor);
    return view((await deps.store.orders.get(order.id))!);
  });
  operation('capture', 'capture', 'Capture an authorized (two-stage) order, in full or in part', true);
  operation('void', 'void', 'Void what is left of the authorization of a two-stage order', false);
  operation('refunds', 'refund', 'Refund a paid order, in full or in part', true);
}
