/** Identifiers and secrets, injected so tests can make them deterministic. */
export interface Ids {
  /**
   * A new unique id `<prefix>_<26 chars>`, lexicographically increasing with creation time within a
   * process (ULID-like), so ordering by id is ordering by creation. Never reused.
   */
  next(prefix: string): string;
  /** `bytes` random bytes from a CSPRNG, encoded base64url. Used for API keys, shared secrets, tokens. */
  secret(bytes: number): string;
}
