/**
 * Business metrics, counted from the database at every scrape (`Store.operations`): the same figures from
 * whichever process is scraped, however many API and worker processes share the database, and correct
 * across restarts. Monotonic totals are exposed as counters (a row, once terminal, stays counted), the
 * rest as gauges. Amounts are in minor units of their currency (cents for USD, yen for JPY).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { FAULT_CODES } from '../../app/payments/payment-facts.js';
import type { Deps } from '../../app/deps.js';
import type { Backlog, OperationsSnapshot } from '../../ports/operations.js';

type Labels = Record<string, string>;

/** A counter whose value is read from the database: reset, then set to the total of each label set. */
function total(registry: Registry, name: string, help: string, labelNames: readonly string[] = []) {
  const counter = new Counter({ name, help, labelNames, registers: [registry] });
  return (values: ReadonlyMap<string, { labels: Labels; value: number }> | number) => {
    counter.reset();
    if (typeof values === 'number') counter.inc(values);
    else for (const { labels, value } of values.values()) counter.inc(labels, value);
  };
}

function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[] = []) {
  const g = new Gauge({ name, help, labelNames, registers: [registry] });
  return (values: ReadonlyMap<string, { labels: Labels; value: number }> | number) => {
    g.reset();
    if (typeof values === 'number') g.set(values);
    else for (const { labels, value } of values.values()) g.set(labels, value);
  };
}

