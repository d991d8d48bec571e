/** Webhook endpoints, their deliveries and attempts, replays and test pings (the event log: events.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createEndpoint, pingEndpoint, replayDelivery, rotateEndpointSecret, updateEndpoint } from '../../app/webhooks/endpoints.js';
import { found } from '../../app/validate.js';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../ports/events.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { ListQuery, Nullable, NullableTimestamp, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const EndpointSchema = Type.Object({
  id: Type.String(), object: Type.Literal('webhook_endpoint'), url: Type.String(), shop_id: Nullable(Type.String()),
  event_types: Type.Array(Type.String()), description: Nullable(Type.String()), enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String()), consecutive_failures: Type.Integer(),
  secret: Type.Optional(Type.String({ description: 'Standard Webhooks secret (whsec_…): in the creating response and from /secret' })),
  created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'WebhookEndpoint' });

function endpointView(e: WebhookEndpoint, withSecret = false) {
  return {
    id: e.id, object: 'webhook_endpoint' as const, url: e.url, shop_id: e.shopId, event_types: [...e.eventTypes],
    description: e.description, enabled: e.enabled, disabled_reason: e.disabledReason, consecutive_failures: e.consecutiveFailures,
    ...(withSecret ? { secret: e.secret } : {}), created_at: iso(e.createdAt), updated_at: iso(e.updatedAt),
  };
}

const AttemptSchema = Type.Object({
  attempt: Type.Integer(), status_code: Nullable(Type.Integer()), latency_ms: Type.Integer(), error: Nullable(Type.String()), at: Timestamp,
});
const DeliverySchema = Type.Object({
  id: Type.String(), object: Type.Literal('webhook_delivery'), endpoint_id: Type.String(), event_id: Type.String(),
  status: Type.String({ description: 'pending | delivered | failed' }), attempts: Type.Integer(), next_attempt_at: NullableTimestamp,
  last_status_code: Nullable(Type.Integer()), last_error: Nullable(Type.String()), delivered_at: NullableTimestamp,
  created_at: Timestamp, attempt_log: Type.Optional(Type.Array(AttemptSchema)),
}, { $id: 'WebhookDelivery' });

function deliveryView(d: WebhookDelivery, log?: readonly WebhookAttempt[]) {
  return {
    id: d.id, object: 'webhook_delivery' as const, endpoint_id: d.endpointId, event_id: d.eventId, status: d.status,
    attempts: d.attempts, next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    last_status_code: d.lastStatusCode, last_error: d.lastError, delivered_at: isoOrNull(d.deliveredAt), created_at: iso(d.createdAt),
    ...(log ? { attempt_log: log.map((a) => ({ attempt: a.attempt, status_code: a.statusCode, latency_ms: a.latencyMs, error: a.error, at: iso(a.createdAt) })) } : {}),
  };
}

const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 50, description: 'Event types, "order.*", or "*" for all' });
const CreateEndpoint = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2000 }), shop_id: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  event_types: Type.Optional(EventTypes), description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))), enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const UpdateEndpoint = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), event_types: Type.Optional(EventTypes),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))), enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled endpoint and resets its failure count' })),
}, { additionalProperties: false });

export async function webhookRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  const tags = ['Webhooks'];

  app.post('/webhook-endpoints', { config: { ...config, secret: true }, schema: { tags, summary: 'Create a webhook endpoint', body: CreateEndpoint, response: responses(201, EndpointSchema) } },
    async (req, reply) => {
      const b = req.body;
      reply.status(201);
      return endpointView(await createEndpoint(deps, { url: b.url, shopId: b.shop_id, eventTypes: b.event_types, description: b.description, enabled: b.enabled }), true);
    });
  app.get('/webhook-endpoints', { config, schema: { tags, summary: 'List webhook endpoints', querystring: ListQuery, response: responses(200, listOf(EndpointSchema)) } },
    async (req) => listBody(await deps.store.webhooks.listEndpoints(pageRequest(req.query)), (e) => endpointView(e), (e) => e.id));
  app.get('/webhook-endpoints/:id', { config, schema: { tags, summary: 'Retrieve a webhook endpoint', params: StringId, response: responses(200, EndpointSchema) } },
    async (req) => endpointView(found(await deps.store.webhooks.getEndpoint(req.params.id), 'webhook endpoint', req.params.id)));
  app.get('/webhook-endpoints/:id/secret', { config: { ...config, secret: true }, schema: { tags, summary: 'Reveal the signing secret', params: StringId, response: responses(200, Type.Object({ secret: Type.String() })) } },
    async (req) => ({ secret: found(await deps.store.webhooks.getEndpoint(req.params.id), 'webhook endpoint', req.params.id).secret }));
  app.patch('/webhook-endpoints/:id', { config, schema: { tags, summary: 'Update, disable or re-enable an endpoint', params: StringId, body: UpdateEndpoint, response: responses(200, EndpointSchema) } },
    async (req) => endpointView(await updateEndpoint(deps, req.params.id, { url: req.body.url, eventTypes: req.body.event_types, description: req.body.description, enabled: req.body.enabled })));
  app.delete('/webhook-endpoints/:id', { config, schema: { tags, summary: 'Delete an endpoint and its delivery log', params: StringId, response: { 204: Type.Null() } } },
    async (req, reply) => {
      found((await deps.store.webhooks.deleteEndpoint(req.params.id)) || undefined, 'webhook endpoint', req.params.id);
      return reply.status(204).send(null);
    });
  app.post('/webhook-endpoints/:id/rotate-secret', { config: { ...config, secret: true }, schema: { tags, summary: 'Replace the signing secret', params: StringId, response: responses(200, EndpointSchema) } },
    async (req) => endpointView(await rotateEndpointSecret(deps, req.params.id), true));
  app.post('/webhook-endpoints/:id/test', { config, schema: { tags, summary: 'Send a webhook.test event to this endpoint', params: StringId, response: responses(202, Type.Object({ delivery_id: Type.String() })) } },
    async (req, reply) => {
      reply.status(202);
      return { delivery_id: await pingEndpoint(deps, req.params.id) };
    });

  const DeliveryQuery = listQuery({
    endpoint_id: Type.Optional(Type.String({ maxLength: 64 })), event_id: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
    event_type: Type.Optional(Type.String({ maxLength: 60, description: 'e.g. payment.captured' })),
  });
  app.get('/webhook-deliveries', {
    config, schema: { tags, summary: 'List deliveries, newest first', description: 'Filters combine: e.g. ?status=failed&endpoint_id=… lists one endpoint\'s failed deliveries.', querystring: DeliveryQuery, response: responses(200, listOf(DeliverySchema)) },
  }, async (req) => listBody(await deps.store.webhooks.listDeliveries({
    endpointId: req.query.endpoint_id, eventId: req.query.event_id, status: req.query.status, eventType: req.query.event_type,
  }, pageRequest(req.query)), (d) => deliveryView(d), (d) => d.id));
  app.get('/webhook-deliveries/:id', { config, schema: { tags, summary: 'Retrieve a delivery with every attempt', params: StringId, response: responses(200, DeliverySchema) } },
    async (req) => {
      const d = found(await deps.store.webhooks.getDelivery(req.params.id), 'delivery', req.params.id);
      return deliveryView(d, await deps.store.webhooks.attempts(d.id));
    });
  app.post('/webhook-deliveries/:id/replay', { config, schema: { tags, summary: 'Send a delivery again now', params: StringId, response: responses(202, DeliverySchema) } },
    async (req, reply) => {
      await replayDelivery(deps, req.params.id);
      reply.status(202);
      return deliveryView((await deps.store.webhooks.getDelivery(req.params.id))!);
    });

}
