/**
 * What a payment order remembers about its creation request, kept in the order's metadata (string values)
 * so that every road that reads the order (the hosted page, the jobs, the callbacks) sees the same thing.
 * Times are minutes in the API and milliseconds inside.
 */
import type { Shop } from '../../ports/catalog.js';
import type { Order } from '../../ports/orders.js';

/** The metadata keys; the values are strings. */
export const KEY = {
  autoCapture: 'auto_capture',
  paymentMethod: 'payment_method',
  paymentType: 'payment_type',
  timeLimit: 'time_limit',
  webhookUrl: 'webhook_url',
  description: 'description',
  customerRef: 'customer_ref',
  firstName: 'customer_first_name',
  lastName: 'customer_last_name',
  phone: 'customer_phone',
} as const;

const MINUTE = 60_000;

/** Minutes a buyer has to pay when `timeLimit` is not given: 24 hours. */
const DEFAULT_PAY_MINUTES = 24 * 60;
/** Minutes a two-stage authorization may wait for its capture when `timeLimit` is not given: 7 days. */
const DEFAULT_CAPTURE_MINUTES = 7 * 24 * 60;
/** The largest `timeLimit` accepted, in minutes (7 days: card authorizations rarely live longer). */
export const MAX_TIME_LIMIT_MINUTES = DEFAULT_CAPTURE_MINUTES;

type OrderLike = Pick<Order, 'metadata'>;

/** The `timeLimit` the order was created with, in minutes, or null when none was given. */
export function timeLimitOf(order: OrderLike): number | null {
  const raw = order.metadata[KEY.timeLimit];
  const minutes = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(minutes) && minutes > 0 ? minutes : null;
}

/** How long the buyer has to pay, milliseconds. */
export function payWindowMs(order: OrderLike): number {
  return (timeLimitOf(order) ?? DEFAULT_PAY_MINUTES) * MINUTE;
}

/** How long a two-stage authorization waits for its capture before it is voided, milliseconds. */
export function captureWindowMs(order: OrderLike): number {
  return (timeLimitOf(order) ?? DEFAULT_CAPTURE_MINUTES) * MINUTE;
}

/**
 * Whether a successful authorization is captured at once (single-stage). The order's own choice
 * (`autoCapture`), else the shop's setting: orders created through other APIs follow their shop.
 */
export function autoCaptureOf(order: OrderLike, shop: Pick<Shop, 'autoCapture'>): boolean {
  const own = order.metadata[KEY.autoCapture];
  return own === undefined ? shop.autoCapture : own !== 'false';
}

/** Drops absent values, so only what was given is stored. */
export function compactMetadata(entries: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) if (value !== null && value !== undefined) out[key] = value;
  return out;
}