/** Sums values per label set. */
class Tally {
  readonly map = new Map<string, { labels: Labels; value: number }>();
  add(labels: Labels, value: number): this {
    const key = JSON.stringify(labels);
    const row = this.map.get(key) ?? { labels, value: 0 };
    row.value += value;
    this.map.set(key, row);
    return this;
  }
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * Registers the business metrics in `registry`; the returned function refreshes them from the database
 * unless the last refresh is younger than `maxAgeMs` (real time), and scrapes arriving together share one.
 */
export function businessMetrics(registry: Registry, deps: Pick<Deps, 'store' | 'clock'>, maxAgeMs: number): () => Promise<void> {
  const m = {
    payments: total(registry, 'paybridge_payments_total', 'Payment transactions with an outcome, by gateway kind, transaction kind (authorization, capture, refund, void) and outcome (succeeded, declined by the processor, failed: no usable answer)', ['gateway', 'kind', 'outcome']),
    pending: gauge(registry, 'paybridge_payments_pending', 'Payment transactions waiting for the processor\'s outcome', ['gateway', 'kind']),
    captured: total(registry, 'paybridge_captured_amount_total', 'Amount captured, in minor units of the currency', ['currency']),
    refunded: total(registry, 'paybridge_refunded_amount_total', 'Amount refunded, in minor units of the currency', ['currency']),
    janitor: total(registry, 'paybridge_janitor_resolutions_total', 'Pending transactions the janitor resolved: the processor\'s answer (succeeded, failed) or gave_up after 24 h without one', ['outcome']),
    sessionsCreated: total(registry, 'paybridge_checkout_sessions_created_total', 'Checkout sessions created'),
    sessionsCompleted: total(registry, 'paybridge_checkout_sessions_completed_total', 'Checkout sessions completed (paid)'),
    sessionsExpired: total(registry, 'paybridge_checkout_sessions_expired_total', 'Checkout sessions that expired unpaid'),
    sessionsOpen: gauge(registry, 'paybridge_checkout_sessions_open', 'Checkout sessions still open'),
    backlog: gauge(registry, 'paybridge_outbox_backlog', 'Outbox items not yet handled: events not fanned out, webhook deliveries, e-mails and other jobs still pending (retries included)', ['queue']),
    oldest: gauge(registry, 'paybridge_outbox_oldest_age_seconds', 'Age of the oldest outbox item not yet handled (0 when none)', ['queue']),
    lag: gauge(registry, 'paybridge_job_lag_seconds', 'How late the worker is: now minus the due time of the earliest item that is due and not handled (0 when nothing is overdue)', ['queue']),
    attempts: total(registry, 'paybridge_webhook_attempts_total', 'Webhook delivery attempts by result: 2xx, 3xx, 4xx, 5xx, or error (no HTTP answer)', ['result']),
    deliveries: total(registry, 'paybridge_webhook_deliveries_total', 'Webhook deliveries finished: delivered, or failed after the last retry', ['status']),
    disabled: gauge(registry, 'paybridge_webhook_endpoints_disabled', 'Webhook endpoints disabled (410 Gone or too many consecutive failures)'),
    circuits: gauge(registry, 'paybridge_gateway_circuits_open', 'External gateways whose circuit breaker is open or half-open (calls skipped)'),
    emails: total(registry, 'paybridge_emails_total', 'E-mails sent, or failed after the last retry', ['status']),
  };

  const apply = (s: OperationsSnapshot, now: number) => {
    const payments = new Tally();
    const pending = new Tally();
    const captured = new Tally();
    const refunded = new Tally();
    const janitor = new Tally().add({ outcome: 'succeeded' }, 0).add({ outcome: 'failed' }, 0).add({ outcome: 'gave_up' }, 0);
    for (const t of s.transactions) {
      if (t.status === 'pending') { pending.add({ gateway: t.gateway, kind: t.kind }, t.count); continue; }
      const outcome = t.status === 'succeeded' ? 'succeeded' : FAULT_CODES.has(t.errorCode ?? '') ? 'failed' : 'declined';
      payments.add({ gateway: t.gateway, kind: t.kind, outcome }, t.count);
      if (t.status === 'succeeded' && t.kind === 'capture') captured.add({ currency: t.currency }, t.amount);
      if (t.status === 'succeeded' && t.kind === 'refund') refunded.add({ currency: t.currency }, t.amount);
      if (t.byJanitor) janitor.add({ outcome: t.errorCode === 'expired' ? 'gave_up' : t.status }, t.count);
    }
    m.payments(payments.map); m.pending(pending.map); m.captured(captured.map); m.refunded(refunded.map); m.janitor(janitor.map);
    const sessions = s.checkoutSessions;
    m.sessionsCreated(Object.values(sessions).reduce((a, b) => a + b, 0));
    m.sessionsCompleted(sessions['complete'] ?? 0); m.sessionsExpired(sessions['expired'] ?? 0); m.sessionsOpen(sessions['open'] ?? 0);

    const none: Backlog = { count: 0, oldestAt: null, earliestDueAt: null };
    const jobsBacklog = Object.entries(s.backlog.jobs).filter(([kind]) => kind !== 'email');
    const other: Backlog = {
      count: jobsBacklog.reduce((a, [, b]) => a + b.count, 0),
      oldestAt: jobsBacklog.reduce<number | null>((a, [, b]) => (b.oldestAt !== null && (a === null || b.oldestAt < a) ? b.oldestAt : a), null),
      earliestDueAt: jobsBacklog.reduce<number | null>((a, [, b]) => (b.earliestDueAt !== null && (a === null || b.earliestDueAt < a) ? b.earliestDueAt : a), null),
    };
    const queues: Record<string, Backlog> = { events: s.backlog.events, webhooks: s.backlog.webhooks, emails: s.backlog.jobs['email'] ?? none, jobs: other };
    const backlog = new Tally(); const oldest = new Tally(); const lag = new Tally();
    for (const [queue, b] of Object.entries(queues)) {
      backlog.add({ queue }, b.count);
      oldest.add({ queue }, b.oldestAt === null ? 0 : seconds(now - b.oldestAt));
      lag.add({ queue }, b.earliestDueAt === null ? 0 : seconds(now - b.earliestDueAt));
    }
    m.backlog(backlog.map); m.oldest(oldest.map); m.lag(lag.map);

    const attempts = new Tally();
    for (const result of ['2xx', '3xx', '4xx', '5xx', 'error']) attempts.add({ result }, s.webhookAttempts[result] ?? 0);
    m.attempts(attempts.map);
    m.deliveries(new Tally().add({ status: 'delivered' }, s.webhookDeliveries['delivered'] ?? 0).add({ status: 'failed' }, s.webhookDeliveries['failed'] ?? 0).map);
    m.disabled(s.endpointsDisabled);
    m.circuits((s.circuits['open'] ?? 0) + (s.circuits['half_open'] ?? 0));
    const emails = new Tally().add({ status: 'sent' }, 0).add({ status: 'failed' }, 0);
    for (const j of s.jobs) if (j.kind === 'email' && (j.status === 'done' || j.status === 'failed')) emails.add({ status: j.status === 'done' ? 'sent' : 'failed' }, j.count);
    m.emails(emails.map);
  };

  let last: { at: number; refresh: Promise<void> } | undefined;
  return () => {
    const now = performance.now();
    if (last && now - last.at < maxAgeMs) return last.refresh;
    const refresh = deps.store.operations.snapshot().then((s) => apply(s, deps.clock.now()));
    last = { at: now, refresh };
    refresh.catch(() => { last = undefined; }); // a failed refresh is tried again at the next scrape
    return refresh;
  };
}
