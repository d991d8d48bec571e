import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { notificationJson, orderJson, transactionJson } from '../../app/representations.js';
import { cancelOrder } from '../../app/orders/cancel-order.js';
import { createOrder } from '../../app/orders/create-order.js';
import { listOrders, orderDetails, visibleOrder, type OrderDetails } from '../../app/orders/read-orders.js';
import { DomainError } from '../../domain/errors.js';
import type { SeatCode } from '../../ports/fulfillment.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import { caller } from '../plugins/auth.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { IntegerId, Metadata, NotificationSchema, Nullable, NullableTimestamp, ProcessorDetailFields, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const Amount = Type.Integer({ description: 'Minor units' });

const OrderLineSchema = Type.Object({
  id: Type.Integer(), product_id: Type.Integer(), sku: Type.String(), title: Type.String(), quantity: Type.Integer(),
  unit_amount: Amount, subtotal: Amount, discount: Amount, tax: Amount, total: Amount,
});
export const TransactionSchema = Type.Object({
  id: Type.String(), kind: Type.String(), status: Type.String(), amount: Amount, currency: Type.String(),
  gateway_id: Nullable(Type.String()), parent_id: Nullable(Type.String()), processor_token: Nullable(Type.String()),
  action_id: Nullable(Type.String()), error_code: Nullable(Type.String()), error_message: Nullable(Type.String()),
  ...ProcessorDetailFields, created_at: Timestamp, updated_at: Timestamp,
});
const HistorySchema = Type.Object({
  axis: Type.String(), from: Type.String(), to: Type.String(), actor: Type.String(), reason: Nullable(Type.String()), at: Timestamp,
});

const orderFields = {
  id: Type.Integer(), object: Type.Literal('order'), shop_id: Type.String(), customer_id: Nullable(Type.String()),
  number: Nullable(Type.String()), currency: Type.String(),
  status: Type.String({ description: 'draft | pending | placed | approved | cancelled' }),
  payment_status: Type.String({ description: 'unpaid | authorized | partially_authorized | paid | partially_paid | voided | refunded | partially_refunded | free' }),
  fulfillment_status: Type.String({ description: 'unfulfilled | in_progress | fulfilled | not_required | revoked' }),
  subtotal: Amount, discount: Amount, tax: Amount, total: Amount, promo_code: Nullable(Type.String()),
  country: Nullable(Type.String()), email: Nullable(Type.String()), metadata: Type.Record(Type.String(), Type.String()),
  placed_at: NullableTimestamp, cancelled_at: NullableTimestamp, created_at: Timestamp, updated_at: Timestamp,
};
const OrderSummarySchema = Type.Object(orderFields, { $id: 'OrderSummary' });
export const OrderSchema = Type.Object({
  ...orderFields, lines: Type.Array(OrderLineSchema), transactions: Type.Array(TransactionSchema), history: Type.Array(HistorySchema),
  notifications: Type.Array(NotificationSchema, { description: 'Messages the payment processors attached to the order, oldest first' }),
}, { $id: 'Order' });

export function transactionView(t: PaymentTransaction) {
  return { ...transactionJson(t), created_at: iso(t.createdAt), updated_at: iso(t.updatedAt) };
}

export function orderView(d: OrderDetails) {
  return {
    ...orderJson(d.order),
    lines: d.lines.map((l) => ({
      id: l.id, product_id: l.productId, sku: l.sku, title: l.title, quantity: l.quantity, unit_amount: l.unitAmount,
      subtotal: l.subtotal, discount: l.discount, tax: l.tax, total: l.total,
    })),
    transactions: d.transactions.map(transactionView),
    history: d.history.map((h) => ({ axis: h.axis, from: h.from, to: h.to, actor: h.actor, reason: h.reason, at: iso(h.createdAt) })),
    notifications: d.notifications.map(notificationJson),
  };
}

const CreateOrder = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  customer_id: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'Platform callers only; a customer orders for itself' }))),
  lines: Type.Array(Type.Object({
    product_id: Type.Integer({ minimum: 1 }), quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  promo_code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'A promo code, or a seat code from a bulk purchase' }))),
  country: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 2 }))),
  email: Type.Optional(Nullable(Type.String({ minLength: 3, maxLength: 254 }))),
  number: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'Your order number, unique per shop' }))),
  metadata: Type.Optional(Metadata),
}, { additionalProperties: false, description: 'Prices are never sent: they come from the catalog, promo codes and tax rates' });

