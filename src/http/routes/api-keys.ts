import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createApiKey, revokeApiKey } from '../../app/api-keys.js';
import type { Deps } from '../../app/deps.js';
import type { ApiKey } from '../../ports/access.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { ListQuery, NullableTimestamp, ShortText, StringId, Timestamp, listOf, responses } from '../schemas.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('integration')]);

const ApiKeySchema = Type.Object({
  id: Type.String(), object: Type.Literal('api_key'), name: Type.String(), role: Role,
  prefix: Type.String({ description: 'The first characters of the key, to tell keys apart' }),
  key: Type.Optional(Type.String({ description: 'The key itself: in the creating response only, never again' })),
  created_at: Timestamp, revoked_at: NullableTimestamp,
}, { $id: 'ApiKey' });

function keyView(k: ApiKey, secret?: string) {
  return {
    id: k.id, object: 'api_key' as const, name: k.name, role: k.role, prefix: k.prefix,
    ...(secret === undefined ? {} : { key: secret }), created_at: iso(k.createdAt), revoked_at: isoOrNull(k.revokedAt),
  };
}

export async function apiKeyRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['API keys'];
  const config = { roles: ['admin'] as const };

  app.post('/api-keys', {
    config: { ...config, secret: true },
    schema: {
      tags, summary: 'Create an API key (the key is shown once)',
      body: Type.Object({ name: ShortText, role: Role }, { additionalProperties: false }), response: responses(201, ApiKeySchema),
    },
  }, async (req, reply) => {
    const { apiKey, secret } = await createApiKey(deps, req.body);
    reply.status(201);
    return keyView(apiKey, secret);
  });

  app.get('/api-keys', {
    config, schema: { tags, summary: 'List API keys', querystring: ListQuery, response: responses(200, listOf(ApiKeySchema)) },
  }, async (req) => listBody(await deps.store.apiKeys.list(pageRequest(req.query)), (k) => keyView(k), (k) => k.id));

  app.post('/api-keys/:id/revoke', {
    config, schema: { tags, summary: 'Revoke an API key', params: StringId, response: responses(200, ApiKeySchema) },
  }, async (req) => keyView(await revokeApiKey(deps, req.params.id)));
}
