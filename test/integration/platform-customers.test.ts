/**
 * A platform that signs its users in itself: customers carry the platform's own id (`external_id`) and no
 * password; the platform upserts them by that id, finds them, reads what they own, and mints short-lived
 * access tokens that see only that customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('platform-owned customers (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object, auth = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const upsert = (externalId: string, payload: object, auth = INTEGRATION_KEY) =>
    api('PUT', `/customers/by-external-id/${encodeURIComponent(externalId)}`, payload, auth);
  const unique = () => `${dialect}-${++n}`;

  it('PUT by external id creates the customer once (201), then answers 200 with the same customer, idempotently', async () => {
    const ext = `user-${unique()}`;
    const first = await upsert(ext, { email: `${ext}@example.com`, name: 'Ada Lovelace' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      object: 'customer', external_id: ext, email: `${ext}@example.com`, first_name: 'Ada', last_name: 'Lovelace', has_password: false,
    });
    const again = await upsert(ext, { email: `${ext}@example.com`, name: 'Ada Lovelace' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, external_id: ext, first_name: 'Ada' });
    const renamed = await upsert(ext, { first_name: 'Augusta' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: first.json().id, first_name: 'Augusta', last_name: 'Lovelace', email: `${ext}@example.com` });
    const found = await api('GET', `/customers?external_id=${encodeURIComponent(ext)}`);
    expect(found.json().data.map((c: { id: string }) => c.id)).toEqual([first.json().id]);
    const byEmail = await api('GET', `/customers?email=${encodeURIComponent(`${ext}@example.com`.toUpperCase())}`);
    expect(byEmail.json().data.map((c: { id: string }) => c.id)).toEqual([first.json().id]);
  });

  it('two concurrent first upserts of one external id end with one customer', async () => {
    const ext = `race-${unique()}`;
    const [a, b] = await Promise.all([upsert(ext, { email: `${ext}@example.com` }), upsert(ext, { email: `${ext}@example.com` })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().id).toBe(b.json().id);
    expect((await api('GET', `/customers?external_id=${ext}`)).json().data).toHaveLength(1);
  });

  it('creating needs an e-mail; an external id is at most 255 characters and unique', async () => {
    const missing = await upsert(`nomail-${unique()}`, { name: 'No Mail' });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.details).toEqual([{ field: '/email', message: 'is required to create a customer' }]);
    expect((await upsert('x'.repeat(256), { email: `long${unique()}@example.com` })).statusCode).toBe(422);
    const long = 'y'.repeat(255);
    expect((await upsert(long, { email: `long${unique()}@example.com` })).statusCode).toBe(201);
    const ext = `dup-${unique()}`;
    expect((await api('POST', '/customers', { email: `${ext}@example.com`, external_id: ext })).statusCode).toBe(201);
    const dup = await api('POST', '/customers', { email: `${ext}-2@example.com`, external_id: ext });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.details).toEqual([{ field: '/external_id', message: 'is already used' }]);
  });

  it('links an existing customer by e-mail when it has no external id; refuses an e-mail owned by another external id', async () => {
    const email = `linked${unique()}@example.com`;
    const plain = (await api('POST', '/customers', { email, password: 'correct horse battery' })).json();
    const linked = await upsert(`linked-${n}`, { email });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toMatchObject({ id: plain.id, external_id: `linked-${n}`, has_password: true });
    const clash = await upsert(`other-${n}`, { email });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.details).toEqual([{ field: '/email', message: 'is used by a customer with another external_id' }]);
  });

  it('lists a customer\'s enrollments, orders and invoices for the platform', async () => {
    const customer = (await upsert(`owner-${unique()}`, { email: `owner${n}@example.com` })).json();
    const order = await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: [{ product_id: 1 }] });
    expect(order.statusCode, order.body).toBe(201);
    const paid = await api('POST', `/orders/${order.json().id}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token: 'tok_sandbox_success_4242' } });
    expect(paid.statusCode, paid.body).toBe(200);
    const invoice = await api('POST', '/invoices', { shop_id: t.shopId, customer_id: customer.id, amount: 1000, due_at: '2027-01-01T00:00:00Z' });
    expect(invoice.statusCode, invoice.body).toBe(201);
    const enrollments = (await api('GET', `/enrollments?customer_id=${customer.id}`)).json().data;
    expect(enrollments).toEqual([expect.objectContaining({ customer_id: customer.id, course_id: 1, order_id: order.json().id, status: 'active' })]);
    expect((await api('GET', `/orders?customer_id=${customer.id}`)).json().data.map((o: { id: number }) => o.id)).toEqual([order.json().id]);
    expect((await api('GET', `/invoices?customer_id=${customer.id}`)).json().data.map((i: { id: string }) => i.id)).toEqual([invoice.json().id]);
  });

  describe('access tokens minted by the platform', () => {
    const mint = (id: string, auth = INTEGRATION_KEY) => t.request({ method: 'POST', url: `/api/v1/customers/${id}/access-tokens`, auth });

    it('answer the password grant\'s token shape, seeing only that customer', async () => {
      const alice = (await upsert(`alice-${unique()}`, { email: `alice${n}@example.com` })).json();
      const bob = (await upsert(`bob-${unique()}`, { email: `bob${n}@example.com` })).json();
      const bobOrder = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: bob.id, lines: [{ product_id: 2 }] })).json();
      const res = await mint(alice.id);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['cache-control']).toContain('no-store');
      expect(res.json()).toEqual({ access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'Bearer', expires_in: 900 });
      const token = res.json().access_token as string;
      expect((await api('GET', '/customers/me', undefined, token)).json()).toMatchObject({ id: alice.id });
      // As an attacker holding Alice's token: Bob's customer, orders, enrollments are not there.
      expect((await api('GET', `/customers/${bob.id}`, undefined, token)).statusCode).toBe(404);
      expect((await api('GET', `/orders/${bobOrder.id}`, undefined, token)).statusCode).toBe(404);
      expect((await api('GET', '/orders', undefined, token)).json().data).toEqual([]);
      expect((await api('GET', `/enrollments?customer_id=${bob.id}`, undefined, token)).json().data).toEqual([]);
      expect((await api('POST', '/orders', { shop_id: t.shopId, customer_id: bob.id, lines: [{ product_id: 1 }] }, token)).statusCode).toBe(403);
      // …and none of the platform's routes.
      expect((await mint(bob.id, token)).statusCode).toBe(403);
      expect((await upsert(`evil-${n}`, { email: `evil${n}@example.com` }, token)).statusCode).toBe(403);
      expect((await api('GET', `/customers?external_id=bob-${n}`, undefined, token)).statusCode).toBe(403);
      // A password change needs the current password, and a platform-owned account has none.
      expect((await api('PATCH', '/customers/me', { password: 'a new password 1' }, token)).statusCode).toBe(403);
    });

    it('name the minting key in the order history, and stop working when the key is revoked', async () => {
      const key = (await api('POST', '/api-keys', { name: 'platform backend', role: 'integration' }, ADMIN_KEY)).json();
      const carol = (await upsert(`carol-${unique()}`, { email: `carol${n}@example.com` })).json();
      const token = (await mint(carol.id, key.key)).json().access_token as string;
      const order = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 3 }] }, token);
      expect(order.statusCode, order.body).toBe(201);
      expect(order.json().customer_id).toBe(carol.id);
      const cancelled = await api('POST', `/orders/${order.json().id}/cancel`, undefined, token);
      expect(cancelled.json().history).toContainEqual(expect.objectContaining({ axis: 'status', to: 'cancelled', actor: `api_key:${key.id}` }));
      expect((await api('POST', `/api-keys/${key.id}/revoke`, undefined, ADMIN_KEY)).statusCode).toBeLessThan(300);
      expect((await api('GET', '/customers/me', undefined, token)).statusCode).toBe(401);
    });

    it('404 for an unknown customer; 401 without a key', async () => {
      expect((await mint('cus_nobody')).statusCode).toBe(404);
      expect((await t.request({ method: 'POST', url: '/api/v1/customers/cus_nobody/access-tokens' })).statusCode).toBe(401);
    });
  });
});
