/** Gateway configurations of a shop: the sandbox, manual and Stripe gateways (external gateways: external-gateways.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createGateway } from '../../app/gateways.js';
import { createStripeGateway, stripePublicSettings } from '../../app/gateways/stripe-config.js';
import { found, invalid } from '../../app/validate.js';
import type { Gateway } from '../../ports/gateways.js';
import { iso, isoOrNull } from '../iso.js';
import { DomainError } from '../../domain/errors.js';
import { listBody, pageRequest } from '../pagination.js';
import { Nullable, NullableTimestamp, ShortText, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const StripeSettings = Type.Object({
  mode: Type.String({ description: 'test or live, from the secret key' }),
  secret_key_last4: Type.String({ description: 'The secret key itself is never shown again' }), webhook_secret_last4: Type.String(),
  capture: Type.String({ description: 'automatic | manual: the PaymentIntents\' capture_method when a payment does not say' }),
  api_base: Nullable(Type.String()), timeout_ms: Type.Integer(),
  webhook_endpoint_url: Type.String({ description: 'Register this URL in the Stripe dashboard (Developers → Webhooks)' }),
});
const GatewaySchema = Type.Object({
  id: Type.String(), object: Type.Literal('gateway'), shop_id: Type.String(), kind: Type.String({ description: 'sandbox | manual | stripe | external' }),
  name: Type.String(), stripe: Type.Optional(StripeSettings), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Gateway', additionalProperties: true });

const CreateGateway = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.Union([Type.Literal('sandbox'), Type.Literal('manual'), Type.Literal('stripe')]),
  name: Type.Optional(ShortText),
  secret_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'stripe: the account\'s secret key, sk_test_… first' })),
  webhook_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'stripe: the signing secret of the webhook endpoint registered in Stripe (whsec_…)' })),
  capture: Type.Optional(Type.Union([Type.Literal('automatic'), Type.Literal('manual')], { description: 'stripe: default the shop\'s auto_capture' })),
  api_base: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'stripe: send the SDK\'s requests here instead of api.stripe.com (a proxy)' })),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 120_000, description: 'stripe: limit for one request (default 30000)' })),
}, { additionalProperties: false });

export function gatewayView(g: Gateway, deps?: Pick<Deps, 'publicUrl'>) {
  return {
    id: g.id, object: 'gateway' as const, shop_id: g.shopId, kind: g.kind, name: g.name,
    ...(g.kind === 'stripe' && deps ? { stripe: stripePublicSettings(deps, g) } : {}),
    created_at: iso(g.createdAt), updated_at: iso(g.updatedAt),
  };
}

const ReceivedEvent = Type.Object({
  id: Type.String(), event_id: Nullable(Type.String({ description: 'Stripe\'s evt_… id' })),
  status: Type.String({ description: 'received | processed | ignored (not a Paybridge payment of this gateway)' }),
  transaction_id: Nullable(Type.String()), outcome: Nullable(Type.String({ description: 'The event type and what it changed' })),
  body: Type.String(), received_at: Timestamp, processed_at: NullableTimestamp,
});

const STRIPE_ONLY = ['secret_key', 'webhook_secret', 'capture', 'api_base', 'timeout_ms'] as const;


export async function gatewayRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/gateways', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['Gateways'], summary: 'Add a sandbox, manual or Stripe gateway to a shop (external gateways: POST /external-gateways)',
      description: 'A Stripe gateway takes secret_key and webhook_secret (stored, never shown again: the answer has their last four characters) and capture.',
      body: CreateGateway,
      response: responses(201, GatewaySchema),
    },
  }, async (req, reply) => {
    const b = req.body;
    let gateway: Gateway;
    if (b.kind === 'stripe') {
      if (!b.secret_key) throw invalid('/secret_key', 'is required for a Stripe gateway');
      if (!b.webhook_secret) throw invalid('/webhook_secret', 'is required for a Stripe gateway: the signing secret of the webhook endpoint registered in Stripe');
      gateway = await createStripeGateway(deps, {
        shopId: b.shop_id, name: b.name, secretKey: b.secret_key, webhookSecret: b.webhook_secret, capture: b.capture, apiBase: b.api_base, timeoutMs: b.timeout_ms,
      });
    } else {
      const extra = STRIPE_ONLY.find((k) => b[k] !== undefined);
      if (extra) throw invalid(`/${extra}`, `is only for Stripe gateways, not ${b.kind}`);
      gateway = await createGateway(deps, { shopId: b.shop_id, kind: b.kind, name: b.name ?? (b.kind === 'sandbox' ? 'Sandbox' : 'Manual payments') });
    }
    reply.status(201);
    return gatewayView(gateway, deps);
  });
  app.get('/gateways', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags: ['Gateways'], summary: 'List gateways', querystring: listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) }), response: responses(200, listOf(GatewaySchema)) },
  }, async (req) => listBody(await deps.store.gateways.list({ shopId: req.query.shop_id }, pageRequest(req.query)), (g) => gatewayView(g, deps), (g) => g.id));
  app.get('/gateways/:id/events', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['Gateways'], summary: 'The events a Stripe gateway received (each Stripe event id once), newest first, with what each did',
      params: StringId, querystring: listQuery({}), response: responses(200, listOf(ReceivedEvent)),
    },
  }, async (req) => {
    const gateway = found(await deps.store.gateways.get(req.params.id), 'gateway', req.params.id);
    if (gateway.kind !== 'stripe') throw new DomainError('not_found', `Stripe gateway ${gateway.id} not found (external gateways: GET /external-gateways/{id}/webhooks)`);
    return listBody(await deps.store.externalGateways.listInbound(gateway.id, pageRequest(req.query)), (w) => ({
      id: w.id, event_id: w.actionId, status: w.status, transaction_id: w.transactionId, outcome: w.outcome, body: w.body,
      received_at: iso(w.createdAt), processed_at: isoOrNull(w.processedAt),
    }), (w) => w.id);
  });
  app.get('/gateways/:id', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags: ['Gateways'], summary: 'Retrieve a gateway', params: StringId, response: responses(200, GatewaySchema) },
  }, async (req) => gatewayView(found(await deps.store.gateways.get(req.params.id), 'gateway', req.params.id), deps));
}
