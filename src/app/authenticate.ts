/**
 * Turns an Authorization header into a Principal: `Bearer <api key>`, `Bearer <access token>` or HTTP Basic
 * with the API key as user name and an empty password. Anything else is unauthenticated.
 */
import type { Deps, Principal } from './deps.js';

export type Credential = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'jwt'; readonly token: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function parseAuthorization(header: string | undefined): Credential | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (!value) return null;
  if (scheme === 'bearer') return JWT_SHAPE.test(value) ? { kind: 'jwt', token: value } : { kind: 'key', key: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    return user ? { kind: 'key', key: user } : null;
  }
  return null;
}

export async function authenticate(deps: Deps, header: string | undefined): Promise<Principal | null> {
  const credential = parseAuthorization(header);
  if (!credential) return null;
  if (credential.kind === 'jwt') {
    const claims = await deps.tokens.verify(credential.token);
    if (!claims) return null;
    if (claims.role === 'customer') {
      const [customer, revoked, minter] = await Promise.all([
        deps.store.customers.get(claims.subject),
        claims.session ? deps.store.refreshTokens.familyRevoked(claims.session) : false,
        claims.actor ? deps.store.apiKeys.get(claims.actor) : undefined,
      ]);
      // A revoked sign-in (a replayed refresh token, a password change elsewhere) ends its access tokens too,
      // and so does revoking the key that minted a token for the platform's user.
      if (!customer || revoked || (claims.actor && (!minter || minter.revokedAt !== null))) return null;
      return { role: 'customer', customerId: customer.id, session: claims.session ?? null, ...(claims.actor ? { actingKeyId: claims.actor } : {}) };
    }
    const key = await deps.store.apiKeys.get(claims.subject);
    return key && key.revokedAt === null ? { role: key.role, apiKeyId: key.id } : null;
  }
  return authenticateKey(deps, credential.key);
}

export async function authenticateKey(deps: Deps, secret: string): Promise<Principal | null> {
  // The lookup is by SHA-256 of the key: an index probe whose timing says nothing about the key.
  const key = await deps.store.apiKeys.getByHash(deps.hasher.hashToken(secret));
  if (!key || key.revokedAt !== null) return null;
  return { role: key.role, apiKeyId: key.id };
}
