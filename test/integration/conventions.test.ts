/**
 * What holds for every request: the error envelope, the request id, Idempotency-Key, the OpenAPI
 * document and the docs page built from it, health and metrics, and logs that never hold a secret.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { basic } from '../helpers/credentials.js';
import { DIALECTS } from '../helpers/stores.js';

type Operation = { requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, { content?: Record<string, { schema?: object }> }> };
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * "METHOD /path/{}" for every route Fastify serves, read from its route tree; HEAD left out. Parameter names
 * are dropped: routes that share a segment print its names together (`:id|:shopId`).
 */
function servedRoutes(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/:\w+(\|:\w+)*/g, '{}');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

/** API routes, as opposed to pages for people and endpoints for machines (/metrics, /docs, hosted pages). */
const API = /^[A-Z]+ \/(api|v1|oauth)\//;

describe.each(DIALECTS)('API conventions (%s)', (dialect) => {
  let t: TestApp;
  const orderBody = (customerId: string) => ({ shop_id: t.shopId, customer_id: customerId, lines: [{ product_id: 1 }] });
  const postOrder = (auth: string, key: string, payload: object) =>
    t.request({ method: 'POST', url: '/api/v1/orders', auth, headers: { 'idempotency-key': key }, payload });
  const ordersOf = async (customerId: string) =>
    (await t.request({ method: 'GET', url: `/api/v1/orders?customer_id=${customerId}`, auth: ADMIN_KEY })).json().data as { id: number }[];

  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  describe('the error envelope', () => {
    const json = { 'content-type': 'application/json' };
    it.each([
      ['an unknown route', { method: 'GET', url: '/api/v1/nothing-here' }, 404, 'route_not_found', undefined],
      ['a field that breaks the schema', { method: 'POST', url: '/api/v1/products', payload: { shop_id: 'x', title: 'T', sku: 'S', prices: [{ currency: 'USD', amount: 1.5 }] } }, 422, 'validation_failed', '/prices/0/amount'],
      ['a missing field', { method: 'POST', url: '/api/v1/shops', payload: { name: 'No currency' } }, 422, 'validation_failed', '/currency'],
      ['a number sent as a string', { method: 'POST', url: '/api/v1/products', payload: { shop_id: 'x', title: 'T', sku: 'S', prices: [{ currency: 'USD', amount: '100' }] } }, 422, 'validation_failed', '/prices/0/amount'],
      ['malformed JSON', { method: 'POST', url: '/api/v1/shops', headers: json, payload: '{"name": "x",' }, 400, 'malformed_request', undefined],
      ['a body that is not JSON', { method: 'POST', url: '/api/v1/shops', headers: { 'content-type': 'application/xml' }, payload: '<shop/>' }, 415, 'unsupported_media_type', undefined],
      ['a body over 256 KiB', { method: 'POST', url: '/api/v1/shops', headers: json, payload: JSON.stringify({ name: 'x'.repeat(256 * 1024), currency: 'USD' }) }, 413, 'payload_too_large', undefined],
    ] as const)('answers %s in the envelope, with the request id', async (_case, request, status, code, field) => {
      const res = await t.request({ ...request, auth: ADMIN_KEY });
      expect(res.statusCode).toBe(status);
      const body = res.json();
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toEqual({ code, message: expect.any(String), request_id: res.headers['x-request-id'], ...(field ? { details: expect.any(Array) } : {}) });
      if (field) expect(body.error.details).toContainEqual({ field, message: expect.any(String) });
    });

    it('puts an x-request-id on every response, a different one each time', async () => {
      const responses = await Promise.all([
        t.request({ method: 'GET', url: '/health' }), t.request({ method: 'GET', url: '/api/v1/shops' }),
        t.request({ method: 'GET', url: '/api/v1/shops', auth: ADMIN_KEY }), t.request({ method: 'GET', url: '/metrics' }),
        t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'nope' } }), t.request({ method: 'GET', url: '/docs' }),
      ]);
      const ids = responses.map((r) => r.headers['x-request-id']);
      for (const id of ids) expect(id).toMatch(/^req_\w+$/);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first response to a retry with the same key and body, creating nothing new', async () => {
      const customer = (await t.customerToken('retry@example.com')).id;
      const first = await postOrder(INTEGRATION_KEY, 'order-retry-1', orderBody(customer));
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const retry = await postOrder(INTEGRATION_KEY, 'order-retry-1', orderBody(customer));
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json()).toEqual(first.json());
      expect(await ordersOf(customer)).toHaveLength(1);
    });

    it('refuses the same key with another body', async () => {
      const customer = (await t.customerToken('reuse@example.com')).id;
      expect((await postOrder(INTEGRATION_KEY, 'order-reuse-1', orderBody(customer))).statusCode).toBe(201);
      const other = await postOrder(INTEGRATION_KEY, 'order-reuse-1', { ...orderBody(customer), lines: [{ product_id: 2 }] });
      expect(other.statusCode).toBe(422);
      expect(other.json().error.code).toBe('idempotency_key_reused');
      expect(await ordersOf(customer)).toHaveLength(1);
    });

    it('creates exactly one resource when two requests with one key arrive together', async () => {
      const customer = (await t.customerToken('race@example.com')).id;
      const results = await Promise.all([0, 1, 2].map(() => postOrder(INTEGRATION_KEY, 'order-race-1', orderBody(customer))));
      const original = results.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined);
      expect(original).toHaveLength(1);
      for (const r of results.filter((x) => x !== original[0])) {
        if (r.statusCode === 409) expect(r.json().error.code).toBe('idempotency_key_in_use');
        else expect({ status: r.statusCode, replayed: r.headers['idempotent-replayed'], id: r.json().id }).toEqual({ status: 201, replayed: 'true', id: original[0]!.json().id });
      }
      expect(await ordersOf(customer)).toHaveLength(1);
    });

    it('keeps keys per caller: another caller\'s identical key is a new request', async () => {
      const customer = (await t.customerToken('scoped@example.com')).id;
      const mine = await postOrder(INTEGRATION_KEY, 'shared-key', orderBody(customer));
      const theirs = await postOrder(ADMIN_KEY, 'shared-key', orderBody(customer));
      expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.json().id).not.toBe(mine.json().id);
      expect(await ordersOf(customer)).toHaveLength(2);
    });
  });

  describe('the OpenAPI document and the docs page', () => {
    let doc: OpenApi;
    beforeAll(async () => { doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json(); });
    const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ route: `${m.toUpperCase()} ${path}`, path, method: m, op })));

    it('is OpenAPI 3.1 and documents every API route the server answers, and only those', () => {
      expect(doc.openapi).toMatch(/^3\.1\./);
      const served = servedRoutes(t.app);
      const documented = operations().map((o) => o.route.replace(/\{\w+\}/g, '{}'));
      expect(served.filter((r) => API.test(r)).length).toBeGreaterThan(20);
      expect(documented).toEqual(expect.arrayContaining([...new Set(served.filter((r) => API.test(r))), 'GET /health']));
      expect(served).toEqual(expect.arrayContaining(documented));
    });

    it('gives every operation a 2xx response schema, and a request schema where it takes a body', () => {
      for (const { route, path, method, op } of operations()) {
        const [status, success] = Object.entries(op.responses).find(([s]) => s.startsWith('2')) ?? [];
        expect(success, `${route} has no 2xx response`).toBeDefined();
        if (status !== '204') expect(success!.content?.['application/json']?.schema, `${route} ${status}`).toBeDefined();
        // An action on one resource (POST /things/{id}/revoke) may take no body; everything else that writes does.
        const bodyless = method === 'post' && /\/\{\w+\}\/[a-z-]+$/.test(path);
        if (['post', 'put', 'patch'].includes(method) && !bodyless) {
          expect(op.requestBody?.content['application/json']?.schema, `${route} has no request schema`).toBeDefined();
        }
      }
    });

    it('serves /docs as Swagger UI on this document, from local assets, under a strict Content-Security-Policy', async () => {
      const res = await t.request({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets).toEqual(expect.arrayContaining(['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js']));
      for (const asset of assets) {
        expect(asset).toMatch(/^\/docs\/static\//);
        expect((await t.request({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
      }
      expect(res.body).not.toMatch(/<script>|<style>/);
      // The UI renders every operation of the document it loads (the browser test looks at it).
      expect((await t.request({ method: 'GET', url: '/docs/json' })).json()).toEqual(doc);
    });
  });

  describe('operations', () => {
    it('answers /health with 200 and the store in use', async () => {
      const res = await t.request({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: dialect });
    });

    it('counts requests by route and status at /metrics', async () => {
      await t.request({ method: 'GET', url: '/api/v1/shops' });
      const res = await t.request({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^paybridge_http_requests_total\{method="GET",route="\/api\/v1\/shops",status="401"\} [1-9]\d*$/m);
      expect(res.body).toContain('paybridge_http_request_duration_seconds_bucket');
    });
  });

  describe('logs', () => {
    let log = '';
    let logged: FastifyInstance;
    beforeAll(async () => {
      const stream = new Writable({ write(chunk: Buffer, _encoding, done) { log += chunk.toString('utf8'); done(); } });
      logged = await buildApp({ deps: t.deps, publicUrl: 'http://127.0.0.1:3000', tokenRateLimit: 10_000, logger: { level: 'trace', stream } });
      await logged.ready();
    });
    afterAll(async () => { await logged?.close(); });

    it('never contain an API key, a password or a token, even when a request fails', async () => {
      const password = 'Sw0rdfish-in-the-log?';
      const call = (method: 'GET' | 'POST' | 'PATCH', url: string, authorization: string | undefined, payload?: object) =>
        logged.inject({ method, url, headers: authorization ? { authorization } : {}, ...(payload ? { payload } : {}) });
      const made = await call('POST', '/api/v1/customers', `Bearer ${ADMIN_KEY}`, { email: 'logged@example.com', password });
      expect(made.statusCode).toBe(201);
      const signIn = (await call('POST', '/oauth/token', undefined, { grant_type: 'password', username: 'logged@example.com', password })).json();
      const client = (await call('POST', '/oauth/token', undefined, { grant_type: 'client_credentials', client_secret: INTEGRATION_KEY })).json();
      await call('POST', '/oauth/token', undefined, { grant_type: 'refresh_token', refresh_token: signIn.refresh_token });
      await call('POST', '/oauth/token', basic('key_x', ADMIN_KEY), { grant_type: 'client_credentials' });
      await call('POST', '/oauth/token', undefined, { grant_type: 'password', username: 'logged@example.com', password: `${password}!` });
      await call('GET', '/api/v1/customers/me', `Bearer ${signIn.access_token}`);
      await call('GET', '/api/v1/shops', `Bearer ${client.access_token}`);
      await call('GET', '/api/v1/shops', basic(INTEGRATION_KEY));
      await call('GET', '/api/v1/api-keys', `Bearer ${INTEGRATION_KEY}`);
      await call('PATCH', `/api/v1/customers/${made.json().id}`, `Bearer ${ADMIN_KEY}`, { password: 'short' });

      expect(log).toContain('request completed');
      const secrets = { password, adminKey: ADMIN_KEY, integrationKey: INTEGRATION_KEY, accessToken: signIn.access_token, clientToken: client.access_token, refreshToken: signIn.refresh_token };
      for (const [name, secret] of Object.entries(secrets)) {
        expect(secret).toEqual(expect.any(String));
        expect(log.includes(secret), `${name} is in the log`).toBe(false);
        expect(log.includes(Buffer.from(`${secret}:`).toString('base64')), `${name} is in the log as Basic`).toBe(false);
      }
    });
  });
});
