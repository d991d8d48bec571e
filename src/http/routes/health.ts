import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';

export async function healthRoutes(app: FastifyInstance, { deps }: { deps: Deps }) {
  app.get('/health', {
    schema: {
      tags: ['Operations'], summary: 'Liveness and readiness: 200 once the database answers',
      response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }), 503: Type.Object({ status: Type.Literal('unavailable') }) },
    },
  }, async (_request, reply) => {
    try {
      await deps.store.settings.get('jwt_secret');
      return { status: 'ok' as const, database: deps.store.dialect };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const });
    }
  });
}
