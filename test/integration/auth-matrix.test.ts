/**
 * Who may call what. Every route of the OpenAPI document has an entry in ROUTES naming the roles allowed
 * to call it; each route is then called with every kind of credential: none, bad ones, a revoked key,
 * a customer's token, and integration and admin keys presented three ways (Bearer, Basic, access token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { basic, clientToken, forgedAdminToken, newApiKey } from '../helpers/credentials.js';
import { DIALECTS } from '../helpers/stores.js';

type Role = 'customer' | 'integration' | 'admin';

interface Fixtures {
  readonly shopId: string;
  readonly customerId: string;
  readonly orderId: number;
  readonly promoId: string;
  readonly taxRateId: string;
  readonly gatewayId: string;
  readonly endpointId: string;
  readonly deliveryId: string;
  readonly eventId: string;
  /** A value never returned before, for unique fields (SKU, e-mail, code, country). */
  unique(): number;
  /** A tax rate made for this call, so deleting it succeeds once. */
  freshTaxRate(): Promise<string>;
  /** A webhook endpoint made for this call, so deleting it succeeds once. */
  freshEndpointId(): Promise<string>;
  /** An API key made for this call, so revoking it is harmless. */
  freshKeyId(): Promise<string>;
}

interface Entry {
  /** Roles that may call the route, or 'public' for routes that need no credential. */
  readonly roles: readonly Role[] | 'public';
  /** The value of the path's one parameter ({id}, {shopId}, …). */
  readonly id?: (f: Fixtures) => string | number | Promise<string | number>;
  readonly body?: (f: Fixtures) => object;
  /** What an allowed caller gets, when not the documented 2xx: see MONEY. */
  readonly allowed?: number;
  /** The route answers errors in its seed's envelope, not the native one. */
  readonly seed?: true;
}

const PLATFORM: Role[] = ['admin', 'integration'];
const ANYONE: Role[] = ['admin', 'integration', 'customer'];
const ADMIN: Role[] = ['admin'];
const letters = (n: number) => String.fromCharCode(65 + Math.floor(n / 26) % 26, 65 + n % 26);

/**
 * Routes that move money act on an order in a given payment state; payments.test.ts specifies what they do.
 * Here they are called on an order or transaction that does not exist: an allowed caller gets past the
 * role check to the 404, anyone else is stopped before.
 */
const MONEY: Entry = { roles: PLATFORM, id: () => 999_999, allowed: 404 };

