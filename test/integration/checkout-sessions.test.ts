/**
 * Checkout sessions opened by a platform's backend: a customer by id or external id (created on the fly),
 * server prices, the ownership rule, success and cancel URLs with the session id, metadata on the session,
 * the order and its events, expiry (by time or by the platform), and who may see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireCheckoutSessions } from '../../src/app/checkout/expire-sessions.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const GOOD = { expiry: '12/34', cvc: '123', name: 'Ada Lovelace' };

describe.each(DIALECTS)('checkout sessions (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, auth = INTEGRATION_KEY, headers: Record<string, string> = {}) =>
    t.request({ method, url: `/api/v1${url}`, auth, headers, ...(payload ? { payload } : {}) });
  const ext = () => `platform-user-${dialect}-${++n}`;
  const create = (payload: object, headers: Record<string, string> = {}) => api('POST', '/checkout-sessions', payload, INTEGRATION_KEY, headers);
  const newUser = (id = ext(), extra: object = {}) => ({ external_id: id, email: `${id}@example.com`, name: 'Ada Lovelace', ...extra });
  const events = async (orderId: number) => (await t.deps.store.events.list({ orderId }, { limit: 100 })).items;

  /** Pays a session on the hosted page like a browser: opens it (CSRF cookie and token), then submits the card. */
  async function payOnPage(sessionId: string, number = '4242 4242 4242 4242') {
    const page = await t.app.inject({ method: 'GET', url: `/pay/${sessionId}` });
    const cookie = page.cookies.find((c) => c.name === 'pb_csrf')!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return t.app.inject({
      method: 'POST', url: `/pay/${sessionId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pb_csrf=${cookie.value}` },
      payload: new URLSearchParams({ _csrf: token, number, ...GOOD }).toString(),
    });
  }

  it('creates the customer from its external id on the fly and answers the documented session, priced by the server', async () => {
    const user = newUser();
    const res = await create({
      customer: user, lines: [{ product_id: 1 }, { product_id: 2 }], promo_code: 'WELCOME10', metadata: { cart: 'c-1', plan: 'pro' },
      success_url: 'https://platform.example/paid?session={CHECKOUT_SESSION_ID}', cancel_url: 'https://platform.example/cart?s={CHECKOUT_SESSION_ID}',
    });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(Object.keys(s).sort()).toEqual(['amount_total', 'cancel_url', 'created_at', 'currency', 'customer_id', 'expires_at', 'id', 'metadata', 'object', 'order_id', 'status', 'success_url', 'url'].sort());
    expect(s).toMatchObject({
      object: 'checkout_session', status: 'open', url: `http://127.0.0.1:3000/pay/${s.id}`, amount_total: 13498, currency: 'USD',
      success_url: `https://platform.example/paid?session=${s.id}`, cancel_url: `https://platform.example/cart?s=${s.id}`,
      metadata: { cart: 'c-1', plan: 'pro' }, expires_at: new Date(t.clock.now() + 86_400_000).toISOString(),
    });
    expect(s.id).toMatch(/^cs_[A-Za-z0-9_-]{22,}$/);
    const customer = (await api('GET', `/customers?external_id=${user.external_id}`)).json().data[0];
    expect(customer).toMatchObject({ id: s.customer_id, email: user.email, first_name: 'Ada', has_password: false });
    const order = (await api('GET', `/orders/${s.order_id}`)).json();
    expect(order).toMatchObject({ customer_id: customer.id, total: 13498, promo_code: 'WELCOME10', metadata: { cart: 'c-1', plan: 'pro' } });
    expect((await api('GET', `/checkout-sessions/${s.id}`)).json()).toEqual(s);
  });

  it('refuses client prices, unknown fields, a bad expires_in, too much metadata and non-http URLs', async () => {
    const base = { customer: newUser(), lines: [{ product_id: 1 }] };
    for (const [body, field] of [
      [{ ...base, lines: [{ product_id: 1, unit_amount: 1 }] }, '/lines/0/unit_amount'],
      [{ ...base, amount_total: 1 }, '/amount_total'],
      [{ ...base, expires_in: 59 }, '/expires_in'],
      [{ ...base, expires_in: 86_401 }, '/expires_in'],
      [{ ...base, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, '/metadata'],
      [{ ...base, success_url: 'javascript:alert(1)' }, '/success_url'],
    ] as const) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const unknown = await create({ customer: { id: 'cus_nobody' }, lines: [{ product_id: 1 }] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.details).toEqual([expect.objectContaining({ field: '/customer' })]);
    const expires = await create({ ...base, customer: newUser(), expires_in: 60 });
    expect(expires.json().expires_at).toBe(new Date(t.clock.now() + 60_000).toISOString());
  });

  it('honours Idempotency-Key: a retry answers the same session, another body with the key is a 422', async () => {
    const body = { customer: newUser(), lines: [{ product_id: 3 }] };
    const key = `idem-${dialect}-${n}`;
    const first = await create(body, { 'idempotency-key': key });
    const retry = await create(body, { 'idempotency-key': key });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    expect((await create({ ...body, lines: [{ product_id: 2 }] }, { 'idempotency-key': key })).statusCode).toBe(422);
  });

  it('paying on the hosted page completes the session: the buyer lands on success_url, the event carries the session, order id and metadata', async () => {
    const user = newUser();
    const s = (await create({ customer: user, lines: [{ product_id: 3 }], metadata: { cart: 'c-9' }, success_url: 'https://platform.example/paid?s={CHECKOUT_SESSION_ID}' })).json();
    const paid = await payOnPage(s.id);
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`https://platform.example/paid?s=${s.id}`);
    expect((await api('GET', `/checkout-sessions/${s.id}`)).json()).toMatchObject({ status: 'complete' });
    const all = await events(s.order_id);
    // The order's last event, after its fulfillment: a receiver reading the enrollments on it finds them.
    expect(all.at(-1)!.type).toBe('checkout_session.completed');
    expect(all.map((e) => e.type)).toContain('purchase.fulfilled');
    const completed = all.filter((e) => e.type === 'checkout_session.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data).toEqual({
      checkout_session: expect.objectContaining({ id: s.id, status: 'complete', order_id: s.order_id, metadata: { cart: 'c-9' } }), order_id: s.order_id, metadata: { cart: 'c-9' },
    });
    // Every event of the order carries the metadata, through its order.
    for (const e of all.filter((x) => x.type !== 'checkout_session.completed')) expect((e.data as { order: { metadata: object } }).order.metadata).toEqual({ cart: 'c-9' });
    const enrollments = (await api('GET', `/enrollments?customer_id=${s.customer_id}`)).json().data;
    expect(enrollments).toEqual([expect.objectContaining({ course_id: 3, order_id: s.order_id, status: 'active' })]);
    // Coming back to the page again: no second event.
    await t.app.inject({ method: 'GET', url: `/pay/${s.id}` });
    expect((await events(s.order_id)).filter((e) => e.type === 'checkout_session.completed')).toHaveLength(1);
    // Owned now: a second session for the course is a 409 naming it, as in POST /orders and the course checkout.
    const again = await create({ customer: { external_id: user.external_id }, lines: [{ product_id: 4 }] });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'already_owned', message: `customer ${s.customer_id} already owns "Node.js Mastery" (course 3), included in "Full-Stack JavaScript Bundle"` });
  });

  it('without a success_url the buyer sees the receipt; the page\'s cancel link goes to cancel_url', async () => {
    const s = (await create({ customer: newUser(), lines: [{ product_id: 2 }], cancel_url: 'https://platform.example/cart?s={CHECKOUT_SESSION_ID}' })).json();
    const page = await t.app.inject({ method: 'GET', url: `/pay/${s.id}` });
    expect(page.body).toContain(`href="https://platform.example/cart?s=${s.id}"`);
    const paid = await payOnPage(s.id);
    expect(paid.headers.location).toBe(`/pay/${s.id}/done`);
  });

  it('expire: an open session only; its order is cancelled, checkout_session.expired written; then 409', async () => {
    const s = (await create({ customer: newUser(), lines: [{ product_id: 1 }], metadata: { cart: 'c-x' } })).json();
    const expired = await api('POST', `/checkout-sessions/${s.id}/expire`);
    expect(expired.statusCode, expired.body).toBe(200);
    expect(expired.json()).toMatchObject({ id: s.id, status: 'expired' });
    const order = (await api('GET', `/orders/${s.order_id}`)).json();
    expect(order.status).toBe('cancelled');
    expect(order.history).toContainEqual(expect.objectContaining({ to: 'cancelled', actor: expect.stringMatching(/^api_key:/) }));
    const e = (await events(s.order_id)).filter((x) => x.type === 'checkout_session.expired');
    expect(e.map((x) => x.data)).toEqual([{ checkout_session: expect.objectContaining({ id: s.id, status: 'expired' }), order_id: s.order_id, metadata: { cart: 'c-x' } }]);
    expect((await api('POST', `/checkout-sessions/${s.id}/expire`)).statusCode).toBe(409);
    expect((await payOnPage(s.id).catch(() => null))?.statusCode ?? 410).toBeGreaterThanOrEqual(400);
    // A paid session cannot be expired.
    const p = (await create({ customer: newUser(), lines: [{ product_id: 1 }] })).json();
    await payOnPage(p.id);
    expect((await api('POST', `/checkout-sessions/${p.id}/expire`)).statusCode).toBe(409);
  });

  it('a session whose time runs out expires with its event, once', async () => {
    const s = (await create({ customer: newUser(), lines: [{ product_id: 2 }], expires_in: 60 })).json();
    t.clock.advance(61_000);
    await expireCheckoutSessions(t.deps, t.clock.now());
    expect((await api('GET', `/checkout-sessions/${s.id}`)).json().status).toBe('expired');
    expect((await api('GET', `/orders/${s.order_id}`)).json().status).toBe('cancelled');
    await expireCheckoutSessions(t.deps, t.clock.now());
    expect((await events(s.order_id)).filter((x) => x.type === 'checkout_session.expired')).toHaveLength(1);
  });

  it('lists a customer\'s sessions, newest first; the sessions of the course checkout are not native sessions', async () => {
    const user = newUser();
    const a = (await create({ customer: user, lines: [{ product_id: 1 }] })).json();
    const b = (await create({ customer: { external_id: user.external_id }, lines: [{ product_id: 2 }] })).json();
    const listed = (await api('GET', `/checkout-sessions?customer_id=${a.customer_id}`)).json();
    expect(listed.data.map((x: { id: string }) => x.id)).toEqual([b.id, a.id]);
    const viaCheckout = (await api('POST', '/checkout', { courses: [3], customer: { id: a.customer_id } })).json();
    expect((await api('GET', `/checkout-sessions/${viaCheckout.session_id}`)).statusCode).toBe(404);
  });

  it('as an attacker: a customer token calls none of it; the session id is not guessable from another', async () => {
    const alice = newUser();
    const s = (await create({ customer: alice, lines: [{ product_id: 1 }] })).json();
    const token = (await api('POST', `/customers/${s.customer_id}/access-tokens`)).json().access_token as string;
    expect((await api('POST', '/checkout-sessions', { customer: newUser(), lines: [{ product_id: 1 }] }, token)).statusCode).toBe(403);
    expect((await api('GET', `/checkout-sessions/${s.id}`, undefined, token)).statusCode).toBe(403);
    expect((await api('GET', `/checkout-sessions?customer_id=${s.customer_id}`, undefined, token)).statusCode).toBe(403);
    expect((await api('POST', `/checkout-sessions/${s.id}/expire`, undefined, token)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: `/api/v1/checkout-sessions/${s.id}` })).statusCode).toBe(401);
    const other = (await create({ customer: newUser(), lines: [{ product_id: 1 }] })).json();
    expect(other.id.slice(0, 10)).not.toBe(s.id.slice(0, 10));
    expect((await api('GET', `/checkout-sessions/${s.id.slice(0, -1)}x`)).statusCode).toBe(404);
    // The admin key may open sessions too.
    expect((await api('POST', '/checkout-sessions', { customer: newUser(), lines: [{ product_id: 1 }] }, ADMIN_KEY)).statusCode).toBe(201);
  });
});
