/** The event log: every domain event, as the outbox wrote it. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { found } from '../../app/validate.js';
import type { DomainEvent } from '../../ports/events.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { Nullable, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const EventSchema = Type.Object({
  id: Type.String(), object: Type.Literal('event'), type: Type.String(), shop_id: Nullable(Type.String()),
  order_id: Nullable(Type.Integer()), sequence: Nullable(Type.Integer()), data: Type.Record(Type.String(), Type.Unknown()), created_at: Timestamp,
}, { $id: 'Event' });

function eventView(e: DomainEvent) {
  return { id: e.id, object: 'event' as const, type: e.type, shop_id: e.shopId, order_id: e.orderId, sequence: e.sequence, data: e.data, created_at: iso(e.createdAt) };
}

export async function eventRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  app.get('/events', {
    config, schema: { tags: ['Events'], summary: 'List events', querystring: listQuery({ order_id: Type.Optional(Type.Integer({ minimum: 1 })), type: Type.Optional(Type.String({ maxLength: 60 })) }), response: responses(200, listOf(EventSchema)) },
  }, async (req) => listBody(await deps.store.events.list({ orderId: req.query.order_id, type: req.query.type }, pageRequest(req.query)), eventView, (e) => e.id));
  app.get('/events/:id', { config, schema: { tags: ['Events'], summary: 'Retrieve an event', params: StringId, response: responses(200, EventSchema) } },
    async (req) => eventView(found(await deps.store.events.get(req.params.id), 'event', req.params.id)));
}
