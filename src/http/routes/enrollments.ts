/** What fulfillment granted: enrollments in courses (seat codes of a bulk order: orders.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import type { Enrollment } from '../../ports/fulfillment.js';
import { caller } from '../plugins/auth.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { NullableTimestamp, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const EnrollmentSchema = Type.Object({
  id: Type.String(), object: Type.Literal('enrollment'), customer_id: Type.String(), course_id: Type.Integer(), order_id: Type.Integer(),
  status: Type.String({ description: 'active | revoked' }), created_at: Timestamp, revoked_at: NullableTimestamp,
}, { $id: 'Enrollment' });
const enrollmentView = (e: Enrollment) => ({
  id: e.id, object: 'enrollment' as const, customer_id: e.customerId, course_id: e.courseId, order_id: e.orderId, status: e.status,
  created_at: iso(e.createdAt), revoked_at: isoOrNull(e.revokedAt),
});

export async function enrollmentRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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
}
