/** Hashing and constant-time comparison for credentials. Implementations never log their inputs. */
export interface Hasher {
  /** SHA-256 hex of a high-entropy token (API key, refresh token): deterministic, for indexed lookup. */
  hashToken(token: string): string;
  /** A salted, slow hash of a human password (scrypt). */
  hashPassword(password: string): Promise<string>;
  /** True when `password` matches `hash`; the comparison is timing-safe. False for a malformed hash. */
  verifyPassword(password: string, hash: string): Promise<boolean>;
  /** Timing-safe equality of two strings (false when lengths differ, without early exit on content). */
  safeEqual(a: string, b: string): boolean;
}

/** Claims carried by an access token. */
export interface AccessClaims {
  /** `customer` tokens come from the password grant; `admin`/`integration` from client credentials. */
  readonly role: 'admin' | 'integration' | 'customer';
  /** Customer id or API key id. */
  readonly subject: string;
  /**
   * A customer's sign-in (its refresh-token family) the token belongs to: revoking the sign-in also ends
   * its access tokens. Absent for tokens that belong to no sign-in.
   */
  readonly session?: string | undefined;
  /**
   * The API key that minted a customer token for the platform's own user (`act`, RFC 8693's actor claim):
   * the token stops working when the key is revoked, and the audit history names the key.
   */
  readonly actor?: string | undefined;
}

/** Signs and verifies short-lived access tokens (JWT, HS256). */
export interface TokenSigner {
  /** Returns a compact JWT valid for `ttlSeconds` from the clock's now. */
  sign(claims: AccessClaims, ttlSeconds: number): Promise<string>;
  /** The claims of a valid, unexpired token; `null` for anything else (bad signature, expired, malformed). */
  verify(token: string): Promise<AccessClaims | null>;
}

/** Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256>`. */
export interface WebhookSigner {
  /** A fresh `whsec_<base64>` secret from a CSPRNG. */
  newSecret(): string;
  /** The `webhook-signature` header value for `${id}.${timestampSeconds}.${body}`. */
  sign(secret: string, id: string, timestampSeconds: number, body: string): string;
  /**
   * True when one of the space-separated signatures in `signatureHeader` matches (timing-safe) and the
   * timestamp is within `toleranceSeconds` of `nowSeconds`.
   */
  verify(secret: string, headers: { id: string; timestamp: string; signature: string }, body: string | Buffer,
    nowSeconds: number, toleranceSeconds?: number): boolean;
}
