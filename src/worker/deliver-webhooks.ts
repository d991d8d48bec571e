/**
 * Webhook delivery: fan events out to the endpoints that want them, then lease due deliveries, POST them
 * signed per Standard Webhooks (outside any transaction), and record every attempt and its outcome.
 */
import type { Deps } from '../app/deps.js';
import { callbackRecipients, paymentOrderCallback } from '../app/payment-orders/callbacks.js';
import { retryDelay, verdict } from '../domain/retry.js';
import type { HttpClient } from '../ports/http-client.js';
import type { DomainEvent, WebhookDelivery, WebhookEndpoint } from '../ports/events.js';
import type { Repos } from '../ports/store.js';

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

/** An attempt made, waiting to be written. */
interface Outcome {
  readonly delivery: WebhookDelivery;
  readonly endpoint: WebhookEndpoint;
  readonly event: DomainEvent;
  readonly result: AttemptResult;
  readonly at: number;
  readonly verdict: ReturnType<typeof verdict>;
  /** When the next attempt is due; null when there is none. */
  readonly retryAt: number | null;
}

/**
 * Writes the outcomes of attempts as they come in, several to a transaction: while one write is under way,
 * the outcomes that arrive queue up, and the next write takes them all (a group commit). A lone outcome is
 * written at once; under load, a batch of deliveries costs a few commits instead of one each.
 */
class OutcomeWriter {
  private queue: { outcome: Outcome; done: () => void; failed: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly deps: Deps, private readonly opts: DeliveryOptions) {}