const ROUTES: Record<string, Entry> = {
  'GET /health': { roles: 'public' },
  'POST /oauth/token': { roles: 'public', body: () => ({ grant_type: 'client_credentials', client_secret: INTEGRATION_KEY }) },
  'POST /api/v1/shops': { roles: ADMIN, body: (f) => ({ name: `Shop ${f.unique()}`, currency: 'EUR' }) },
  'GET /api/v1/shops': { roles: PLATFORM },
  'GET /api/v1/shops/{id}': { roles: PLATFORM, id: (f) => f.shopId },
  'PATCH /api/v1/shops/{id}': { roles: ADMIN, id: (f) => f.shopId, body: () => ({ clearing_days: 2 }) },
  'GET /api/v1/shops/{id}/secret': { roles: ADMIN, id: (f) => f.shopId },
  'POST /api/v1/products': {
    roles: ADMIN, body: (f) => ({ shop_id: f.shopId, title: 'Course', sku: `SKU-${f.unique()}`, prices: [{ currency: 'USD', amount: 100 }] }),
  },
  'GET /api/v1/products': { roles: ANYONE },
  'GET /api/v1/products/{id}': { roles: ANYONE, id: () => 1 },
  'PATCH /api/v1/products/{id}': { roles: ADMIN, id: () => 2, body: () => ({ description: 'Hooks, suspense and server components' }) },
  'POST /api/v1/customers': { roles: PLATFORM, body: (f) => ({ email: `matrix-${f.unique()}@example.com` }) },
  'GET /api/v1/customers': { roles: PLATFORM },
  'GET /api/v1/customers/me': { roles: ['customer'] },
  'PATCH /api/v1/customers/me': { roles: ['customer'], body: () => ({ first_name: 'Ada' }) },
  'GET /api/v1/customers/{id}': { roles: ANYONE, id: (f) => f.customerId },
  'PATCH /api/v1/customers/{id}': { roles: ANYONE, id: (f) => f.customerId, body: () => ({ last_name: 'Lovelace' }) },
  'POST /api/v1/promo-codes': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, code: `M${f.unique()}`, kind: 'percent_off', percent_off: 5 }) },
  'GET /api/v1/promo-codes': { roles: PLATFORM },
  'GET /api/v1/promo-codes/{id}': { roles: PLATFORM, id: (f) => f.promoId },
  'PATCH /api/v1/promo-codes/{id}': { roles: ADMIN, id: (f) => f.promoId, body: () => ({ usage_limit: 100 }) },
  'POST /api/v1/tax-rates': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, name: 'VAT', country: letters(f.unique()), percentage: 20 }) },
  'GET /api/v1/tax-rates': { roles: PLATFORM },
  'GET /api/v1/tax-rates/{id}': { roles: PLATFORM, id: (f) => f.taxRateId },
  'PATCH /api/v1/tax-rates/{id}': { roles: ADMIN, id: (f) => f.taxRateId, body: () => ({ name: 'Standard VAT' }) },
  'DELETE /api/v1/tax-rates/{id}': { roles: ADMIN, id: (f) => f.freshTaxRate() },
  'POST /api/v1/api-keys': { roles: ADMIN, body: () => ({ name: 'matrix', role: 'integration' }) },
  'GET /api/v1/api-keys': { roles: ADMIN },
  'POST /api/v1/api-keys/{id}/revoke': { roles: ADMIN, id: (f) => f.freshKeyId() },
  'POST /api/v1/orders': { roles: ANYONE, body: (f) => ({ shop_id: f.shopId, lines: [{ product_id: 1 }] }) },
  'GET /api/v1/orders': { roles: ANYONE },
  'GET /api/v1/orders/{id}': { roles: ANYONE, id: (f) => f.orderId },
  'POST /api/v1/orders/{id}/cancel': { roles: ANYONE, id: (f) => f.orderId, body: () => ({ reason: 'matrix' }) },
  'POST /api/v1/webhook-endpoints': { roles: PLATFORM, body: () => ({ url: 'https://hooks.example.com/paybridge' }) },
  'GET /api/v1/webhook-endpoints': { roles: PLATFORM },
  'GET /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.endpointId },
  'PATCH /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.endpointId, body: () => ({ description: 'matrix' }) },
  'DELETE /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.freshEndpointId() },
  'GET /api/v1/webhook-endpoints/{id}/secret': { roles: PLATFORM, id: (f) => f.endpointId },
  'POST /api/v1/webhook-endpoints/{id}/rotate-secret': { roles: PLATFORM, id: (f) => f.endpointId },
  'POST /api/v1/webhook-endpoints/{id}/test': { roles: PLATFORM, id: (f) => f.endpointId },
  'GET /api/v1/webhook-deliveries': { roles: PLATFORM },
  'GET /api/v1/webhook-deliveries/{id}': { roles: PLATFORM, id: (f) => f.deliveryId },
  'POST /api/v1/webhook-deliveries/{id}/replay': { roles: PLATFORM, id: (f) => f.deliveryId },
  'GET /api/v1/events': { roles: PLATFORM },
  'GET /api/v1/events/{id}': { roles: PLATFORM, id: (f) => f.eventId },
  'POST /api/v1/gateways': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, kind: 'manual', name: `Bank ${f.unique()}` }) },
  'GET /api/v1/gateways': { roles: PLATFORM },
  'GET /api/v1/gateways/{id}': { roles: PLATFORM, id: (f) => f.gatewayId },
  'GET /api/v1/enrollments': { roles: ANYONE },
  'GET /api/v1/orders/{id}/seat-codes': { roles: ANYONE, id: (f) => f.orderId },
  'POST /api/v1/orders/{id}/payments': { ...MONEY, body: () => ({ gateway_id: 'gw_none' }) },
  'POST /api/v1/orders/{id}/capture': { ...MONEY, body: () => ({ amount: 100 }) },
  'POST /api/v1/orders/{id}/void': MONEY,
  'POST /api/v1/orders/{id}/refunds': { ...MONEY, body: () => ({ amount: 100 }) },
  'POST /api/v1/transactions/{id}/confirm': { ...MONEY, id: () => 'txn_none', body: () => ({ outcome: 'succeeded' }) },
  'POST /api/v1/checkout': { roles: ['customer'], body: () => ({ courses: [2] }), seed: true },
};

