/**
 * Read-only figures for `/metrics`, counted from the database when Prometheus scrapes, so that they are the
 * same whichever process (API or worker, one or many) did the work. Every query is one grouped scan or an
 * index range; nothing is locked or written.
 */

/** Payment transactions with the same gateway kind, kind, status, currency and reason code. */
export interface TransactionGroup {
  /** The gateway's kind (sandbox, external, manual); `none` for payments recorded without one (an external checkout). */
  readonly gateway: string;
  readonly kind: string;
  readonly status: string;
  readonly currency: string;
  readonly errorCode: string | null;
  /** Resolved by the pending-payment janitor (it marks the transactions it completes). */
  readonly byJanitor: boolean;
  readonly count: number;
  /** Sum of the amounts, minor units of `currency`. */
  readonly amount: number;
}

/** Work the worker has not finished: `count` items, the oldest created at `oldestAt`, the earliest due at `earliestDueAt` (ms since the epoch). */
export interface Backlog {
  readonly count: number;
  readonly oldestAt: number | null;
  readonly earliestDueAt: number | null;
}

export interface OperationsSnapshot {
  readonly transactions: readonly TransactionGroup[];
  /** Checkout sessions by status (open, complete, expired). */
  readonly checkoutSessions: Readonly<Record<string, number>>;
  /** Webhook deliveries by status (pending, delivered, failed). */
  readonly webhookDeliveries: Readonly<Record<string, number>>;
  /** Webhook attempts by result: `2xx`, `3xx`, `4xx`, `5xx`, or `error` (no HTTP answer). */
  readonly webhookAttempts: Readonly<Record<string, number>>;
  readonly endpointsDisabled: number;
  /** External gateways' circuits by state (closed, open, half_open). */
  readonly circuits: Readonly<Record<string, number>>;
  /** Jobs by kind and status (pending, done, failed): e-mails are the kind `email`. */
  readonly jobs: readonly { readonly kind: string; readonly status: string; readonly count: number }[];
  /** Not yet handled: events not fanned out, webhook deliveries and jobs (by kind) still pending. */
  readonly backlog: {
    readonly events: Backlog;
    readonly webhooks: Backlog;
    readonly jobs: Readonly<Record<string, Backlog>>;
  };
}

export interface OperationsRepo {
  snapshot(): Promise<OperationsSnapshot>;
}

/** The mark the janitor leaves in a transaction's metadata when it records the outcome. */
export const RESOLVED_BY_JANITOR = { resolved_by: 'janitor' } as const;
