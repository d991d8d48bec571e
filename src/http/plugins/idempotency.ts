/**
 * `Idempotency-Key` on mutating POSTs (DESIGN rule 3): the first response to a key is stored and replayed
 * to retries with the same body; the same key with another body is a 422; a retry while the first request
 * still runs is a 409. Keys are scoped to the caller and kept at least 24 hours.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Deps } from '../../app/deps.js';
import { DomainError } from '../../domain/errors.js';

/** A claimed key whose request never finished (the process died) may be taken over after this long. */
const IDEMPOTENCY_LEASE_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
}

function scopeOf(request: FastifyRequest): string {
  const p = request.principal;
  const who = !p ? `ip:${request.ip}` : p.role === 'customer' ? `customer:${p.customerId}` : `api_key:${p.apiKeyId}`;
  return who;
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
}

export const idempotencyPlugin = fp(async (app: FastifyInstance, opts: { deps: Deps }) => {
  const { store, clock } = opts.deps;
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
      throw new DomainError('validation_failed', 'Idempotency-Key must be 1 to 255 characters', [{ field: 'header:/idempotency-key', message: 'must be 1 to 255 characters' }]);
    }
    const scope = scopeOf(request);
    const hash = requestHash(request);
    const record = { scope, key, requestHash: hash, createdAt: clock.now() };
    if (await store.idempotency.claim(record)) {
      request.idempotency = { scope, key };
      return;
    }
    const existing = await store.idempotency.get(scope, key);
    if (!existing) throw new DomainError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly');
    if (existing.requestHash !== hash) {
      throw new DomainError('idempotency_key_reused', 'this Idempotency-Key was used with a different request', [{ field: 'header:/idempotency-key', message: 'was used with a different request' }]);
    }
    if (existing.statusCode === null) {
      if (existing.createdAt > clock.now() - IDEMPOTENCY_LEASE_MS) {
        throw new DomainError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly');
      }
      await store.idempotency.release(scope, key);
      if (!(await store.idempotency.claim(record))) {
        throw new DomainError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly');
      }
      request.idempotency = { scope, key };
      return;
    }
    reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
    return reply.status(existing.statusCode).send(existing.responseBody);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = request.idempotency;
    if (!claimed) return payload;
    request.idempotency = null;
    // A 5xx is not a final answer: let the client retry with the same key.
    if (reply.statusCode >= 500 || typeof payload !== 'string') await store.idempotency.release(claimed.scope, claimed.key);
    else await store.idempotency.complete(claimed.scope, claimed.key, reply.statusCode, payload);
    return payload;
  });
}, { name: 'paybridge-idempotency', dependencies: ['paybridge-auth'] });
