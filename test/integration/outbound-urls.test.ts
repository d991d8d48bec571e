/**
 * Server-side request forgery: whoever may save a URL that Paybridge calls (a webhook endpoint, a payment
 * order's callback, a gateway) may not aim it at this machine, its cloud's metadata service or the private
 * network. Refused with a 422 naming the field when saved, and refused again when a connection is made
 * (a name may resolve elsewhere later) by the one outbound HTTP client — before anything is sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '../../src/adapters/undici-http-client.js';
import { deliverDue, fanOut } from '../../src/worker/deliver-webhooks.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const PRIVATE = [
  'http://127.0.0.1:3000/api/v1/api-keys', 'http://localhost:8080/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook',
  'http://10.1.2.3/hook', 'http://192.168.0.10/', 'http://0.0.0.0:22/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/',
  'https://[fd00::1]/', 'http://[fe80::1]/',
];

describe.each(DIALECTS)('outbound URLs reach public addresses only (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect, { allowPrivateUrls: false }); });
  afterAll(async () => { await t?.close(); });
  const api = (method: 'POST' | 'PATCH', url: string, payload: object, auth = INTEGRATION_KEY) => t.request({ method, url: `/api/v1${url}`, auth, payload });

  it.each(PRIVATE)('a webhook endpoint at %s is refused with a 422 naming /url', async (url) => {
    const res = await api('POST', '/webhook-endpoints', { url, event_types: ['*'] });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details).toEqual([{ field: '/url', message: expect.stringContaining('must reach a public address') }]);
  });

  it('a public address is accepted, and cannot be changed to a private one', async () => {
    const res = await api('POST', '/webhook-endpoints', { url: 'https://93.184.216.34/hooks', event_types: ['*'] });
    expect(res.statusCode, res.body).toBe(201);
    const patched = await api('PATCH', `/webhook-endpoints/${res.json().id}`, { url: 'http://169.254.169.254/' });
    expect(patched.statusCode).toBe(422);
    expect(patched.json().error.details[0].field).toBe('/url');
    expect((await api('POST', '/webhook-endpoints', { url: 'ftp://93.184.216.34/x' })).json().error.details[0]).toMatchObject({ field: '/url', message: 'must be an http or https URL' });
    // Nothing in these tests may call out: the endpoint goes before any event could be delivered to it.
    expect((await t.request({ method: 'DELETE', url: `/api/v1/webhook-endpoints/${res.json().id}`, auth: INTEGRATION_KEY })).statusCode).toBe(204);
  });

  it('an external gateway\'s URLs are checked one by one, at creation and on update', async () => {
    const created = await api('POST', '/external-gateways', { shop_id: t.shopId, name: 'Metadata', authorize_url: 'http://169.254.169.254/latest' }, ADMIN_KEY);
    expect(created.statusCode).toBe(422);
    expect(created.json().error.details[0].field).toBe('/authorize_url');
    const good = await api('POST', '/external-gateways', { shop_id: t.shopId, name: 'Public', authorize_url: 'https://93.184.216.34/authorize' }, ADMIN_KEY);
    expect(good.statusCode, good.body).toBe(201);
    const patched = await api('PATCH', `/external-gateways/${good.json().id}`, { capture_url: 'http://localhost:3000/api/v1/orders' }, ADMIN_KEY);
    expect(patched.statusCode).toBe(422);
    expect(patched.json().error.details[0].field).toBe('/capture_url');
  });

  it('a payment order\'s webhookUrl is checked', async () => {
    const res = await api('POST', '/payment-orders', {
      shopId: t.shopId, order: { orderNumber: 'SSRF-1', cost: { amount: '5.00', currency: 'USD' } },
      paymentSettings: { redirectUrls: { success: 'https://shop.example/ok', failure: 'https://shop.example/ko' }, webhookUrl: 'http://127.0.0.1:5432/' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details[0].field).toBe('/paymentSettings/webhookUrl');
  });

  it('a stored endpoint whose address is private is never called: the attempt fails before connecting, with no status or latency to learn from', async () => {
    const received: string[] = [];
    const server: Server = createServer((req, res) => { received.push(req.url ?? ''); res.end('ok'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`;
    const deps = t.deps;
    const planted = await deps.store.webhooks.insertEndpoint({
      id: deps.ids.next('we'), shopId: null, url, secret: deps.signer.newSecret(), eventTypes: ['*'], description: 'planted',
      enabled: true, disabledReason: null, consecutiveFailures: 0,
    });
    await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }] } });
    const http = new UndiciHttpClient({ allowPrivate: false });
    // Belt and braces: whatever else is registered, nothing leaves this machine from a test.
    const onlyLoopback = { post: (r: Parameters<typeof http.post>[0]) => (new URL(r.url).hostname === '127.0.0.1' ? http.post(r) : Promise.reject(new Error('no traffic off this machine'))) };
    await fanOut(deps, 100);
    await deliverDue(deps, onlyLoopback, { owner: 'w', batchSize: 100, leaseMs: 60_000, timeoutMs: 2_000, endpointFailureLimit: 20, random: () => 0.5 });
    const deliveries = await deps.store.webhooks.listDeliveries({ endpointId: planted.id }, { limit: 100 });
    const attempted = deliveries.items.filter((d) => d.attempts > 0);
    expect(attempted.length).toBeGreaterThan(0);
    for (const d of attempted) expect(d).toMatchObject({ lastStatusCode: null, lastError: expect.stringContaining('not a public address') });
    expect(received).toEqual([]);
    await http.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('the outbound HTTP client', () => {
  let server: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => { received.push(req.url ?? ''); res.end('ok'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => { await new Promise<void>((r) => server.close(() => r())); });
  const post = (client: UndiciHttpClient, url: string) => client.post({ url, headers: {}, body: '{}', timeoutMs: 2_000 });

  it('checks every connection again: a name that now resolves to a private address is refused before anything is sent', async () => {
    const rebinding = new UndiciHttpClient({ allowPrivate: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    await expect(post(rebinding, `http://shop.example:${port}/hook`)).rejects.toThrow(/shop\.example resolves to 127\.0\.0\.1, which is not a public address/);
    await expect(post(rebinding, `http://127.0.0.1:${port}/hook`)).rejects.toThrow(/not a public address/);
    await expect(post(rebinding, `http://[::ffff:7f00:1]:${port}/hook`)).rejects.toThrow(/not a public address/);
    expect(received).toEqual([]);
    await rebinding.close();
  });

  it('calls private addresses when PAYBRIDGE_ALLOW_PRIVATE_URLS allows them', async () => {
    const open = new UndiciHttpClient({ allowPrivate: true });
    expect((await post(open, `http://127.0.0.1:${port}/allowed`)).status).toBe(200);
    expect(received).toEqual(['/allowed']);
    await open.close();
  });
});
