/** Gateway configurations of a shop: the sandbox and manual gateways (external gateways: external-gateways.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createGateway } from '../../app/gateways.js';
import { found } from '../../app/validate.js';
import type { Gateway } from '../../ports/gateways.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { ShortText, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const GatewaySchema = Type.Object({
  id: Type.String(), object: Type.Literal('gateway'), shop_id: Type.String(), kind: Type.String({ description: 'sandbox | manual | external' }),
  name: Type.String(), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Gateway', additionalProperties: true });

export function gatewayView(g: Gateway) {
  return { id: g.id, object: 'gateway' as const, shop_id: g.shopId, kind: g.kind, name: g.name, created_at: iso(g.createdAt), updated_at: iso(g.updatedAt) };
}


export async function gatewayRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/gateways', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['Gateways'], summary: 'Add a sandbox or manual gateway to a shop (external gateways: POST /external-gateways)',
      body: Type.Object({ shop_id: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.Union([Type.Literal('sandbox'), Type.Literal('manual')]), name: ShortText }, { additionalProperties: false }),
      response: responses(201, GatewaySchema),
    },
  }, async (req, reply) => {
    reply.status(201);
    return gatewayView(await createGateway(deps, { shopId: req.body.shop_id, kind: req.body.kind, name: req.body.name }));
  });
  app.get('/gateways', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags: ['Gateways'], summary: 'List gateways', querystring: listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) }), response: responses(200, listOf(GatewaySchema)) },
  }, async (req) => listBody(await deps.store.gateways.list({ shopId: req.query.shop_id }, pageRequest(req.query)), gatewayView, (g) => g.id));
  app.get('/gateways/:id', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags: ['Gateways'], summary: 'Retrieve a gateway', params: StringId, response: responses(200, GatewaySchema) },
  }, async (req) => gatewayView(found(await deps.store.gateways.get(req.params.id), 'gateway', req.params.id)));
}
