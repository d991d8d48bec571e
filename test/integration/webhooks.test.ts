import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '../../src/adapters/undici-http-client.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { DIALECTS } from '../helpers/stores.js';
import { verifyWithLibrary } from '../helpers/verify-webhook.js';

const HOUR = 3600_000;

describe.each(DIALECTS)('outgoing webhooks (%s)', (dialect) => {
  let t: TestApp;
  let http: UndiciHttpClient;
  let worker: Worker;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await testApp(dialect);
    http = new UndiciHttpClient({ allowPrivate: true });
    worker = new Worker(t.deps, { http, mailer: { send: async () => {} } }, { id: 'w1', random: () => 0.5, endpointFailureLimit: 5 });
  });
  afterAll(async () => { await http.close(); await t.close(); });
  afterEach(async () => {
    // Each test has its own endpoint; switch the previous one off so it does not see later events.
    const list = await t.request({ method: 'GET', url: '/api/v1/webhook-endpoints?limit=100', auth: INTEGRATION_KEY });
    for (const e of list.json().data) await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${e.id}`, auth: INTEGRATION_KEY });
    await receiver?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });

  async function endpoint(eventTypes: string[] = ['*']) {
    receiver = await startReceiver();
    const res = await api('POST', '/webhook-endpoints', { url: receiver.url, event_types: eventTypes });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().secret).toMatch(/^whsec_/);
    return res.json() as { id: string; secret: string };
  }

  async function newOrder(): Promise<number> {
    return (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }] })).json().id;
  }

  async function deliveryOf(endpointId: string) {
    const list = await api('GET', `/webhook-deliveries?endpoint_id=${endpointId}`);
    const first = list.json().data[0];
    return (await api('GET', `/webhook-deliveries/${first.id}`)).json();
  }

  it('signs deliveries so the standardwebhooks library verifies them, each order\'s events numbered in order', async () => {
    const ep = await endpoint(['order.*']);
    const orderId = await newOrder();
    await api('POST', `/orders/${orderId}/cancel`, {});
    await worker.drain();
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.type, b.order_id, b.sequence])).toEqual([['order.created', orderId, 1], ['order.cancelled', orderId, 2]]);
    for (const r of receiver.received) {
      expect(verifyWithLibrary(ep.secret, r, t.clock.now())).toMatchObject({ order_id: orderId });
      expect(() => verifyWithLibrary(`whsec_${Buffer.from('another secret').toString('base64')}`, r, t.clock.now())).toThrow();
    }
    expect(receiver.received[0]!.headers['webhook-id']).toBe(bodies[0].id);
  });

  it('retries a failing receiver with backoff until it recovers, recording every attempt', async () => {
    await endpoint();
    receiver.script.push(500, 503);
    await newOrder();
    await worker.drain();
    expect(receiver.received).toHaveLength(1);
    t.clock.advance(5_000); // first retry after ~5 s
    await worker.drain();
    expect(receiver.received).toHaveLength(2);
    await worker.drain();
    expect(receiver.received).toHaveLength(2); // not due yet
    t.clock.advance(5 * 60_000 * 1.2);
    await worker.drain();
    expect(receiver.received).toHaveLength(3);
    const delivery = await deliveryOf((await api('GET', '/webhook-endpoints')).json().data[0].id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });
    expect(delivery.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 503, 200]);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('does not retry a 4xx, but retries 408 and 429', async () => {
    const ep = await endpoint();
    receiver.script.push(400);
    await newOrder();
    await worker.drain();
    t.clock.advance(HOUR);
    await worker.drain();
    expect(receiver.received).toHaveLength(1);
    expect(await deliveryOf(ep.id)).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 400 });

    receiver.script.push(429, 408);
    const second = await newOrder();
    await worker.drain();
    t.clock.advance(10_000);
    await worker.drain();
    t.clock.advance(10 * 60_000);
    await worker.drain();
    expect(receiver.received.filter((r) => JSON.parse(r.body).order_id === second)).toHaveLength(3);
  });

  it('disables the endpoint on 410 Gone, and a replay after re-enabling delivers', async () => {
    const ep = await endpoint();
    receiver.script.push(410);
    await newOrder();
    await worker.drain();
    const disabled = (await api('GET', `/webhook-endpoints/${ep.id}`)).json();
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: expect.stringContaining('410') });
    await newOrder();
    await worker.drain();
    expect(receiver.received).toHaveLength(1); // nothing goes to a disabled endpoint

    const delivery = await deliveryOf(ep.id);
    expect((await api('POST', `/webhook-deliveries/${delivery.id}/replay`)).statusCode).toBe(409);
    expect((await api('PATCH', `/webhook-endpoints/${ep.id}`, { enabled: true })).json()).toMatchObject({ enabled: true, disabled_reason: null });
    expect((await api('POST', `/webhook-deliveries/${delivery.id}/replay`)).statusCode).toBe(202);
    await worker.drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    expect((await api('GET', `/webhook-deliveries/${delivery.id}`)).json()).toMatchObject({ status: 'delivered' });
  });

  it('disables an endpoint after a run of consecutive failures', async () => {
    const ep = await endpoint();
    receiver.fallback = 500;
    for (let i = 0; i < 5; i++) await newOrder();
    await worker.drain();
    expect((await api('GET', `/webhook-endpoints/${ep.id}`)).json()).toMatchObject({ enabled: false, consecutive_failures: 5 });
  });

  it('counts only the failures after the last success, however the answers are grouped when recorded', async () => {
    const ep = await endpoint(['order.*']);
    receiver.fallback = 500;
    for (let i = 0; i < 2; i++) await newOrder();
    await worker.runOnce();
    expect((await api('GET', `/webhook-endpoints/${ep.id}`)).json()).toMatchObject({ enabled: true, consecutive_failures: 2 });

    // One order's two events go out one after the other: the first succeeds, the second fails.
    receiver.fallback = 204;
    receiver.script.push(204, 500);
    const orderId = await newOrder();
    await api('POST', `/orders/${orderId}/cancel`, {});
    await worker.runOnce();
    expect((await api('GET', `/webhook-endpoints/${ep.id}`)).json()).toMatchObject({ enabled: true, consecutive_failures: 1 });
    const pending = (await api('GET', `/webhook-deliveries?endpoint_id=${ep.id}&status=pending`)).json().data;
    expect(pending).toHaveLength(3); // every failed answer is retried later, none is lost
    const delivered = (await api('GET', `/webhook-deliveries?endpoint_id=${ep.id}&status=delivered`)).json().data;
    expect(delivered).toHaveLength(1);
    for (const d of [...pending, ...delivered]) {
      expect((await api('GET', `/webhook-deliveries/${d.id}`)).json().attempt_log).toHaveLength(1);
    }
  });

  it('sends a test ping on demand', async () => {
    const ep = await endpoint(['order.created']);
    const ping = await api('POST', `/webhook-endpoints/${ep.id}/test`);
    expect(ping.statusCode).toBe(202);
    await worker.drain();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['webhook.test']);
    expect((await api('GET', `/webhook-deliveries/${ping.json().delivery_id}`)).json()).toMatchObject({ status: 'delivered' });
  });

  it('refuses an unknown event type and a non-http URL, naming the field', async () => {
    const bad = await api('POST', '/webhook-endpoints', { url: 'http://127.0.0.1:1/x', event_types: ['order.exploded'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].field).toBe('/event_types/0');
    const ftp = await api('POST', '/webhook-endpoints', { url: 'ftp://127.0.0.1/x' });
    expect(ftp.json().error.details[0].field).toBe('/url');
  });
});
