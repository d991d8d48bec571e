/**
 * What an operator sees: the log lines of the domain facts (captured from the app's pino stream) and the
 * business metrics at /metrics, driven through the HTTP API and the worker on each store. And, over the
 * whole flow, not one secret in the log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '../../src/adapters/undici-http-client.js';
import { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startFakeMerchant, type FakeMerchant } from '../helpers/fake-merchant.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { DIALECTS } from '../helpers/stores.js';

const CARD = { success: 'tok_sandbox_success_4242', decline: 'tok_sandbox_decline_0002', async: 'tok_sandbox_async_success_0077' };
const HOUR = 3600_000;
type Line = Record<string, unknown> & { msg: string; level: number; fact?: string };

describe.each(DIALECTS)('logs and metrics an operator can follow (%s)', (dialect) => {
  let t: TestApp;
  let text = '';
  let http: UndiciHttpClient;
  let worker: Worker;
  let receiver: Receiver;
  let buyer: { id: string; token: string };
  let endpoint: { id: string; secret: string };
  let merchant: FakeMerchant;
  let gatewaySecret = '';
  const mailed: string[] = [];

  beforeAll(async () => {
    const logs = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString('utf8'); done(); } });
    t = await testApp(dialect, { logs });
    http = new UndiciHttpClient({ allowPrivate: true });
    worker = new Worker(t.deps, { http, mailer: { send: async (m) => { mailed.push(m.messageId); } } }, { id: 'w1', random: () => 0.5, endpointFailureLimit: 2 });
    receiver = await startReceiver(500);
    merchant = await startFakeMerchant();
    buyer = await t.customerToken('operator-watched@example.com', 'Tr0ub4dor&3-in-the-log');
  });
  afterAll(async () => { await merchant?.close(); await receiver?.close(); await http?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  const lines = (): Line[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  const facts = (fact: string) => lines().filter((l) => l.fact === fact);
  /** The metric samples at /metrics, by `name{labels}` as Prometheus prints them. */
  async function scrape(): Promise<Map<string, number>> {
    const res = await t.request({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return new Map(res.body.split('\n').filter((l) => l.startsWith('paybridge_')).map((l) => {
      const at = l.lastIndexOf(' ');
      return [l.slice(0, at), Number(l.slice(at + 1))];
    }));
  }
  let buyers = 0;
  /** An order of course 2; each for a buyer of its own, since a buyer may not buy a course it owns again. */
  const order = async () => {
    const customer = buyers++ === 0 ? buyer : (await api('POST', '/customers', { email: `operator-watched-${buyers}@example.com` })).json() as { id: string };
    return (await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: [{ product_id: 2 }] })).json() as { id: number; total: number };
  };
  const pay = (id: number, token: string) => api('POST', `/orders/${id}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token } });

  it('logs a payment, a decline and a refund with their ids, and counts them by gateway, outcome and currency', async () => {
    const before = await scrape();
    const paid = await order();
    expect((await pay(paid.id, CARD.success)).statusCode).toBe(200);
    const declined = await order();
    const decline = await pay(declined.id, CARD.decline);
    expect(decline.json().transaction).toMatchObject({ status: 'failed', error_code: 'card_declined' });
    expect((await api('POST', `/orders/${paid.id}/refunds`, { amount: 1000 })).statusCode).toBe(200);

    const captured = facts('payment.succeeded').filter((l) => l.order_id === paid.id);
    expect(captured.map((l) => l.kind)).toEqual(['authorization', 'capture']);
    expect(captured[1]).toMatchObject({ level: 30, gateway_id: t.sandboxGatewayId, amount: paid.total, currency: 'USD', msg: `capture of ${paid.total} USD succeeded` });
    expect(captured[1]!.transaction_id).toEqual(expect.stringMatching(/^txn_/));
    expect(facts('payment.declined')).toEqual([expect.objectContaining({
      level: 30, order_id: declined.id, kind: 'authorization', reason_code: 'card_declined', amount: declined.total, gateway_id: t.sandboxGatewayId,
    })]);
    expect(facts('refund.succeeded')).toEqual([expect.objectContaining({ order_id: paid.id, kind: 'refund', amount: 1000, currency: 'USD' })]);

    const after = await scrape();
    const delta = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    expect(delta('paybridge_payments_total{gateway="sandbox",kind="authorization",outcome="succeeded"}')).toBe(1);
    expect(delta('paybridge_payments_total{gateway="sandbox",kind="capture",outcome="succeeded"}')).toBe(1);
    expect(delta('paybridge_payments_total{gateway="sandbox",kind="authorization",outcome="declined"}')).toBe(1);
    expect(delta('paybridge_payments_total{gateway="sandbox",kind="refund",outcome="succeeded"}')).toBe(1);
    expect(delta('paybridge_captured_amount_total{currency="USD"}')).toBe(paid.total);
    expect(delta('paybridge_refunded_amount_total{currency="USD"}')).toBe(1000);
  });

  it('shows the outbox backlog and its age until the worker runs, then logs each failed delivery and the endpoint it disables', async () => {
    const made = await api('POST', '/webhook-endpoints', { url: receiver.url, event_types: ['order.cancelled'] });
    expect(made.statusCode, made.body).toBe(201);
    endpoint = made.json();
    const cancelled = await order();
    expect((await api('POST', `/orders/${cancelled.id}/cancel`, {})).statusCode).toBe(200);
    expect(facts('order.cancelled')).toEqual([expect.objectContaining({ level: 30, order_id: cancelled.id, actor: expect.stringMatching(/^api_key:/) })]);

    t.clock.advance(90_000);
    const waiting = await scrape();
    expect(waiting.get('paybridge_outbox_backlog{queue="events"}')).toBeGreaterThanOrEqual(3);
    expect(waiting.get('paybridge_outbox_oldest_age_seconds{queue="events"}')).toBeGreaterThanOrEqual(90);
    expect(waiting.get('paybridge_job_lag_seconds{queue="events"}')).toBeGreaterThanOrEqual(90);
    expect(waiting.get('paybridge_outbox_backlog{queue="emails"}')).toBeGreaterThanOrEqual(1); // the receipt of the first test's payment

    await worker.drain(); // fans out, attempts once (500), sends the e-mails
    expect(receiver.received).toHaveLength(1);
    expect(facts('webhook.attempt_failed')).toEqual([expect.objectContaining({
      level: 40, endpoint_id: endpoint.id, event_type: 'order.cancelled', attempt: 1, status_code: 500, next_attempt_at: expect.any(String),
    })]);
    expect(facts('email.sent').length).toBe(mailed.length);
    expect(mailed.length).toBeGreaterThanOrEqual(1);
    const drained = await scrape();
    expect(drained.get('paybridge_outbox_backlog{queue="events"}')).toBe(0);
    expect(drained.get('paybridge_outbox_oldest_age_seconds{queue="events"}')).toBe(0);
    expect(drained.get('paybridge_outbox_backlog{queue="webhooks"}')).toBe(1); // waiting for its retry
    expect(drained.get('paybridge_job_lag_seconds{queue="webhooks"}')).toBe(0); // not due yet: not late
    expect(drained.get('paybridge_emails_total{status="sent"}')).toBe(mailed.length);

    t.clock.advance(HOUR);
    await worker.drain(); // the second failure reaches the limit of 2: the endpoint is disabled
    expect(facts('webhook.delivery_failed')).toEqual([]);
    expect(facts('webhook.endpoint_disabled')).toEqual([expect.objectContaining({ level: 40, endpoint_id: endpoint.id, reason: '2 consecutive failed attempts' })]);
    const final = await scrape();
    expect(final.get('paybridge_webhook_attempts_total{result="5xx"}')).toBe(2);
    expect(final.get('paybridge_webhook_attempts_total{result="2xx"}')).toBe(0);
    expect(final.get('paybridge_webhook_endpoints_disabled')).toBe(1);
    expect(final.get('paybridge_gateway_circuits_open')).toBe(0);
  });

  it('logs the session-expiry sweep and counts checkout sessions created, completed and expired', async () => {
    const before = await scrape();
    const shopper = await t.customerToken('operator-shopper@example.com');
    const paidSession = (await t.request({ method: 'POST', url: '/api/v1/checkout', auth: shopper.token, payload: { courses: [1] } })).json();
    const abandoned = (await t.request({ method: 'POST', url: '/api/v1/checkout', auth: shopper.token, payload: { courses: [3] } })).json();
    const paying = await pay(paidSession.order_id, CARD.success);
    expect(paying.statusCode, `${JSON.stringify(paidSession)} ${paying.body}`).toBe(200);
    expect((await scrape()).get('paybridge_checkout_sessions_open')).toBe((before.get('paybridge_checkout_sessions_open') ?? 0) + 2);
    t.clock.advance(25 * HOUR);
    await worker.drain();
    expect(facts('checkout.sessions_swept')).toEqual([expect.objectContaining({ level: 30, expired: 1, complete: 1, left_open: 0 })]);
    expect(facts('order.expired')).toEqual([expect.objectContaining({ order_id: abandoned.order_id, actor: 'system:session-expiry' })]);
    const after = await scrape();
    const delta = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    expect(delta('paybridge_checkout_sessions_created_total')).toBe(2);
    expect(delta('paybridge_checkout_sessions_completed_total')).toBe(1);
    expect(delta('paybridge_checkout_sessions_expired_total')).toBe(1);
    expect(after.get('paybridge_checkout_sessions_open')).toBe(0);
  });

  it('logs and counts what the janitor resolves, and an external gateway\'s circuit opening and reset', async () => {
    const before = await scrape();
    const slow = await order();
    const pending = await pay(slow.id, CARD.async);
    expect(pending.json().transaction).toMatchObject({ status: 'pending' });
    expect((await scrape()).get('paybridge_payments_pending{gateway="sandbox",kind="authorization"}')).toBe(1);
    t.clock.advance(60_000);
    await worker.drain();
    expect(facts('janitor.resolved')).toEqual([expect.objectContaining({
      level: 30, transaction_id: pending.json().transaction.id, order_id: slow.id, kind: 'authorization', outcome: 'succeeded',
    })]);
    expect(facts('payment.succeeded').filter((l) => l.order_id === slow.id && l.actor === 'system:janitor')).toHaveLength(1);
    const resolved = await scrape();
    expect((resolved.get('paybridge_janitor_resolutions_total{outcome="succeeded"}') ?? 0) - (before.get('paybridge_janitor_resolutions_total{outcome="succeeded"}') ?? 0)).toBe(1);
    expect(resolved.get('paybridge_payments_pending{gateway="sandbox",kind="authorization"}')).toBeUndefined();

    const gw = (await t.request({
      method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, name: 'Flaky PSP', authorize_url: `${merchant.url}/authorize`, timeout_ms: 500, circuit_failure_threshold: 1 },
    })).json();
    merchant.secret.value = gw.shared_secret;
    gatewaySecret = gw.shared_secret;
    const external = async () => api('POST', `/orders/${(await order()).id}/payments`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_x' }, capture: false });
    for (let i = 0; i < 2; i++) {
      merchant.script('/authorize', { status: 500, raw: 'down' });
      const res = await external();
      expect(res.json().transaction, res.body).toMatchObject({ status: 'failed', error_code: 'gateway_unavailable' });
    }
    expect(facts('circuit.opened')).toEqual([expect.objectContaining({ level: 40, gateway_id: gw.id, reason_code: 'gateway_unavailable' })]);
    expect((await external()).json().transaction).toMatchObject({ status: 'failed', error_code: 'circuit_open' });
    expect(facts('payment.failed').map((l) => [l.level, l.reason_code])).toEqual([[40, 'gateway_unavailable'], [40, 'gateway_unavailable'], [40, 'circuit_open']]);
    const open = await scrape();
    expect(open.get('paybridge_gateway_circuits_open')).toBe(1);
    expect(open.get('paybridge_payments_total{gateway="external",kind="authorization",outcome="failed"}')).toBe(3);

    expect((await t.request({ method: 'POST', url: `/api/v1/external-gateways/${gw.id}/reset-circuit`, auth: ADMIN_KEY })).statusCode).toBe(200);
    expect(facts('circuit.reset')).toEqual([expect.objectContaining({ level: 30, gateway_id: gw.id, state_before: 'open', actor: expect.stringMatching(/^api_key:/) })]);
    expect((await scrape()).get('paybridge_gateway_circuits_open')).toBe(0);
    expect(merchant.problems).toEqual([]);
  });

  it('never writes a secret to the log over the whole flow', async () => {
    const jwtSecret = await t.deps.store.settings.get('jwt_secret');
    const shop = (await t.request({ method: 'GET', url: `/api/v1/shops/${t.shopId}`, auth: ADMIN_KEY })).json();
    const secrets: Record<string, string | null | undefined> = {
      adminKey: ADMIN_KEY, integrationKey: INTEGRATION_KEY, customerPassword: 'Tr0ub4dor&3-in-the-log', accessToken: buyer.token,
      webhookSecret: endpoint.secret, jwtSecret, shopWebhookSecret: shop.webhook_secret, successCard: CARD.success, declineCard: CARD.decline, gatewaySharedSecret: gatewaySecret,
    };
    expect(lines().length).toBeGreaterThan(20);
    expect(text).toContain('request completed');
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret === undefined || secret === null) continue; // not exposed in this API: nothing to leak
      expect(text.includes(secret), `${name} is in the log`).toBe(false);
    }
    expect(text).not.toMatch(/whsec_|pb_(admin|integration)_/);
  });
});
