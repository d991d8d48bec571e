/**
 * Webhook delivery: fan events out to the endpoints that want them, then lease due deliveries, POST them
 * signed per Standard Webhooks (outside any transaction), and record every attempt and its outcome.
 */
import type { Deps } from '../app/deps.js';
import { callbackRecipients, paymentOrderCallback } from '../app/payment-orders/callbacks.js';
import { retryDelay, verdict } from '../domain/retry.js';
import type { HttpClient } from '../ports/http-client.js';
import type { DomainEvent, WebhookDelivery, WebhookEndpoint } from '../ports/events.js';

interface DeliveryOptions {
  readonly owner: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly timeoutMs: number;
  /** An endpoint is disabled after this many failed attempts in a row. */
  readonly endpointFailureLimit: number;
  /** A number in [0, 1) for retry jitter. */
  readonly random: () => number;
}

/** The JSON body every attempt of one event sends: identical bytes on every retry. */
export function webhookBody(event: DomainEvent): string {
  return JSON.stringify({
    id: event.id, type: event.type, timestamp: new Date(event.createdAt).toISOString(),
    sequence: event.sequence, order_id: event.orderId, shop_id: event.shopId, data: event.data,
  });
}

export async function fanOut(deps: Deps, batchSize: number): Promise<number> {
  return deps.store.tx(async (tx) => {
    const events = await tx.events.claimUndispatched(batchSize);
    const now = deps.clock.now();
    const matching = await tx.webhooks.matchingEndpoints(events);
    const deliveries = [];
    for (const [i, event] of events.entries()) {
      const endpoints = await callbackRecipients(tx, event, matching[i]!);
      deliveries.push(...endpoints.map((e) => ({ id: deps.ids.next('msg'), endpointId: e.id, eventId: event.id, nextAttemptAt: now })));
    }
    await tx.webhooks.createDeliveries(deliveries);
    await tx.events.markDispatched(events.map((e) => e.id));
    return events.length;
  });
}

interface AttemptResult {
  readonly status: number | null;
  readonly error: string | null;
  readonly latencyMs: number;
}

async function attempt(deps: Deps, http: HttpClient, endpoint: WebhookEndpoint, event: DomainEvent, timeoutMs: number): Promise<AttemptResult> {
  const { body, secret } = endpoint.format === 'payment_order' ? await paymentOrderCallback(deps, endpoint, event) : { body: webhookBody(event), secret: endpoint.secret };
  const timestamp = Math.floor(deps.clock.now() / 1000);
  const started = performance.now();
  try {
    const res = await http.post({
      url: endpoint.url, body, timeoutMs, maxBodyBytes: 1024,
      headers: {
        'content-type': 'application/json', 'user-agent': 'Paybridge-Webhooks/1',
        'webhook-id': event.id, 'webhook-timestamp': String(timestamp),
        'webhook-signature': deps.signer.sign(secret, event.id, timestamp, body),
      },
    });
    return { status: res.status, error: res.status >= 300 ? res.body.slice(0, 200) || `HTTP ${res.status}` : null, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: null, error: message.slice(0, 500), latencyMs: Math.round(performance.now() - started) };
  }
}

async function deliverOne(
  deps: Deps, http: HttpClient, delivery: WebhookDelivery, endpoint: WebhookEndpoint | undefined, event: DomainEvent | undefined, opts: DeliveryOptions,
): Promise<void> {
  const attempts = delivery.attempts + 1;
  if (!endpoint || !event || !endpoint.enabled) {
    await deps.store.webhooks.finishAttempt(delivery.id, opts.owner, {
      status: 'failed', attempts: delivery.attempts, nextAttemptAt: delivery.nextAttemptAt, lastStatusCode: null,
      lastError: 'endpoint disabled or deleted', deliveredAt: null,
    });
    return;
  }
  const result = await attempt(deps, http, endpoint, event, opts.timeoutMs);
  const now = deps.clock.now();
  const outcome = verdict(result.status);
  const delay = outcome === 'retry' ? retryDelay(attempts, opts.random()) : null;
  await deps.store.tx(async (tx) => {
    const still = await tx.webhooks.finishAttempt(delivery.id, opts.owner, {
      status: outcome === 'delivered' ? 'delivered' : delay !== null ? 'pending' : 'failed',
      attempts, nextAttemptAt: delay !== null ? now + delay : delivery.nextAttemptAt,
      lastStatusCode: result.status, lastError: result.error, deliveredAt: outcome === 'delivered' ? now : null,
    });
    if (!still) return; // the lease expired and another worker took over: its record wins
    await tx.webhooks.recordAttempt({ deliveryId: delivery.id, attempt: attempts, statusCode: result.status, latencyMs: result.latencyMs, error: result.error, createdAt: now });
    if (outcome === 'delivered') {
      await tx.webhooks.endpointSucceeded(endpoint.id);
    } else if (outcome === 'disable_endpoint') {
      await tx.webhooks.updateEndpoint(endpoint.id, { enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
    } else if (await tx.webhooks.endpointFailed(endpoint.id) >= opts.endpointFailureLimit) {
      await tx.webhooks.updateEndpoint(endpoint.id, { enabled: false, disabledReason: `${opts.endpointFailureLimit} consecutive failed attempts` });
    }
  });
}

/** Leases and attempts one batch of due deliveries; returns how many it attempted. */
export async function deliverDue(deps: Deps, http: HttpClient, opts: DeliveryOptions): Promise<number> {
  const now = deps.clock.now();
  const batch = await deps.store.tx((tx) => tx.webhooks.claimDue(now, opts.batchSize, { owner: opts.owner, until: now + opts.leaseMs }));
  const endpoints = new Map<string, Promise<WebhookEndpoint | undefined>>();
  const events = new Map<string, Promise<DomainEvent | undefined>>();
  for (const d of batch) {
    if (!endpoints.has(d.endpointId)) endpoints.set(d.endpointId, deps.store.webhooks.getEndpoint(d.endpointId));
    if (!events.has(d.eventId)) events.set(d.eventId, deps.store.events.get(d.eventId));
  }
  const loaded = await Promise.all(batch.map(async (d) => ({ d, endpoint: await endpoints.get(d.endpointId)!, event: await events.get(d.eventId)! })));
  // One order's events go to one endpoint one after another, in sequence order, so a receiver that is
  // not failing gets them in order; different orders and endpoints are delivered in parallel.
  const lanes = new Map<string, typeof loaded>();
  for (const item of loaded) {
    const lane = `${item.d.endpointId}:${item.event?.orderId ?? item.d.id}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), item]);
  }
  await Promise.all([...lanes.values()].map(async (lane) => {
    lane.sort((a, b) => (a.event?.sequence ?? 0) - (b.event?.sequence ?? 0));
    for (const { d, endpoint, event } of lane) await deliverOne(deps, http, d, endpoint, event, opts);
  }));
  return batch.length;
}
