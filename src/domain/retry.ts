/**
 * Retry policy for outgoing deliveries (webhooks, callbacks, e-mails): what a response means, and when to
 * try again. The schedule spans about three days, like the Standard Webhooks reference implementations.
 */

/** Delay before attempt n+1 after attempt n failed (n = 1 is the first attempt), in milliseconds. */
const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 5 * 3600_000, 10 * 3600_000, 14 * 3600_000, 20 * 3600_000, 24 * 3600_000,
];

/** Jitter spreads retries of many failed deliveries: ±20% of the delay. */
const JITTER = 0.2;

/**
 * The delay after `attemptsMade` failed attempts, or null when the schedule is exhausted.
 * `random01` is a number in [0, 1) supplied by the caller (deterministic in tests).
 */
export function retryDelay(attemptsMade: number, random01: number): number | null {
  const base = RETRY_SCHEDULE_MS[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random01));
}

type DeliveryVerdict =
  /** 2xx: delivered. */
  | 'delivered'
  /** 5xx, 408, 429, a network fault or a timeout: try again later. */
  | 'retry'
  /** Another 4xx: the receiver refused this message; retrying would not help. */
  | 'give_up'
  /** 410 Gone: the receiver asks us to stop sending to this endpoint. */
  | 'disable_endpoint';

/** What an HTTP status (null: no response at all) means for a delivery. */
export function verdict(status: number | null): DeliveryVerdict {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'disable_endpoint';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'give_up';
  return 'retry';
}
