/**
 * Commerce Layer external gateways: the gateway resources (native API, /api/v1/external-gateways), customers'
 * saved payment sources, shop payment methods, and the inbound webhook a merchant calls at the gateway's
 * `webhook_endpoint_url` (`POST /webhooks/external/{gatewayId}`, signed with X-CommerceLayer-Signature over
 * the raw body, which only that route keeps as a Buffer). Registered at the root: paths are written in full.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { SIGNATURE_HEADER, verifyExternalSignature } from '../../adapters/gateways/external-signature.js';
import { actorOf, type Deps } from '../../app/deps.js';
import {
  createExternalGateway, externalGatewayDetails, resetExternalCircuit, updateExternalGateway, type ExternalGatewayDetails,
} from '../../app/gateways/external-config.js';
import { receiveExternalWebhook } from '../../app/gateways/inbound-webhook.js';
import type { InboundWebhook } from '../../ports/gateways.js';
import { nestedTooDeep, tooDeep } from '../json-body.js';
import { caller } from '../plugins/auth.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { Nullable, NullableTimestamp, ShortText, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const Url = Type.String({ minLength: 1, maxLength: 2000, description: 'Absolute http(s) URL' });
const Settings = {
  capture_url: Type.Optional(Nullable(Url)), void_url: Type.Optional(Nullable(Url)), refund_url: Type.Optional(Nullable(Url)),
  token_url: Type.Optional(Nullable(Url)),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 60_000, description: 'Limit for one exchange with the merchant; default 10000' })),
  circuit_failure_threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'The circuit opens after more than this many consecutive failures; default 30' })),
  circuit_cooldown_ms: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800_000, description: 'Opt-in: an open circuit lets one probe call through after this many milliseconds (half-open). Default null: as in Commerce Layer, only POST …/reset-circuit closes an open circuit' }))),
};
const CreateBody = Type.Object({ shop_id: Type.String({ minLength: 1, maxLength: 64 }), name: ShortText, authorize_url: Url, ...Settings }, { additionalProperties: false });
const UpdateBody = Type.Object({ name: Type.Optional(ShortText), authorize_url: Type.Optional(Url), ...Settings }, { additionalProperties: false });

const ExternalGatewaySchema = Type.Object({
  id: Type.String(), object: Type.Literal('external_gateway'), shop_id: Type.String(), kind: Type.Literal('external'), name: Type.String(),
  authorize_url: Type.String(), capture_url: Nullable(Type.String()), void_url: Nullable(Type.String()), refund_url: Nullable(Type.String()),
  token_url: Nullable(Type.String()), webhook_endpoint_url: Type.String(), timeout_ms: Type.Integer(),
  circuit_state: Type.String({ description: 'closed | open | half_open' }), circuit_failure_count: Type.Integer(),
  circuit_failure_threshold: Type.Integer(), circuit_cooldown_ms: Nullable(Type.Integer()), circuit_opened_at: NullableTimestamp,
  shared_secret: Type.Optional(Type.String({ description: 'Only in the creation response and from GET …/secret' })),
  created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'ExternalGateway' });

function gatewayView({ gateway: g, config: c, circuit }: ExternalGatewayDetails, withSecret = false) {
  return {
    id: g.id, object: 'external_gateway' as const, shop_id: g.shopId, kind: 'external' as const, name: g.name,
    authorize_url: c.authorizeUrl, capture_url: c.captureUrl, void_url: c.voidUrl, refund_url: c.refundUrl, token_url: c.tokenUrl,
    webhook_endpoint_url: c.webhookEndpointUrl, timeout_ms: c.timeoutMs, circuit_state: circuit.state, circuit_failure_count: circuit.failureCount,
    circuit_failure_threshold: c.circuitThreshold, circuit_cooldown_ms: c.circuitCooldownMs, circuit_opened_at: isoOrNull(circuit.openedAt),
    ...(withSecret ? { shared_secret: c.sharedSecret } : {}), created_at: iso(g.createdAt), updated_at: iso(g.updatedAt),
  };
}

function settings(b: Partial<Record<string, unknown>>) {
  return {
    authorizeUrl: b['authorize_url'] as string | undefined, captureUrl: b['capture_url'] as string | null | undefined,
    voidUrl: b['void_url'] as string | null | undefined, refundUrl: b['refund_url'] as string | null | undefined,
    tokenUrl: b['token_url'] as string | null | undefined, timeoutMs: b['timeout_ms'] as number | undefined,
    circuitThreshold: b['circuit_failure_threshold'] as number | undefined, circuitCooldownMs: b['circuit_cooldown_ms'] as number | null | undefined,
  };
}

const InboundSchema = Type.Object({
  id: Type.String(), action_id: Nullable(Type.String()), status: Type.String(), transaction_id: Nullable(Type.String()),
  outcome: Nullable(Type.String()), body: Type.String(), received_at: Timestamp, processed_at: NullableTimestamp,
});
const inboundView = (w: InboundWebhook) => ({
  id: w.id, action_id: w.actionId, status: w.status, transaction_id: w.transactionId, outcome: w.outcome, body: w.body,
  received_at: iso(w.createdAt), processed_at: isoOrNull(w.processedAt),
});

const WebhookBody = Type.Object({
  success: Type.Boolean({ description: 'true completes the pending transaction, false fails it' }),
  data: Type.Object({
    action_id: Type.String({ description: 'The action_id of the 202 reply' }),
    ...Object.fromEntries(['message', 'error_code', 'error_detail', 'avs_code', 'avs_message', 'cvv_code', 'cvv_message', 'fraud_review']
      .map((name) => [name, Type.Optional(Type.Unknown())])),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Merged into the metadata of the transaction' })),
  }, { additionalProperties: true, description: 'Only the attributes listed here are updated; amount_cents and transaction_token never are' }),
  error: Type.Optional(Type.Object({ code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) })),
}, { additionalProperties: true });

export async function externalGatewayRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const admin = { roles: ['admin'] as const };
  const platform = { roles: ['admin', 'integration'] as const };
  const tags = ['External gateways'];
  const base = '/api/v1/external-gateways';

  app.post(base, {
    config: { ...admin, secret: true },
    schema: { tags, summary: 'Create a Commerce Layer external gateway; the response shows the shared secret', body: CreateBody, response: responses(201, ExternalGatewaySchema) },
  }, async (req, reply) => {
    reply.status(201);
    return gatewayView(await createExternalGateway(deps, req.body.shop_id, { ...settings(req.body), name: req.body.name, authorizeUrl: req.body.authorize_url }), true);
  });
  app.get(base, {
    config: platform,
    schema: { tags, summary: 'List external gateways', querystring: listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) }), response: responses(200, listOf(ExternalGatewaySchema)) },
  }, async (req) => {
    const page = await deps.store.externalGateways.listGateways({ kind: 'external', shopId: req.query.shop_id }, pageRequest(req.query));
    const details = await Promise.all(page.items.map((g) => externalGatewayDetails(deps, g.id)));
    return listBody({ items: details, hasMore: page.hasMore }, (d) => gatewayView(d), (d) => d.gateway.id);
  });
  app.get(`${base}/:id`, {
    config: platform, schema: { tags, summary: 'Retrieve an external gateway, with its circuit breaker', params: StringId, response: responses(200, ExternalGatewaySchema) },
  }, async (req) => gatewayView(await externalGatewayDetails(deps, req.params.id)));
  app.patch(`${base}/:id`, {
    config: admin, schema: { tags, summary: 'Change an external gateway\'s name, URLs, timeout or circuit settings', params: StringId, body: UpdateBody, response: responses(200, ExternalGatewaySchema) },
  }, async (req) => gatewayView(await updateExternalGateway(deps, req.params.id, { ...settings(req.body), name: req.body.name })));
  app.post(`${base}/:id/reset-circuit`, {
    config: admin, schema: { tags, summary: 'Close the circuit breaker and clear its failure count', params: StringId, response: responses(200, ExternalGatewaySchema) },
  }, async (req) => gatewayView(await resetExternalCircuit(deps, req.params.id, actorOf(caller(req)))));
  app.get(`${base}/:id/secret`, {
    config: { ...admin, secret: true }, schema: { tags, summary: 'The shared secret that signs requests and webhooks', params: StringId, response: responses(200, ExternalGatewaySchema) },
  }, async (req) => gatewayView(await externalGatewayDetails(deps, req.params.id), true));
  app.get(`${base}/:id/webhooks`, {
    config: admin, schema: { tags, summary: 'Webhooks the merchant sent to this gateway, as received', params: StringId, querystring: listQuery({}), response: responses(200, listOf(InboundSchema)) },
  }, async (req) => {
    await externalGatewayDetails(deps, req.params.id);
    return listBody(await deps.store.externalGateways.listInbound(req.params.id, pageRequest(req.query)), inboundView, (w) => w.id);
  });

  // The inbound webhook: its own scope, where every body is kept as the raw bytes the signature covers.
  await fastify.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    hooks.withTypeProvider<TypeBoxTypeProvider>().post('/webhooks/external/:gatewayId', {
      schema: {
        tags, summary: 'Where the merchant reports the outcome of an asynchronous (202) transaction',
        description: 'Header X-CommerceLayer-Signature: base64 HMAC-SHA256 of the raw body with the shared secret (401 otherwise). 404 for an unknown action_id.',
        params: Type.Object({ gatewayId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: WebhookBody,
        response: responses(200, Type.Object({
          received: Type.Boolean(), status: Type.String({ description: 'processed | duplicate | ignored (the transaction was already completed)' }),
          transaction_id: Type.String(), transaction_status: Type.String(),
        })),
      },
      // The body is checked by the use case over the raw bytes the signature covers; the schema documents it.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : hooks.validatorCompiler!(route)),
    }, async (req) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (nestedTooDeep(raw.toString('utf8'))) throw tooDeep();
      const header = req.headers[SIGNATURE_HEADER];
      const outcome = await receiveExternalWebhook(deps, req.params.gatewayId, raw,
        (secret) => verifyExternalSignature(raw, typeof header === 'string' ? header : undefined, secret));
      return { received: true, status: outcome.status, transaction_id: outcome.transaction.id, transaction_status: outcome.transaction.status };
    });
  });
}
