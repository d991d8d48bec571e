/**
 * Checkout sessions opened by a platform's backend: `/api/v1/checkout-sessions`. The platform names its
 * customer, the server prices the lines, and the buyer is sent to the session's `url` (the hosted payment
 * page); the outcome arrives as `checkout_session.completed` / `checkout_session.expired`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { checkoutSessionJson, createCheckoutSession, expireCheckoutSession, getCheckoutSession, type CustomerRef } from '../../app/checkout/checkout-sessions.js';
import { actorOf, type Deps } from '../../app/deps.js';
import { found } from '../../app/validate.js';
import { caller } from '../plugins/auth.js';
import { listBody, pageRequest } from '../pagination.js';
import { Metadata, Nullable, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const SessionSchema = Type.Object({
  id: Type.String({ description: 'Unguessable (at least 128 random bits): it is in the buyer\'s URL' }),
  object: Type.Literal('checkout_session'),
  url: Type.String({ description: 'Send the buyer here: the hosted payment page' }),
  status: Type.String({ description: 'open | complete | expired' }),
  expires_at: Timestamp, order_id: Type.Integer(),
  amount_total: Type.Integer({ description: 'What the buyer pays, minor units (the server\'s price: catalog, promo code, tax)' }),
  currency: Type.String(), customer_id: Nullable(Type.String()),
  success_url: Nullable(Type.String({ description: 'Where the hosted page sends the buyer after paying, {CHECKOUT_SESSION_ID} replaced; null: Paybridge\'s receipt' })),
  cancel_url: Nullable(Type.String({ description: 'The hosted page\'s way back, {CHECKOUT_SESSION_ID} replaced' })),
  metadata: Type.Record(Type.String(), Type.String()), created_at: Timestamp,
}, { $id: 'CheckoutSession' });

const ReturnUrl = (what: string) => Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 2000, description: `${what}; {CHECKOUT_SESSION_ID} in it is replaced by the session's id` })));
const CreateSession = Type.Object({
  customer: Type.Union([
    Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    Type.Object({
      external_id: Type.String({ minLength: 1, maxLength: 255 }),
      email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, description: 'With it, the customer is created (or updated) on the fly' })),
      name: Type.Optional(Type.String({ maxLength: 101 })),
    }, { additionalProperties: false }),
  ], { description: 'Paybridge\'s customer id, or your external_id (with email and name: created or linked on the fly)' }),
  lines: Type.Array(Type.Object({
    product_id: Type.Integer({ minimum: 1 }), quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1, description: 'More than 1 buys seat codes' })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  shop_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Default: the shop of the first product' })),
  promo_code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'A promo code, or a seat code from a bulk purchase' }))),
  success_url: ReturnUrl('Where the buyer lands after paying'),
  cancel_url: ReturnUrl('Where the hosted page\'s cancel link goes'),
  expires_in: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, default: 86_400, description: 'Seconds until the session expires (its unpaid order is then cancelled): 60 to 86400' })),
  metadata: Type.Optional(Metadata),
}, { additionalProperties: false, description: 'Prices are never sent: the server prices the lines' });

export async function checkoutSessionRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Checkout sessions'];
  const platform = { roles: ['admin', 'integration'] as const };

  app.post('/checkout-sessions', {
    config: platform,
    schema: {
      tags, summary: 'Open a checkout session for one of your customers',
      description: 'The recommended way to sell: your backend names the customer and the lines, Paybridge prices them and answers the session; send the buyer to `url`, and fulfil on the `checkout_session.completed` webhook. 409 `already_owned` naming a course the customer already owns (quantity 1; bundles count as their courses); 403 for a restricted customer. Idempotency-Key is honoured.',
      body: CreateSession, response: responses(201, SessionSchema),
    },
  }, async (req, reply) => {
    const b = req.body;
    const customer: CustomerRef = 'id' in b.customer ? { id: b.customer.id } : { externalId: b.customer.external_id, email: b.customer.email, name: b.customer.name };
    const { session, order } = await createCheckoutSession(deps, {
      shopId: b.shop_id, customer, lines: b.lines.map((l) => ({ productId: l.product_id, quantity: l.quantity ?? 1 })),
      promoCode: b.promo_code, successUrl: b.success_url, cancelUrl: b.cancel_url, expiresIn: b.expires_in ?? 86_400, metadata: b.metadata,
    });
    reply.status(201);
    return checkoutSessionJson(deps, session, order);
  });

  app.get('/checkout-sessions', {
    config: platform,
    schema: {
      tags, summary: 'A customer\'s checkout sessions, newest first',
      querystring: listQuery({ customer_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: responses(200, listOf(SessionSchema)),
    },
  }, async (req) => {
    found(await deps.store.customers.get(req.query.customer_id), 'customer', req.query.customer_id);
    const page = await deps.store.checkoutSessions.listByCustomer(req.query.customer_id, pageRequest(req.query, 'integer'));
    const orders = new Map((await Promise.all(page.items.map((s) => deps.store.orders.get(s.orderId)))).map((o) => [o!.id, o!]));
    return listBody(page, (s) => checkoutSessionJson(deps, s, orders.get(s.orderId)!), (s) => s.orderId);
  });

  const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
  app.get('/checkout-sessions/:id', {
    config: platform,
    schema: { tags, summary: 'Retrieve a checkout session', params: Id, response: responses(200, SessionSchema) },
  }, async (req) => {
    const { session, order } = await getCheckoutSession(deps, req.params.id);
    return checkoutSessionJson(deps, session, order);
  });

  app.post('/checkout-sessions/:id/expire', {
    config: platform,
    schema: {
      tags, summary: 'Expire an open checkout session now; its order is cancelled',
      description: '409 when the session is complete or expired already, or a payment of its order is in flight.',
      params: Id, body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]), response: responses(200, SessionSchema),
    },
  }, async (req) => {
    const { session, order } = await expireCheckoutSession(deps, req.params.id, actorOf(caller(req)));
    return checkoutSessionJson(deps, session, order);
  });
}
