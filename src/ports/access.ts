/** Who may call: API keys, refresh tokens, and the idempotency records that replay a caller's retried request. */
import type { Page, PageRequest } from './common.js';

export type Role = 'admin' | 'integration';

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** The first characters of the key, safe to display so people can tell keys apart. */
  readonly prefix: string;
  /** SHA-256 hex of the key; the key itself is shown once at creation and never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface RefreshToken {
  readonly id: string;
  readonly customerId: string;
  readonly hash: string;
  /** Every token minted by rotation from one sign-in shares a family; reuse of a rotated token revokes it. */
  readonly family: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
  readonly createdAt: number;
}

/** A stored response for an `Idempotency-Key`, scoped to the caller that sent it. */
export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /** null while the first request is still running. */
  readonly statusCode: number | null;
  readonly responseBody: string | null;
  readonly createdAt: number;
}

export interface ApiKeyRepo {
  insert(key: Omit<ApiKey, 'createdAt'> & { createdAt?: number }): Promise<ApiKey>;
  getByHash(hash: string): Promise<ApiKey | undefined>;
  get(id: string): Promise<ApiKey | undefined>;
  revoke(id: string, at: number): Promise<boolean>;
  list(page: PageRequest): Promise<Page<ApiKey>>;
}

export interface RefreshTokenRepo {
  insert(token: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<RefreshToken>;
  getByHash(hash: string): Promise<RefreshToken | undefined>;
  /** Marks an unused, unrevoked token used; false when it was already used or revoked (a replay). */
  markUsed(id: string, at: number): Promise<boolean>;
  revokeFamily(family: string, at: number): Promise<void>;
  /** Revokes every sign-in of the customer except the family `keep` (null: all of them). */
  revokeCustomer(customerId: string, keep: string | null, at: number): Promise<void>;
  /** Whether any token of the family was revoked (a revoked sign-in stays revoked). */
  familyRevoked(family: string): Promise<boolean>;
}

export interface IdempotencyRepo {
  /** Claims the key for a new request; false when a record for (scope, key) already exists. */
  claim(record: Omit<IdempotencyRecord, 'statusCode' | 'responseBody'>): Promise<boolean>;
  get(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  complete(scope: string, key: string, statusCode: number, responseBody: string): Promise<void>;
  release(scope: string, key: string): Promise<void>;
  /** Deletes records created before `before`; returns how many. */
  purge(before: number): Promise<number>;
}
