/**
 * The OAuth 2.0 token endpoint's grants (RFC 6749): client_credentials for API keys, password for
 * customers, refresh_token with rotation (a replayed refresh token revokes its whole family).
 */
import { DomainError } from '../domain/errors.js';
import { authenticateKey } from './authenticate.js';
import type { Deps } from './deps.js';
import { found } from './validate.js';

const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

interface TokenRequest {
  readonly grantType: string;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly refreshToken?: string | undefined;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly scope: string;
}

const required = (value: string | undefined, name: string): string => {
  if (!value) throw new DomainError('validation_failed', `${name} is required for this grant`, [{ field: name, message: 'is required' }]);
  return value;
};

export async function issueToken(deps: Deps, req: TokenRequest): Promise<TokenResponse> {
  switch (req.grantType) {
    case 'client_credentials': return clientCredentials(deps, req);
    case 'password': return passwordGrant(deps, req);
    case 'refresh_token': return refreshGrant(deps, req);
    default:
      throw new DomainError('unsupported_grant_type', `grant_type "${req.grantType}" is not supported; use client_credentials, password or refresh_token`);
  }
}

async function clientCredentials(deps: Deps, req: TokenRequest): Promise<TokenResponse> {
  const secret = required(req.clientSecret, 'client_secret');
  const principal = await authenticateKey(deps, secret);
  if (!principal || principal.role === 'customer' || (req.clientId && !deps.hasher.safeEqual(req.clientId, principal.apiKeyId))) {
    throw new DomainError('invalid_client', 'client authentication failed');
  }
  const accessToken = await deps.tokens.sign({ role: principal.role, subject: principal.apiKeyId }, ACCESS_TOKEN_TTL_SECONDS);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, scope: principal.role };
}

async function passwordGrant(deps: Deps, req: TokenRequest): Promise<TokenResponse> {
  const username = required(req.username, 'username');
  const password = required(req.password, 'password');
  const customer = await deps.store.customers.getByEmail(username);
  // Verify against a dummy hash when the customer is unknown, so timing does not reveal which e-mails exist.
  const hash = customer?.passwordHash ?? DUMMY_HASH;
  const valid = await deps.hasher.verifyPassword(password, hash);
  if (!customer || !customer.passwordHash || !valid) throw new DomainError('invalid_grant', 'the username or password is wrong');
  return customerTokens(deps, customer.id, deps.ids.next('rtf'));
}

async function refreshGrant(deps: Deps, req: TokenRequest): Promise<TokenResponse> {
  const presented = required(req.refreshToken, 'refresh_token');
  const token = await deps.store.refreshTokens.getByHash(deps.hasher.hashToken(presented));
  const now = deps.clock.now();
  if (!token || token.revokedAt !== null || token.expiresAt <= now) {
    throw new DomainError('invalid_grant', 'the refresh token is invalid or expired');
  }
  if (!(await deps.store.refreshTokens.markUsed(token.id, now))) {
    await deps.store.refreshTokens.revokeFamily(token.family, now);
    throw new DomainError('invalid_grant', 'the refresh token was already used; every token of this sign-in is revoked');
  }
  return customerTokens(deps, token.customerId, token.family);
}

/**
 * A customer access token minted by the platform for one of its users (no password, no refresh token): the
 * same token as the password grant's, seeing only that customer, valid 15 minutes, naming the minting key.
 */
export async function mintCustomerToken(deps: Deps, customerId: string, apiKeyId: string): Promise<Omit<TokenResponse, 'refresh_token' | 'scope'>> {
  found(await deps.store.customers.get(customerId), 'customer', customerId);
  const accessToken = await deps.tokens.sign({ role: 'customer', subject: customerId, actor: apiKeyId }, ACCESS_TOKEN_TTL_SECONDS);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

async function customerTokens(deps: Deps, customerId: string, family: string): Promise<TokenResponse> {
  const refresh = `pbr_${deps.ids.secret(32)}`;
  const now = deps.clock.now();
  await deps.store.refreshTokens.insert({
    id: deps.ids.next('rt'), customerId, hash: deps.hasher.hashToken(refresh), family,
    expiresAt: now + REFRESH_TOKEN_TTL_MS, createdAt: now,
  });
  const accessToken = await deps.tokens.sign({ role: 'customer', subject: customerId, session: family }, ACCESS_TOKEN_TTL_SECONDS);
  return {
    access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refresh, scope: 'customer',
  };
}

// scrypt of a random password nobody knows; only its cost matters.
const DUMMY_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$9vR8s4lM5cQk2Zr9Xo1iY0b3mJ7pW6tU8eA5dF2gH4k';
