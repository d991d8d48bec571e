/** Wall-clock time, injected so that expiry, backoff and clearing are tested with a fake clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. Never goes backwards within one process. */
  now(): number;
}
