import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import rateLimit from '@fastify/rate-limit';
import { createCustomer, getCustomer, splitName, updateCustomer, upsertByExternalId, type CustomerEditor } from '../../app/customers.js';
import type { Deps } from '../../app/deps.js';
import { mintCustomerToken } from '../../app/issue-token.js';
import { listCustomerPaymentSources, saveCustomerPaymentSource } from '../../app/gateways/payment-sources.js';
import type { Customer, PaymentSourceRecord } from '../../ports/customers.js';
import { DomainError } from '../../domain/errors.js';
import { caller } from '../plugins/auth.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { listQuery, Nullable, StringId, Timestamp, listOf, responses } from '../schemas.js';

const CustomerSchema = Type.Object({
  id: Type.String(), object: Type.Literal('customer'), email: Type.String(),
  external_id: Nullable(Type.String({ description: 'Your platform\'s id for this customer (its user id), unique' })),
  first_name: Nullable(Type.String()), last_name: Nullable(Type.String()), restricted: Type.Boolean(),
  has_password: Type.Boolean(), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Customer' });

function customerView(c: Customer) {
  return {
    id: c.id, object: 'customer' as const, email: c.email, external_id: c.externalId, first_name: c.firstName, last_name: c.lastName,
    restricted: c.restricted, has_password: c.passwordHash !== null, created_at: iso(c.createdAt), updated_at: iso(c.updatedAt),
  };
}

const Name = Nullable(Type.String({ maxLength: 50 }));
const Email = Type.String({ minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 8, maxLength: 200, description: 'Lets the customer sign in with the password grant' });

const ExternalId = Type.String({ minLength: 1, maxLength: 255, description: 'Your platform\'s id for this customer (its user id), unique' });
const FullName = Type.String({ maxLength: 101, description: 'The full name, split at its first space into first_name and last_name (when those are not given)' });

const CreateCustomer = Type.Object({
  email: Email, external_id: Type.Optional(ExternalId), name: Type.Optional(FullName), first_name: Type.Optional(Name), last_name: Type.Optional(Name), password: Type.Optional(Password),
  restricted: Type.Optional(Type.Boolean({ description: 'A restricted customer may not buy' })),
}, { additionalProperties: false });
const UpsertCustomer = Type.Object({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, description: 'Required when the customer is created' })),
  name: Type.Optional(FullName), first_name: Type.Optional(Name), last_name: Type.Optional(Name),
}, { additionalProperties: false });
const UpdateCustomer = Type.Object({
  email: Type.Optional(Email), first_name: Type.Optional(Name), last_name: Type.Optional(Name), password: Type.Optional(Password),
  restricted: Type.Optional(Type.Boolean({ description: 'A restricted customer may not buy (not for the customer itself)' })),
  current_password: Type.Optional(Type.String({ maxLength: 200, description: 'Required when a customer changes its own e-mail or password' })),
}, { additionalProperties: false });
/** Guessing a current password through PATCH is as slow as through the token endpoint: per customer, per minute. */
const SELF_UPDATE_LIMIT = { max: 10, timeWindow: 60_000 };
const CustomerQuery = listQuery({ email: Type.Optional(Type.String({ maxLength: 254 })), external_id: Type.Optional(Type.String({ maxLength: 255 })) });
const TokenSchema = Type.Object({
  access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer({ description: 'Seconds' }),
}, { description: 'A customer access token, the same as the password grant\'s, without a refresh token' });

const SourceSchema = Type.Object({
  id: Type.String(), object: Type.Literal('payment_source'), customer_id: Type.String(), gateway_id: Type.String(),
  customer_token: Type.String(), payment_source_token: Type.String(), created_at: Timestamp,
}, { $id: 'PaymentSource' });
const sourceView = (s: PaymentSourceRecord) => ({
  id: s.id, object: 'payment_source' as const, customer_id: s.customerId, gateway_id: s.gatewayId, customer_token: s.customerToken,
  payment_source_token: s.token, created_at: iso(s.createdAt),
});

