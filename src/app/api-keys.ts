/** API keys: created with a role, shown once, stored as a SHA-256 hash, revocable. */
import { DomainError } from '../domain/errors.js';
import type { ApiKey, Role } from '../ports/records.js';
import type { Deps } from './deps.js';

const PREFIX_LENGTH = 12;

export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The key itself: returned once, never stored. */
  readonly secret: string;
}

export async function createApiKey(deps: Deps, input: { name: string; role: Role }): Promise<CreatedApiKey> {
  const secret = `pb_${input.role === 'admin' ? 'admin' : 'live'}_${deps.ids.secret(24)}`;
  return { secret, apiKey: await storeKey(deps, secret, input.name, input.role) };
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
    return await storeKey(deps, secret, name, role);
  } catch (error) {
    // Another process starting at the same moment stored it first.
    const stored = await deps.store.apiKeys.getByHash(hash);
    if (stored) return stored;
    throw error;
  }
}

async function storeKey(deps: Deps, secret: string, name: string, role: Role): Promise<ApiKey> {
  return deps.store.apiKeys.insert({
    id: deps.ids.next('key'), name, role, prefix: secret.slice(0, PREFIX_LENGTH),
    hash: deps.hasher.hashToken(secret), revokedAt: null,
  });
}

export async function revokeApiKey(deps: Deps, id: string): Promise<ApiKey> {
  const key = await deps.store.apiKeys.get(id);
  if (!key) throw new DomainError('not_found', `API key ${id} not found`);
  if (key.revokedAt === null) await deps.store.apiKeys.revoke(id, deps.clock.now());
  return (await deps.store.apiKeys.get(id))!;
}
