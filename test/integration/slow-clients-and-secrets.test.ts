/**
 * A client that trickles its request a byte at a time cannot hold a connection open for long, and a
 * response that carries a secret is never kept by a cache.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe('slow request bodies', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    t = await testApp('sqlite');
    app = await buildApp({ deps: t.deps, publicUrl: 'http://127.0.0.1', requestTimeoutMs: 1_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => { await app?.close(); await t?.close(); });

  it('a body trickled a byte at a time is cut off when the request timeout passes (408), not held open', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const started = Date.now();
    let answer = '';
    socket.on('data', (d) => { answer += d.toString(); });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(`POST /api/v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`);
    const trickle = setInterval(() => { if (!socket.destroyed) socket.write(' '); }, 200);
    await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    // Closed around the timeout (1 s, checked every second), long before the body could have finished.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe.each(DIALECTS)('responses that carry a secret (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });
  const call = (method: 'GET' | 'POST', url: string, payload?: object, auth = ADMIN_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const noStore = (res: { headers: Record<string, unknown> }) => expect(res.headers['cache-control']).toBe('no-store');

  it('send Cache-Control: no-store: new API keys, shop and endpoint secrets, gateway shared secrets, tokens', async () => {
    noStore(await call('POST', '/api-keys', { name: 'cache test', role: 'integration' }));
    const shop = await call('POST', '/shops', { name: 'Secret Shop', currency: 'EUR' });
    noStore(shop);
    noStore(await call('GET', `/shops/${shop.json().id}/secret`));
    const endpoint = await call('POST', '/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' }, INTEGRATION_KEY);
    noStore(endpoint);
    noStore(await call('GET', `/webhook-endpoints/${endpoint.json().id}/secret`, undefined, INTEGRATION_KEY));
    noStore(await call('POST', `/webhook-endpoints/${endpoint.json().id}/rotate-secret`, undefined, INTEGRATION_KEY));
    const gateway = await call('POST', '/external-gateways', { shop_id: t.shopId, name: 'Cache', authorize_url: 'http://127.0.0.1:9/authorize' });
    noStore(gateway);
    noStore(await call('GET', `/external-gateways/${gateway.json().id}/secret`));
    noStore(await t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'client_credentials', client_secret: INTEGRATION_KEY } }));
  });

  it('and ordinary reads do not', async () => {
    expect((await call('GET', '/shops')).headers['cache-control']).toBeUndefined();
  });
});
