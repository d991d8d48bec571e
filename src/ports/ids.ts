/** Identifiers and secrets, injected so tests can make them deterministic. */
export interface Ids {
  /**
   * A new unique id `<prefix>_<26 chars>`, lexicographically increasing with creation time within a
   * process (ULID-like), so ordering by id is ordering by creation. Never reused.
   */
  next(prefix: string): string;
  /**
   * An unguessable id `<prefix>_<26 chars>`: 130 bits from a CSPRNG, lower-case Crockford base32, in no
   * order at all. For ids that grant access by being known (checkout sessions, payment links): two made
   * one after the other share nothing, so knowing one's own id says nothing about anybody else's.
   */
  token(prefix: string): string;
  /** `bytes` random bytes from a CSPRNG, encoded base64url. Used for API keys, shared secrets, tokens. */
  secret(bytes: number): string;
}