export async function customerRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  // Only customers are limited (by customer, after authentication): a platform syncing its users is not.
  await fastify.register(rateLimit, {
    global: false, hook: 'preHandler',
    keyGenerator: (req) => (req.principal?.role === 'customer' ? `customer:${req.principal.customerId}` : req.ip),
    allowList: (req) => req.principal?.role !== 'customer',
  });
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Customers'];
  const input = (b: { email?: string; name?: string; first_name?: string | null; last_name?: string | null; password?: string; restricted?: boolean }) => {
    const named = splitName(b.name);
    return {
      email: b.email, firstName: b.first_name !== undefined ? b.first_name : named.firstName,
      lastName: b.last_name !== undefined ? b.last_name : named.lastName, password: b.password, restricted: b.restricted,
    };
  };

  /** A customer may only address itself; anyone else's id is "not found". */
  const visibleId = (principal: ReturnType<typeof caller>, id: string) => {
    if (principal.role === 'customer' && principal.customerId !== id) throw new DomainError('not_found', `customer ${id} not found`);
    return id;
  };

  app.post('/customers', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags, summary: 'Create a customer', body: CreateCustomer, response: responses(201, CustomerSchema) },
  }, async (req, reply) => {
    reply.status(201);
    return customerView(await createCustomer(deps, { ...input(req.body), email: req.body.email, externalId: req.body.external_id }));
  });

  app.put('/customers/by-external-id/:external_id', {
    config: { roles: ['admin', 'integration'] },
    schema: {
      tags, summary: 'Create or update the customer your platform knows by this id (idempotent)',
      description: 'No password needed: your platform signs its users in. 201 when created, 200 when it existed. A new external id with the e-mail of a customer that has none links that customer; an e-mail used by a customer with another external id is a 409.',
      params: Type.Object({ external_id: ExternalId }), body: UpsertCustomer,
      response: { ...responses(201, CustomerSchema), 200: CustomerSchema },
    },
  }, async (req, reply) => {
    const { customer, created } = await upsertByExternalId(deps, req.params.external_id, input(req.body));
    reply.status(created ? 201 : 200);
    return customerView(customer);
  });

  app.post('/customers/:id/access-tokens', {
    config: { roles: ['admin', 'integration'], secret: true },
    schema: {
      tags, summary: 'Mint a short-lived access token for one of your customers',
      description: 'The same token as the password grant\'s (15 minutes, no refresh token): your front end calls the customer routes for a user your platform signed in, and sees only that customer. The order history names your API key as the actor; revoking the key ends the token.',
      params: StringId, body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
      response: responses(201, TokenSchema),
    },
  }, async (req, reply) => {
    const principal = caller(req);
    if (principal.role === 'customer') throw new Error('unreachable: the route admits API keys only');
    reply.status(201);
    return mintCustomerToken(deps, req.params.id, principal.apiKeyId);
  });

  app.get('/customers', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags, summary: 'List customers, or find one by ?email= or ?external_id=', querystring: CustomerQuery, response: responses(200, listOf(CustomerSchema)) },
  }, async (req) => {
    const page = await deps.store.customers.list({ email: req.query.email, externalId: req.query.external_id }, pageRequest(req.query));
    return listBody(page, customerView, (c) => c.id);
  });

  app.get('/customers/me', {
    config: { roles: ['customer'] },
    schema: { tags, summary: 'The signed-in customer', response: responses(200, CustomerSchema) },
  }, async (req) => {
    const me = caller(req);
    return customerView(await getCustomer(deps, me.role === 'customer' ? me.customerId : ''));
  });

  const editor = (principal: ReturnType<typeof caller>, body: { current_password?: string }): CustomerEditor =>
    principal.role === 'customer' ? { self: true, session: principal.session, currentPassword: body.current_password } : { self: false };

  app.patch('/customers/me', {
    config: { roles: ['customer'], rateLimit: SELF_UPDATE_LIMIT },
    schema: { tags, summary: 'Update the signed-in customer (not its restriction)', body: UpdateCustomer, response: responses(200, CustomerSchema) },
  }, async (req) => {
    const me = caller(req);
    if (req.body.restricted !== undefined) throw new DomainError('forbidden', 'a customer may not change its own restriction');
    return customerView(await updateCustomer(deps, me.role === 'customer' ? me.customerId : '', input(req.body), editor(me, req.body)));
  });

  app.get('/customers/:id', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: { tags, summary: 'Retrieve a customer', params: StringId, response: responses(200, CustomerSchema) },
  }, async (req) => customerView(await getCustomer(deps, visibleId(caller(req), req.params.id))));

  app.patch('/customers/:id', {
    config: { roles: ['admin', 'integration', 'customer'], rateLimit: SELF_UPDATE_LIMIT },
    schema: { tags, summary: 'Update a customer (a customer may not change its own restriction)', params: StringId, body: UpdateCustomer, response: responses(200, CustomerSchema) },
  }, async (req) => {
    const principal = caller(req);
    const id = visibleId(principal, req.params.id);
    if (principal.role === 'customer' && req.body.restricted !== undefined) {
      throw new DomainError('forbidden', 'a customer may not change its own restriction');
    }
    return customerView(await updateCustomer(deps, id, input(req.body), editor(principal, req.body)));
  });

  const customers = { roles: ['admin', 'integration', 'customer'] as const };
  app.post('/customers/:id/payment-sources', {
    config: customers,
    schema: {
      tags: ['Customers'], summary: 'Save a payment source for later orders (the gateway\'s customer token, Commerce Layer external gateways token_url)', params: StringId,
      body: Type.Object({
        gateway_id: Type.String({ minLength: 1, maxLength: 64 }),
        source: Type.Object({ type: Type.String({ minLength: 1, maxLength: 40 }), token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        order_id: Type.Optional(Type.Integer({ minimum: 1, description: 'The order the source is saved from; it is sent to the gateway with the request' })),
      }, { additionalProperties: false }),
      response: responses(201, SourceSchema),
    },
  }, async (req, reply) => {
    const customerId = visibleId(caller(req), req.params.id);
    const saved = await saveCustomerPaymentSource(deps, { customerId, gatewayId: req.body.gateway_id, source: req.body.source, orderId: req.body.order_id });
    reply.status(201);
    return sourceView(saved);
  });
  app.get('/customers/:id/payment-sources', {
    config: customers,
    schema: { tags: ['Customers'], summary: 'A customer\'s saved payment sources; pay with source {type: customer_token, token: <id>}', params: StringId, response: responses(200, Type.Object({ object: Type.Literal('list'), data: Type.Array(SourceSchema) })) },
  }, async (req) => ({ object: 'list' as const, data: (await listCustomerPaymentSources(deps, visibleId(caller(req), req.params.id))).map(sourceView) }));
}
