/**
 * `POST /oauth/token` (RFC 6749): JSON or form body; client credentials in the body or as HTTP Basic.
 * Errors use the RFC's own shape, `{ "error": "invalid_grant", "error_description": "…" }`.
 */
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { issueToken } from '../../app/issue-token.js';
import { toDomainError, httpStatus } from '../errors.js';

const RFC_ERROR: Record<string, string> = {
  invalid_grant: 'invalid_grant', invalid_client: 'invalid_client', unsupported_grant_type: 'unsupported_grant_type',
  rate_limited: 'slow_down',
};

const TokenBody = Type.Object({
  grant_type: Type.String({ minLength: 1, maxLength: 50 }),
  client_id: Type.Optional(Type.String({ maxLength: 200 })),
  client_secret: Type.Optional(Type.String({ maxLength: 200 })),
  username: Type.Optional(Type.String({ maxLength: 254 })),
  password: Type.Optional(Type.String({ maxLength: 200 })),
  refresh_token: Type.Optional(Type.String({ maxLength: 200 })),
  scope: Type.Optional(Type.String({ maxLength: 200 })),
});

const TokenResponse = Type.Object({
  access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(),
  refresh_token: Type.Optional(Type.String()), scope: Type.String(),
});
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() });

function basicClient(header: string | undefined): { id?: string; secret?: string } {
  if (!header?.toLowerCase().startsWith('basic ')) return {};
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { id: decodeURIComponent(decoded) };
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export async function oauthRoutes(app: FastifyInstance, { deps, rateLimitMax }: { deps: Deps; rateLimitMax: number }) {
  await app.register(formbody, { bodyLimit: 8 * 1024 });
  await app.register(rateLimit, { global: false });

  app.setErrorHandler((raw, request, reply) => {
    const error = toDomainError(raw);
    const native = httpStatus(error);
    if (native >= 500) request.log.error({ err: raw }, 'token request failed');
    const code = RFC_ERROR[error.code] ?? (native >= 500 ? 'server_error' : 'invalid_request');
    // RFC 6749 §5.2: invalid_request is a 400, where the native API would say 422 (or 413, 415).
    const status = code === 'invalid_request' ? 400 : native;
    if (error.code === 'invalid_client') reply.header('www-authenticate', 'Basic realm="paybridge"');
    return reply.status(status).header('cache-control', 'no-store').send({ error: code, error_description: error.message });
  });

  app.post('/oauth/token', {
    config: { rateLimit: { max: rateLimitMax, timeWindow: 60_000 } },
    schema: {
      tags: ['Authentication'],
      summary: 'Issue an access token (client_credentials, password, refresh_token)',
      description: 'Client credentials: the API key as client_secret (client_id, if sent, is the key id), in the body or as HTTP Basic. Password: a customer\'s e-mail and password; returns a refresh token. Access tokens are JWTs valid for 15 minutes.',
      body: TokenBody,
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError, 429: OAuthError },
    },
  }, async (request, reply) => {
    const body = request.body as Static<typeof TokenBody>;
    const basic = basicClient(request.headers.authorization);
    const result = await issueToken(deps, {
      grantType: body.grant_type, clientId: body.client_id ?? basic.id, clientSecret: body.client_secret ?? basic.secret,
      username: body.username, password: body.password, refreshToken: body.refresh_token,
    });
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return result;
  });
}
