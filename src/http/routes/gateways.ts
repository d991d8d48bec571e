/** Gateway configurations, and what fulfillment granted: enrollments and seat codes. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createGateway } from '../../app/gateways.js';
import { visibleOrder } from '../../app/orders/read-orders.js';
import { found } from '../../app/validate.js';
import type { Enrollment, SeatCode } from '../../ports/fulfillment.js';
import type { Gateway } from '../../ports/gateways.js';
import { caller } from '../plugins/auth.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { IntegerId, Nullable, NullableTimestamp, ShortText, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

export const GatewaySchema = Type.Object({
  id: Type.String(), object: Type.Literal('gateway'), shop_id: Type.String(), kind: Type.String({ description: 'sandbox | manual | external' }),
  name: Type.String(), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Gateway', additionalProperties: true });

export function gatewayView(g: Gateway) {
  return { id: g.id, object: 'gateway' as const, shop_id: g.shopId, kind: g.kind, name: g.name, created_at: iso(g.createdAt), updated_at: iso(g.updatedAt) };
}

const EnrollmentSchema = Type.Object({
  id: Type.String(), object: Type.Literal('enrollment'), customer_id: Type.String(), course_id: Type.Integer(), order_id: Type.Integer(),
  status: Type.String({ description: 'active | revoked' }), created_at: Timestamp, revoked_at: NullableTimestamp,
}, { $id: 'Enrollment' });
const enrollmentView = (e: Enrollment) => ({
  id: e.id, object: 'enrollment' as const, customer_id: e.customerId, course_id: e.courseId, order_id: e.orderId, status: e.status,
  created_at: iso(e.createdAt), revoked_at: isoOrNull(e.revokedAt),
});
const SeatCodeSchema = Type.Object({
  code: Type.String(), product_id: Type.Integer(), status: Type.String({ description: 'available | redeemed | revoked' }),
  redeemed_by: Nullable(Type.String()), redeemed_order_id: Nullable(Type.Integer()),
});
const seatView = (s: SeatCode) => ({ code: s.code, product_id: s.productId, status: s.status, redeemed_by: s.redeemedBy, redeemed_order_id: s.redeemedOrderId });

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

  app.get('/enrollments', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: {
      tags: ['Fulfillment'], summary: 'List enrollments (a customer sees its own)',
      querystring: listQuery({ customer_id: Type.Optional(Type.String({ maxLength: 64 })), order_id: Type.Optional(Type.Integer({ minimum: 1 })) }),
      response: responses(200, listOf(EnrollmentSchema)),
    },
  }, async (req) => {
    const p = caller(req);
    const customerId = p.role === 'customer' ? p.customerId : req.query.customer_id;
    return listBody(await deps.store.fulfillment.enrollments({ customerId, orderId: req.query.order_id }, pageRequest(req.query)), enrollmentView, (e) => e.id);
  });
  app.get('/orders/:id/seat-codes', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: { tags: ['Fulfillment'], summary: 'The seat codes a bulk order generated', params: IntegerId, response: responses(200, Type.Object({ data: Type.Array(SeatCodeSchema) })) },
  }, async (req) => {
    await visibleOrder(deps, caller(req), req.params.id);
    return { data: (await deps.store.fulfillment.seatCodes(req.params.id)).map(seatView) };
  });
}
