/**
 * Authentication and role checks. A route declares `config: { roles: [...] }`; before its body is even
 * parsed, the caller is authenticated (401 without or with a bad credential) and its role checked (403).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { authenticate } from '../../app/authenticate.js';
import type { Deps, Principal } from '../../app/deps.js';
import { DomainError } from '../../domain/errors.js';

type CallerRole = Principal['role'];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route; absent means public. */
    roles?: readonly CallerRole[];
    /** The response carries a secret (a key, a signing secret, a token): never stored by caches. */
    secret?: boolean;
  }
}

/** The authenticated caller of a route that declared roles. */
export function caller(request: FastifyRequest): Principal {
  if (!request.principal) throw new DomainError('unauthenticated', 'authentication required');
  return request.principal;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: { deps: Deps }) => {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const principal = await authenticate(opts.deps, request.headers.authorization);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="paybridge", Basic realm="paybridge"');
      throw new DomainError('unauthenticated', 'a valid API key or access token is required (Authorization: Bearer …)');
    }
    if (!roles.includes(principal.role)) {
      throw new DomainError('forbidden', `a ${principal.role} credential may not call this endpoint`);
    }
    request.principal = principal;
  });
}, { name: 'paybridge-auth' });
