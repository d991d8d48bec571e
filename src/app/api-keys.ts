/** API keys: created with a role, shown once, stored as a SHA-256 hash, revocable. */
import { DomainError } from '../domain/errors.js';
import type { ApiKey, Role } from '../ports/access.js';
import type { Repos } from '../ports/store.js';
import type { Deps } from './deps.js';

const PREFIX_LENGTH = 12;

interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The key itself: returned once, never stored. */
  readonly secret: string;
}

/** A new key: `pb_<kind>_` and 192 random bits. */
export function newApiKeySecret(deps: Pick<Deps, 'ids'>, kind: 'admin' | 'live' | 'demo'): string {
  return `pb_${kind}_${deps.ids.secret(24)}`;
}

export async function createApiKey(deps: Deps, input: { name: string; role: Role }): Promise<CreatedApiKey> {
  const secret = newApiKeySecret(deps, input.role === 'admin' ? 'admin' : 'live');
  return { secret, apiKey: await storeKey(deps, deps.store, { id: deps.ids.next('key'), secret, name: input.name, role: input.role }) };
}

/**
 * Makes `secret` a valid key with `role` (used for PAYBRIDGE_ADMIN_KEY and the demo key). Idempotent:
 * a key that already exists is left as it is.
 */
export async function ensureApiKey(deps: Deps, secret: string, name: string, role: Role): Promise<ApiKey> {
  if (secret.length < 16) throw new DomainError('validation_failed', 'an API key must be at least 16 characters');
  const hash = deps.hasher.hashToken(secret);
  const existing = await deps.store.apiKeys.getByHash(hash);
  if (existing) return existing;
  try {
    return await storeKey(deps, deps.store, { id: deps.ids.next('key'), secret, name, role });
  } catch (error) {
    // Another process starting at the same moment stored it first.
    const stored = await deps.store.apiKeys.getByHash(hash);
    if (stored) return stored;
    throw error;
  }
}

/** Stores a key's hash and displayable prefix, in `repos` (the store, or the caller's transaction). */
export async function storeKey(deps: Pick<Deps, 'hasher'>, repos: Pick<Repos, 'apiKeys'>, key: { id: string; secret: string; name: string; role: Role }): Promise<ApiKey> {
  return repos.apiKeys.insert({
    id: key.id, name: key.name, role: key.role, prefix: key.secret.slice(0, PREFIX_LENGTH),
    hash: deps.hasher.hashToken(key.secret), revokedAt: null,
  });
}

export async function revokeApiKey(deps: Deps, id: string): Promise<ApiKey> {
  const key = await deps.store.apiKeys.get(id);
  if (!key) throw new DomainError('not_found', `API key ${id} not found`);
  if (key.revokedAt === null) await deps.store.apiKeys.revoke(id, deps.clock.now());
  return (await deps.store.apiKeys.get(id))!;
}