/** The kinds of caller, each with the Authorization header it sends (undefined: none). */
type Group = 'anonymous' | 'bad' | 'revoked' | Role;
interface Credential { readonly name: string; readonly group: Group; readonly header: string | undefined }

describe.each(DIALECTS)('who may call which route (%s)', (dialect) => {
  let t: TestApp;
  let fixtures: Fixtures;
  let credentials: Credential[];
  let openapi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

  beforeAll(async () => {
    t = await testApp(dialect);
    const admin = (method: 'POST' | 'GET', url: string, payload?: object) => t.request({ method, url, auth: ADMIN_KEY, ...(payload ? { payload } : {}) });
    const customer = await t.customerToken('matrix-owner@example.com');
    const order = await t.request({ method: 'POST', url: '/api/v1/orders', auth: customer.token, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }] } });
    const promo = await admin('POST', '/api/v1/promo-codes', { shop_id: t.shopId, code: 'MATRIX', kind: 'amount_off', amount: 100, currency: 'USD' });
    const tax = await admin('POST', '/api/v1/tax-rates', { shop_id: t.shopId, name: 'Default', percentage: 10 });
    const gateways = await admin('GET', `/api/v1/gateways?shop_id=${t.shopId}`);
    const endpoint = async () => (await admin('POST', '/api/v1/webhook-endpoints', { url: 'https://hooks.example.com/matrix' })).json().id as string;
    const endpointId = await endpoint();
    const ping = await admin('POST', `/api/v1/webhook-endpoints/${endpointId}/test`);
    const events = await admin('GET', '/api/v1/events?limit=1');
    let n = 0;
    const unique = () => ++n;
    fixtures = {
      shopId: t.shopId, customerId: customer.id, orderId: order.json().id, promoId: promo.json().id, taxRateId: tax.json().id,
      gatewayId: gateways.json().data[0].id, endpointId, deliveryId: ping.json().delivery_id, eventId: events.json().data[0].id,
      unique, freshEndpointId: endpoint,
      async freshTaxRate() {
        return (await admin('POST', '/api/v1/tax-rates', { shop_id: t.shopId, name: 'Temp', country: letters(unique()), percentage: 1 })).json().id;
      },
      async freshKeyId() { return (await newApiKey(t, 'integration')).id; },
    };

    const revoked = await newApiKey(t, 'integration', 'to be revoked');
    const revokedToken = await clientToken(t, revoked.key);
    expect((await admin('POST', `/api/v1/api-keys/${revoked.id}/revoke`)).statusCode).toBe(200);
    const three = (role: 'admin' | 'integration', key: string, token: string): Credential[] => [
      { name: `${role} key as Bearer`, group: role, header: `Bearer ${key}` },
      { name: `${role} key as Basic`, group: role, header: basic(key) },
      { name: `${role} access token`, group: role, header: `Bearer ${token}` },
    ];
    credentials = [
      { name: 'no credential', group: 'anonymous', header: undefined },
      { name: 'unknown key as Bearer', group: 'bad', header: 'Bearer pb_live_this_key_does_not_exist' },
      { name: 'unknown key as Basic', group: 'bad', header: basic('pb_live_this_key_does_not_exist') },
      { name: 'token signed with another secret', group: 'bad', header: `Bearer ${await forgedAdminToken(t, 'key_x')}` },
      { name: 'unknown scheme', group: 'bad', header: `Token ${ADMIN_KEY}` },
      { name: 'revoked key as Bearer', group: 'revoked', header: `Bearer ${revoked.key}` },
      { name: 'revoked key as Basic', group: 'revoked', header: basic(revoked.key) },
      { name: 'token of a revoked key', group: 'revoked', header: `Bearer ${revokedToken}` },
      { name: 'customer access token', group: 'customer', header: `Bearer ${customer.token}` },
      ...three('integration', INTEGRATION_KEY, await clientToken(t, INTEGRATION_KEY)),
      ...three('admin', ADMIN_KEY, await clientToken(t, ADMIN_KEY)),
    ];
    openapi = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => { await t?.close(); });

  it('has an entry for every route the OpenAPI document lists, and none for routes it does not', () => {
    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it.each(Object.keys(ROUTES))('%s answers each caller as its roles say', async (route) => {
    const entry = ROUTES[route]!;
    const [method, path] = route.split(' ') as [string, string];
    const documented = openapi.paths[path]?.[method.toLowerCase()];
    expect(documented, `${route} is not in /openapi.json`).toBeDefined();
    const success = Number(Object.keys(documented!.responses).find((s) => s.startsWith('2')));

    const expected: Record<string, number> = {};
    const actual: Record<string, number> = {};
    // A public route is specified here only for callers without a credential: the token endpoint reads
    // an Authorization header as OAuth client authentication, which oauth.test.ts specifies.
    for (const c of entry.roles === 'public' ? credentials.filter((x) => x.group === 'anonymous') : credentials) {
      expected[c.name] = entry.roles === 'public' ? success
        : c.group === 'anonymous' || c.group === 'bad' || c.group === 'revoked' ? 401
          : entry.roles.includes(c.group) ? entry.allowed ?? success : 403;
      const url = entry.id ? path.replace(/\{\w+\}/, String(await entry.id(fixtures))) : path;
      const res = await t.request({
        method: method as 'GET', url, headers: c.header ? { authorization: c.header } : {},
        ...(entry.body ? { payload: entry.body(fixtures) } : {}),
      });
      actual[c.name] = res.statusCode;
      if (res.statusCode === 401 && entry.roles !== 'public') expect(res.headers['www-authenticate']).toMatch(/Bearer/);
      if (!entry.seed && (res.statusCode === 401 || res.statusCode === 403)) {
        expect(res.json().error.code).toBe(res.statusCode === 401 ? 'unauthenticated' : 'forbidden');
      }
    }
    expect(actual).toEqual(expected);
  });

  describe('a customer only ever sees itself', () => {
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let aliceOrder: number;

    beforeAll(async () => {
      alice = await t.customerToken('alice@example.com');
      bob = await t.customerToken('bob@example.com');
      const order = await t.request({ method: 'POST', url: '/api/v1/orders', auth: alice.token, payload: { shop_id: t.shopId, lines: [{ product_id: 3 }] } });
      aliceOrder = order.json().id;
    });

    type Target = { order: number; customer: string };
    it.each([
      ['GET', 'order', (x: Target) => `/api/v1/orders/${x.order}`, undefined],
      ['GET', 'order\'s seat codes', (x: Target) => `/api/v1/orders/${x.order}/seat-codes`, undefined],
      ['POST', 'order cancellation', (x: Target) => `/api/v1/orders/${x.order}/cancel`, {}],
      ['GET', 'customer record', (x: Target) => `/api/v1/customers/${x.customer}`, undefined],
      ['PATCH', 'customer record', (x: Target) => `/api/v1/customers/${x.customer}`, { first_name: 'Mallory' }],
    ] as const)('%s of another customer\'s %s is "not found", as if it did not exist', async (method, _what, url, payload) => {
      const as = (target: Target) => t.request({ method, url: url(target), auth: bob.token, ...(payload ? { payload } : {}) });
      const res = await as({ order: aliceOrder, customer: alice.id });
      expect(res.statusCode).toBe(404);
      const missing = await as({ order: 999_999, customer: 'cus_missing' });
      expect(missing.statusCode).toBe(404);
      expect(res.json().error.code).toBe(missing.json().error.code);
      const untouched = await t.request({ method: 'GET', url: `/api/v1/orders/${aliceOrder}`, auth: alice.token });
      expect(untouched.json()).toMatchObject({ status: 'pending' });
      expect((await t.request({ method: 'GET', url: '/api/v1/customers/me', auth: alice.token })).json().first_name).toBeNull();
    });

    it('lists only its own orders, whatever customer_id it asks for', async () => {
      const mine = await t.request({ method: 'POST', url: '/api/v1/orders', auth: bob.token, payload: { shop_id: t.shopId, lines: [{ product_id: 2 }] } });
      const res = await t.request({ method: 'GET', url: `/api/v1/orders?customer_id=${alice.id}`, auth: bob.token });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((o: { id: number }) => o.id)).toEqual([mine.json().id]);
    });

    it('may not order on another customer\'s behalf', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/orders', auth: bob.token, payload: { shop_id: t.shopId, customer_id: alice.id, lines: [{ product_id: 1 }] } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: [{ field: '/customer_id' }] });
    });
  });
});
