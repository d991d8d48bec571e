import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

export async function purchaseRoutes(_app: FastifyInstance, _opts: { deps: Deps }) {}