const SeatCodeSchema = Type.Object({
  code: Type.String(), product_id: Type.Integer(), status: Type.String({ description: 'available | redeemed | revoked' }),
  redeemed_by: Nullable(Type.String()), redeemed_order_id: Nullable(Type.Integer()),
});
const seatView = (s: SeatCode) => ({ code: s.code, product_id: s.productId, status: s.status, redeemed_by: s.redeemedBy, redeemed_order_id: s.redeemedOrderId });

export async function orderRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Orders'];
  const anyone = { roles: ['admin', 'integration', 'customer'] as const };

  app.post('/orders', {
    config: anyone,
    schema: {
      tags, summary: 'Create an order priced by the server',
      description: 'A line of quantity 1 for the order\'s customer may not be a course the customer already owns (a bundle counts as its courses): 409 `already_owned` naming it, as in the course checkout. `promo_code` is a promo code or a seat code from a bulk purchase (100 % off one unit of its course).',
      body: CreateOrder, response: responses(201, OrderSchema),
    },
  }, async (req, reply) => {
    const principal = caller(req);
    const b = req.body;
    if (principal.role === 'customer' && b.customer_id != null && b.customer_id !== principal.customerId) {
      throw new DomainError('forbidden', 'a customer may only create orders for itself', [{ field: '/customer_id', message: 'must be your own id' }]);
    }
    const customerId = principal.role === 'customer' ? principal.customerId : b.customer_id ?? null;
    const order = await createOrder(deps, {
      shopId: b.shop_id, customerId, ownerName: principal.role === 'customer' ? 'you' : `customer ${customerId}`,
      lines: b.lines.map((l) => ({ productId: l.product_id, quantity: l.quantity ?? 1 })),
      promoCode: b.promo_code, country: b.country, email: b.email, number: b.number, metadata: b.metadata,
    });
    reply.status(201);
    return orderView(await orderDetails(deps, principal, order.id));
  });

  app.get('/orders', {
    config: anyone,
    schema: {
      tags, summary: 'List orders (a customer sees its own)',
      querystring: listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })), customer_id: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: responses(200, listOf(OrderSummarySchema)),
    },
  }, async (req) => listBody(
    await listOrders(deps, caller(req), { shopId: req.query.shop_id, customerId: req.query.customer_id }, pageRequest(req.query, 'integer')),
    orderJson, (o) => o.id,
  ));

  app.get('/orders/:id', {
    config: anyone, schema: { tags, summary: 'Retrieve an order with its lines, transactions and history', params: IntegerId, response: responses(200, OrderSchema) },
  }, async (req) => orderView(await orderDetails(deps, caller(req), req.params.id)));

  app.post('/orders/:id/cancel', {
    config: anyone,
    schema: {
      tags, summary: 'Cancel an order that has taken no money', params: IntegerId,
      body: Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), Type.Null()]),
      response: responses(200, OrderSchema),
    },
  }, async (req) => {
    const principal = caller(req);
    await cancelOrder(deps, principal, req.params.id, req.body?.reason ?? null);
    return orderView(await orderDetails(deps, principal, req.params.id));
  });
  app.get('/orders/:id/seat-codes', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: { tags: ['Fulfillment'], summary: 'The seat codes a bulk order generated', params: IntegerId, response: responses(200, Type.Object({ data: Type.Array(SeatCodeSchema) })) },
  }, async (req) => {
    await visibleOrder(deps, caller(req), req.params.id);
    return { data: (await deps.store.fulfillment.seatCodes(req.params.id)).map(seatView) };
  });
}