  write(outcome: Outcome): Promise<void> {
    return new Promise((done, failed) => {
      this.queue.push({ outcome, done, failed });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      // Answers that arrive together (parallel lanes) are written together: wait for this turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.queue.splice(0);
      try {
        const written = await this.deps.store.tx((tx) => this.writeAll(tx, batch.map((b) => b.outcome)));
        this.logFailures(written);
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.failed(error);
      }
    }
    this.writing = false;
  }

  /** Records each outcome whose lease this worker still holds, then the endpoints' runs of failures. */
  private async writeAll(tx: Repos, outcomes: readonly Outcome[]): Promise<{ failed: Outcome[]; disabled: Map<string, string> }> {
    const kept: Outcome[] = [];
    for (const o of outcomes) {
      const still = await tx.webhooks.finishAttempt(o.delivery.id, this.opts.owner, {
        status: statusOf(o), attempts: o.delivery.attempts + 1, nextAttemptAt: o.retryAt ?? o.delivery.nextAttemptAt,
        lastStatusCode: o.result.status, lastError: o.result.error, deliveredAt: o.verdict === 'delivered' ? o.at : null,
      });
      if (still) kept.push(o); // otherwise the lease expired and another worker took over: its record wins
    }
    await tx.webhooks.recordAttempts(kept.map((o) => ({
      deliveryId: o.delivery.id, attempt: o.delivery.attempts + 1, statusCode: o.result.status, latencyMs: o.result.latencyMs, error: o.result.error, createdAt: o.at,
    })));
    // Per endpoint, in the order the answers came: a success ends a run of failures; a 410 disables it.
    const runs = new Map<string, { reset: boolean; failures: number; gone: boolean }>();
    for (const o of kept) {
      const run = runs.get(o.endpoint.id) ?? { reset: false, failures: 0, gone: false };
      if (o.verdict === 'delivered') Object.assign(run, { reset: true, failures: 0 });
      else if (o.verdict === 'disable_endpoint') run.gone = true;
      else run.failures++;
      runs.set(o.endpoint.id, run);
    }
    const disabled = new Map<string, string>();
    for (const [endpointId, run] of runs) {
      if (run.reset) await tx.webhooks.endpointSucceeded(endpointId);
      let reason: string | null = run.gone ? 'the endpoint answered 410 Gone' : null;
      if (run.failures > 0 && await tx.webhooks.endpointFailed(endpointId, run.failures) >= this.opts.endpointFailureLimit) {
        reason ??= `${this.opts.endpointFailureLimit} consecutive failed attempts`;
      }
      if (reason) {
        await tx.webhooks.updateEndpoint(endpointId, { enabled: false, disabledReason: reason });
        disabled.set(endpointId, reason);
      }
    }
    return { failed: kept.filter((o) => o.verdict !== 'delivered'), disabled };
  }

  private logFailures({ failed, disabled }: { failed: Outcome[]; disabled: Map<string, string> }): void {
    for (const o of failed) {
      const attempt = o.delivery.attempts + 1;
      const retrying = statusOf(o) === 'pending';
      const fields = {
        delivery_id: o.delivery.id, endpoint_id: o.endpoint.id, event_id: o.event.id, event_type: o.event.type, attempt,
        status_code: o.result.status, error: o.result.error?.slice(0, 200) ?? null, next_attempt_at: retrying ? new Date(o.retryAt!).toISOString() : null,
      };
      this.deps.log.warn(retrying ? 'webhook.attempt_failed' : 'webhook.delivery_failed',
        retrying ? `webhook ${o.delivery.id} attempt ${attempt} failed; retrying` : `webhook ${o.delivery.id} failed after ${attempt} attempts; no more retries`, fields);
    }
    for (const [endpointId, reason] of disabled) {
      const shopId = failed.find((o) => o.endpoint.id === endpointId)?.endpoint.shopId ?? null;
      this.deps.log.warn('webhook.endpoint_disabled', `webhook endpoint ${endpointId} disabled: ${reason}`, { endpoint_id: endpointId, shop_id: shopId, reason });
    }
  }
}

function statusOf(o: Outcome): WebhookDelivery['status'] {
  return o.verdict === 'delivered' ? 'delivered' : o.retryAt !== null ? 'pending' : 'failed';
}

/** Sends one delivery and hands its outcome to the writer (without waiting for it to be written). */
async function deliverOne(
  deps: Deps, http: HttpClient, writer: OutcomeWriter, delivery: WebhookDelivery, endpoint: WebhookEndpoint | undefined, event: DomainEvent | undefined, opts: DeliveryOptions,
): Promise<{ written: Promise<void> }> {
  if (!endpoint || !event || !endpoint.enabled) {
    await deps.store.webhooks.finishAttempt(delivery.id, opts.owner, {
      status: 'failed', attempts: delivery.attempts, nextAttemptAt: delivery.nextAttemptAt, lastStatusCode: null,
      lastError: 'endpoint disabled or deleted', deliveredAt: null,
    });
    return { written: Promise.resolve() };
  }
  const result = await attempt(deps, http, endpoint, event, opts.timeoutMs);
  const at = deps.clock.now();
  const outcome = verdict(result.status);
  const delay = outcome === 'retry' ? retryDelay(delivery.attempts + 1, opts.random()) : null;
  return { written: writer.write({ delivery, endpoint, event, result, at, verdict: outcome, retryAt: delay !== null ? at + delay : null }) };
}

/** Leases and attempts one batch of due deliveries; returns how many it attempted once all are recorded. */
export async function deliverDue(deps: Deps, http: HttpClient, opts: DeliveryOptions): Promise<number> {
  const now = deps.clock.now();
  const batch = await deps.store.tx((tx) => tx.webhooks.claimDue(now, opts.batchSize, { owner: opts.owner, until: now + opts.leaseMs }));
  if (batch.length === 0) return 0;
  const endpointIds = [...new Set(batch.map((d) => d.endpointId))];
  const [endpointList, eventList] = await Promise.all([
    Promise.all(endpointIds.map((id) => deps.store.webhooks.getEndpoint(id))),
    deps.store.events.getMany([...new Set(batch.map((d) => d.eventId))]),
  ]);
  const endpoints = new Map(endpointList.flatMap((e) => (e ? [[e.id, e] as const] : [])));
  const events = new Map(eventList.map((e) => [e.id, e]));
  const loaded = batch.map((d) => ({ d, endpoint: endpoints.get(d.endpointId), event: events.get(d.eventId) }));
  // One order's events go to one endpoint one after another, in sequence order, so a receiver that is
  // not failing gets them in order; different orders and endpoints are delivered in parallel. An outcome
  // is written while the lane goes on: a crash before it is written means a redelivery, never a loss.
  const lanes = new Map<string, typeof loaded>();
  for (const item of loaded) {
    const lane = `${item.d.endpointId}:${item.event?.orderId ?? item.d.id}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), item]);
  }
  const writer = new OutcomeWriter(deps, opts);
  const written: Promise<void>[] = [];
  await Promise.all([...lanes.values()].map(async (lane) => {
    lane.sort((a, b) => (a.event?.sequence ?? 0) - (b.event?.sequence ?? 0));
    for (const { d, endpoint, event } of lane) {
      const { written: w } = await deliverOne(deps, http, writer, d, endpoint, event, opts);
      w.catch(() => {}); // awaited below; this only keeps a failure from being reported as unhandled meanwhile
      written.push(w);
    }
  }));
  await Promise.all(written);
  return batch.length;
}
