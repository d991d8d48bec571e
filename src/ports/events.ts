/** The outbox: domain events, webhook endpoints and deliveries, background jobs and their leases, and inbound webhooks already accepted. */
import type { Page, PageRequest } from './common.js';

/** A domain event in the outbox, written in the transaction of the change it announces. */
export interface DomainEvent {
  readonly id: string;
  /** e.g. `order.placed`, `payment.captured`, `purchase.fulfilled`. */
  readonly type: string;
  readonly shopId: string | null;
  readonly orderId: number | null;
  /** 1, 2, 3… per order, so receivers can put one order's events in order; null without an order. */
  readonly sequence: number | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface WebhookEndpoint {
  readonly id: string;
  /** Only this shop's events; null receives every shop's. */
  readonly shopId: string | null;
  readonly url: string;
  /** Standard Webhooks secret, `whsec_` + base64. */
  readonly secret: string;
  /** Event types to receive; `['*']` is all. */
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  /** Bound to one order (payment orders `webhookUrl`): receives that order's events only. Absent/null: not bound. */
  readonly orderId?: number | null;
  /** The body it receives: the native event envelope (default), or the payment order JSON. */
  readonly format?: WebhookFormat;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type WebhookFormat = 'native' | 'payment_order';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint; its id is the `webhook-id` header, the same on every attempt. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface WebhookAttempt {
  readonly id: number;
  readonly deliveryId: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly createdAt: number;
}

export type JobStatus = 'pending' | 'done' | 'failed';

/** A side effect to run at least once: an e-mail, a callback, a fulfillment step. */
export interface Job {
  readonly id: string;
  readonly kind: string;
  /** Jobs with the same dedupe key are enqueued once. */
  readonly dedupeKey: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A lease on work items: the worker that holds it until `until` may complete them. */
export interface Lease {
  readonly owner: string;
  readonly until: number;
}

/** An inbound webhook accepted once per (source, webhook id). */
export interface InboundWebhookEvent {
  readonly source: string;
  readonly webhookId: string;
  readonly body: string;
  readonly receivedAt: number;
}

export interface EventRepo {
  /**
   * Appends events in this order; an order's events take its next sequence numbers, consecutively and
   * atomically.
   */
  appendAll(events: readonly Omit<DomainEvent, 'sequence' | 'createdAt'>[]): Promise<DomainEvent[]>;
  get(id: string): Promise<DomainEvent | undefined>;
  /** The events with these ids that exist (one query), in no particular order. */
  getMany(ids: readonly string[]): Promise<DomainEvent[]>;
  /** Events not yet fanned out to endpoints, oldest first, locked (SKIP LOCKED on PostgreSQL). */
  claimUndispatched(limit: number): Promise<DomainEvent[]>;
  markDispatched(ids: readonly string[]): Promise<void>;
  list(filter: { orderId?: number | undefined; type?: string | undefined }, page: PageRequest): Promise<Page<DomainEvent>>;
  /** Events written but never fanned out, or with a delivery not yet delivered or failed for good. */
  countUndelivered(): Promise<number>;
}

export interface DeliveryFilter {
  readonly endpointId?: string | undefined;
  readonly eventId?: string | undefined;
  readonly status?: WebhookDelivery['status'] | undefined;
  /** The type of the delivered event, e.g. `payment.captured`. */
  readonly eventType?: string | undefined;
}

export interface WebhookRepo {
  insertEndpoint(endpoint: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt'>): Promise<WebhookEndpoint>;
  updateEndpoint(id: string, patch: Partial<Omit<WebhookEndpoint, 'id' | 'createdAt' | 'updatedAt'>>): Promise<WebhookEndpoint | undefined>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  deleteEndpoint(id: string): Promise<boolean>;
  /** Endpoints not bound to an order (order-bound ones belong to their order and are read with getEndpoint). */
  listEndpoints(page: PageRequest): Promise<Page<WebhookEndpoint>>;
  /**
   * For each event, the enabled endpoints that want its type from its shop (one query for them all). An
   * endpoint bound to an order matches only that order's events; shop-wide ones match as before.
   */
  matchingEndpoints(events: readonly Pick<DomainEvent, 'shopId' | 'type' | 'orderId'>[]): Promise<WebhookEndpoint[][]>;
  /** Creates the deliveries that do not exist yet (one per endpoint and event). */
  createDeliveries(deliveries: readonly Pick<WebhookDelivery, 'id' | 'endpointId' | 'eventId' | 'nextAttemptAt'>[]): Promise<void>;
  /** Leases up to `limit` pending deliveries due at `now` whose lease is free or expired. */
  claimDue(now: number, limit: number, lease: Lease): Promise<WebhookDelivery[]>;
  /** Applies the outcome of an attempt if `owner` still holds the lease; false otherwise. */
  finishAttempt(id: string, owner: string, patch: Pick<WebhookDelivery, 'status' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt' | 'attempts'>): Promise<boolean>;
  /** Records attempts, in this order (one statement). */
  recordAttempts(attempts: readonly Omit<WebhookAttempt, 'id'>[]): Promise<void>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  /** Deliveries matching every filter given, newest first (`page.after` is the last id of the previous page). */
  listDeliveries(filter: DeliveryFilter, page: PageRequest): Promise<Page<WebhookDelivery>>;
  attempts(deliveryId: string): Promise<WebhookAttempt[]>;
  /** Puts a delivery back in the queue for an attempt at `at` (manual replay). */
  requeue(id: string, at: number): Promise<boolean>;
  /** Counts `failures` failed attempts against the endpoint and returns the new run of consecutive failures. */
  endpointFailed(id: string, failures: number): Promise<number>;
  endpointSucceeded(id: string): Promise<void>;
}

export interface JobRepo {
  /** Enqueues a job; a job whose dedupe key already exists is not enqueued again (returns false). */
  enqueue(job: Pick<Job, 'id' | 'kind' | 'payload' | 'nextAttemptAt'> & { dedupeKey?: string | null }): Promise<boolean>;
  claimDue(now: number, limit: number, lease: Lease, kinds?: readonly string[]): Promise<Job[]>;
  /** Records an outcome if `owner` still holds the lease. */
  finish(id: string, owner: string, patch: Pick<Job, 'status' | 'nextAttemptAt' | 'lastError' | 'attempts'>): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  list(filter: { kind?: string | undefined; status?: string | undefined }, page: PageRequest): Promise<Page<Job>>;
}

/** Inbound webhooks already accepted, for de-duplication (DESIGN rule 8). */
export interface InboundWebhookRepo {
  /** Records the webhook; false when one with this (source, webhook id) was recorded before (a duplicate). */
  record(event: InboundWebhookEvent): Promise<boolean>;
}
