/**
 * The hosted payment page through the HTTP app: summary, CSRF, field errors, declines and retries,
 * success redirects with fulfillment, asynchronous payments, expiry, and the security headers.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireCheckoutSessions } from '../../src/app/checkout/expire-sessions.js';
import { openCheckoutSession } from '../../src/app/checkout/sessions.js';
import { completeTransaction } from '../../src/app/payments/transactions.js';
import { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const CARDS = { success: '4242 4242 4242 4242', decline: '4000 0000 0000 0002', asyncOk: '4000 0000 0000 0077', asyncFail: '4000 0000 0000 0085' };
const GOOD = { expiry: '12/34', cvc: '123', name: 'Ada Lovelace' };
const SUCCESS_URL = 'https://shop.example/thanks?from=pb';
const CANCEL_URL = 'https://shop.example/cart';

interface Form { readonly cookie: string; readonly token: string }

describe.each(DIALECTS)('hosted payment page (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, auth: string = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });

  /** A new customer's order for `products`, and an open checkout session for it. */
  async function checkout(products = [1, 2, 3], options: { successUrl?: string | null; promo?: string } = {}) {
    const customer = (await api('POST', '/customers', { email: `buyer${++n}@example.com` }, ADMIN_KEY)).json() as { id: string };
    const created = await api('POST', '/orders', {
      shop_id: t.shopId, customer_id: customer.id, lines: products.map((id) => ({ product_id: id })), ...(options.promo ? { promo_code: options.promo } : {}),
    });
    expect(created.statusCode, created.body).toBe(201);
    const order = (await t.deps.store.orders.get(created.json().id))!;
    const session = await t.deps.store.tx((tx) => openCheckoutSession(t.deps, tx, order, {
      successUrl: options.successUrl === undefined ? SUCCESS_URL : options.successUrl, cancelUrl: CANCEL_URL,
    }));
    return { order, session, customerId: customer.id };
  }

  const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, ...(cookie ? { headers: { cookie } } : {}) });

  /** Opens the page like a browser: keeps the CSRF cookie and reads the form's token. */
  async function open(sessionId: string, cookie?: string): Promise<{ res: LightMyRequestResponse; form: Form }> {
    const res = await get(`/pay/${sessionId}`, cookie);
    const set = res.cookies.find((c) => c.name === 'pb_csrf');
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
    return { res, form: { cookie: set ? `pb_csrf=${set.value}` : cookie ?? '', token } };
  }

  const submit = (sessionId: string, fields: Record<string, string>, form?: Partial<Form>) => t.app.inject({
    method: 'POST', url: `/pay/${sessionId}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(form?.cookie ? { cookie: form.cookie } : {}) },
    payload: new URLSearchParams({ ...(form?.token ? { _csrf: form.token } : {}), ...fields }).toString(),
  });

  const payWith = async (sessionId: string, number: string, fields: Record<string, string> = {}) => {
    const { form } = await open(sessionId);
    return submit(sessionId, { number, ...GOOD, ...fields }, form);
  };

  const expectedSuccess = (sessionId: string, orderId: number) => `https://shop.example/thanks?from=pb&session_id=${sessionId}&order_id=${orderId}`;
  const enrolledCourses = async (orderId: number) =>
    ((await api('GET', `/enrollments?order_id=${orderId}`)).json().data as { course_id: number }[]).map((e) => e.course_id).sort();
  const transactions = (orderId: number) => t.deps.store.transactions.listByOrder(orderId);
  const drainWorker = () => new Worker(t.deps, { http: { post: async () => ({ status: 200, headers: {}, body: '' }) }, mailer: { send: async () => undefined } }, { id: 'test', random: () => 0.5 }).drain();

  it('shows the shop, the order lines and the total with the currency\'s decimals, with a CSRF token and the test cards', async () => {
    const { session } = await checkout([1, 2, 3]);
    const { res, form } = await open(session.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const text of ['Paybridge Demo Academy', 'JavaScript Fundamentals', 'Advanced React', 'Node.js Mastery', 'USD 49.99', 'USD 99.99']) expect(res.body).toContain(text);
    expect(res.body).toMatch(/id="total">USD 199\.97</);
    expect(res.body).toContain('Pay USD 199.97');
    expect(form.token.length).toBeGreaterThan(10);
    expect(res.headers['set-cookie']).toMatch(/pb_csrf=.+; Path=\/pay; HttpOnly; SameSite=Strict/);
    expect(res.body).toContain('4000 0000 0000 0002');
    for (const label of ['<label for="number">Card number', '<label for="expiry">Expiry (MM/YY)', '<label for="cvc">', '<label for="name">Name on card']) expect(res.body).toContain(label);
    expect(res.body).toContain(`href="${CANCEL_URL}"`);
  });

  it('shows a promo code discount and the discounted total', async () => {
    const { session, order } = await checkout([2], { promo: 'WELCOME10' });
    const { res } = await open(session.id);
    expect(order.discount).toBe(1000);
    expect(res.body).toContain('Discount (WELCOME10)');
    expect(res.body).toContain('−USD 10.00');
    expect(res.body).toMatch(/id="total">USD 89\.99</);
  });

  it('refuses a POST without a CSRF token, with a wrong one, or without the cookie (403) and takes no payment', async () => {
    const { session, order } = await checkout();
    const { form } = await open(session.id);
    const card = { number: CARDS.success, ...GOOD };
    for (const attempt of [{}, { cookie: form.cookie, token: 'not-the-token' }, { token: form.token }]) {
      const res = await submit(session.id, card, attempt);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('No payment was taken');
    }
    expect(await transactions(order.id)).toEqual([]);
  });

  it('answers a bad card number with a 422 naming the field, and never echoes the card number', async () => {
    const { session, order } = await checkout();
    const res = await payWith(session.id, '4242 4242 4242 4241');
    expect(res.statusCode).toBe(422);
    expect(res.body).toMatch(/id="number"[^>]*aria-invalid="true" aria-describedby="number-error"/);
    expect(res.body).toContain('<p class="field-error" id="number-error">The card number is not valid.</p>');
    expect(res.body).not.toContain('4241');
    expect(res.body).toContain('value="Ada Lovelace"');
    const expired = await payWith(session.id, CARDS.success, { expiry: '01/20' });
    expect(expired.statusCode).toBe(422);
    expect(expired.body).toContain('id="expiry-error">The card has expired.');
    const blanks = await payWith(session.id, CARDS.success, { expiry: 'soon', name: '', cvc: '' });
    expect(blanks.body).toContain('id="expiry-error">Enter the expiry date as MM/YY.');
    expect(blanks.body).toContain('id="cvc-error">Enter the security code.');
    expect(blanks.body).toContain('id="name-error">Enter the name on the card.');
    expect(await transactions(order.id)).toEqual([]);
  });

  it('shows a decline\'s reason and lets the buyer retry with another card', async () => {
    const { session, order } = await checkout();
    const declined = await payWith(session.id, CARDS.decline);
    expect(declined.statusCode).toBe(402);
    expect(declined.body).toContain('<div class="alert" role="alert">Your card was declined.</div>');
    expect((await t.deps.store.orders.get(order.id))!.paymentStatus).toBe('unpaid');
    const retry = await payWith(session.id, CARDS.success);
    expect(retry.statusCode).toBe(303);
    expect(retry.headers.location).toBe(expectedSuccess(session.id, order.id));
  });

  it('pays, fulfills and redirects to the success URL; a second POST or a reload shows the result and pays nothing more', async () => {
    const { session, order, customerId } = await checkout([1, 2, 3]);
    const { form } = await open(session.id);
    const res = await submit(session.id, { number: CARDS.success, ...GOOD }, form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(expectedSuccess(session.id, order.id));
    expect(await t.deps.store.orders.get(order.id)).toMatchObject({ status: 'placed', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled' });
    expect(await enrolledCourses(order.id)).toEqual([1, 2, 3]);
    expect((await t.deps.store.fulfillment.owned(customerId, [1, 2, 3])).length).toBe(3);
    expect((await t.deps.store.checkoutSessions.get(session.id))!.status).toBe('complete');
    const before = await transactions(order.id);
    const again = await submit(session.id, { number: CARDS.success, ...GOOD }, form);
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(expectedSuccess(session.id, order.id));
    const reload = await get(`/pay/${session.id}`);
    expect(reload.statusCode).toBe(303);
    expect(reload.headers.location).toBe(expectedSuccess(session.id, order.id));
    expect(await transactions(order.id)).toEqual(before);
    expect(JSON.stringify(before)).not.toContain('4242424242424242');
  });

  it('without a success URL the buyer lands on Paybridge\'s receipt', async () => {
    const { session } = await checkout([1], { successUrl: null });
    const res = await payWith(session.id, CARDS.success);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/pay/${session.id}/done`);
    const done = await get(res.headers.location as string);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Payment received');
  });

  it('on a two-stage shop an authorization completes the checkout, without capture or fulfillment', async () => {
    expect((await api('PATCH', `/shops/${t.shopId}`, { auto_capture: false }, ADMIN_KEY)).statusCode).toBe(200);
    try {
      const { session, order } = await checkout([2]);
      const res = await payWith(session.id, CARDS.success);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(expectedSuccess(session.id, order.id));
      expect(await t.deps.store.orders.get(order.id)).toMatchObject({ paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' });
    } finally {
      await api('PATCH', `/shops/${t.shopId}`, { auto_capture: true }, ADMIN_KEY);
    }
  });

  it('an asynchronous card shows a self-refreshing processing page that becomes the success redirect once the payment completes', async () => {
    const { session, order } = await checkout([1, 3]);
    const { form } = await open(session.id);
    const res = await submit(session.id, { number: CARDS.asyncOk, ...GOOD }, form);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Payment processing');
    expect(res.body).toContain(`<meta http-equiv="refresh" content="3;url=/pay/${session.id}/status">`);
    expect((await get(`/pay/${session.id}/status`)).body).toContain('Payment processing');
    const twice = await submit(session.id, { number: CARDS.success, ...GOOD }, form);
    expect(twice.body).toContain('Payment processing');
    const [authorization, ...others] = await transactions(order.id);
    expect(others).toEqual([]);
    t.clock.advance(11_000);
    await completeTransaction(t.deps, authorization!, { outcome: 'succeeded', amount: authorization!.amount }, 'system:test');
    await drainWorker(); // the capture that follows an asynchronous authorization on a single-stage shop
    const status = await get(`/pay/${session.id}/status`);
    expect(status.statusCode).toBe(303);
    expect(status.headers.location).toBe(expectedSuccess(session.id, order.id));
    expect(await t.deps.store.orders.get(order.id)).toMatchObject({ paymentStatus: 'paid', fulfillmentStatus: 'fulfilled' });
    expect(await enrolledCourses(order.id)).toEqual([1, 3]);
  });

  it('an asynchronous failure sends the buyer back to the form with the reason, and a retry can succeed', async () => {
    const { session, order } = await checkout([2]);
    expect((await payWith(session.id, CARDS.asyncFail)).body).toContain('Payment processing');
    const [authorization] = await transactions(order.id);
    await completeTransaction(t.deps, authorization!, { outcome: 'failed', errorCode: 'card_declined', errorMessage: 'The bank declined the payment.' }, 'system:test');
    const status = await get(`/pay/${session.id}/status`);
    expect(status.statusCode).toBe(303);
    expect(status.headers.location).toBe(`/pay/${session.id}`);
    const { res } = await open(session.id);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The bank declined the payment.');
    expect((await payWith(session.id, CARDS.success)).headers.location).toBe(expectedSuccess(session.id, order.id));
  });

  it('answers an unknown session with a 404 page', async () => {
    for (const url of ['/pay/cs_does_not_exist', '/pay/cs_does_not_exist/status', '/pay/cs_x/nothing/here']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Payment page not found');
    }
  });

  it('answers a cancelled order\'s page with 409: it can no longer be paid', async () => {
    const { session, order } = await checkout([1]);
    expect((await api('POST', `/orders/${order.id}/cancel`, {})).statusCode).toBe(200);
    const res = await get(`/pay/${session.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('This order can no longer be paid');
  });

  it('puts the security headers on every page response, and the CSP allows exactly the page\'s stylesheet', async () => {
    const { session } = await checkout([1]);
    const { res, form } = await open(session.id);
    const responses = [res, await get('/pay/cs_missing'), await submit(session.id, { number: CARDS.success }, {}), await submit(session.id, { number: 'x' }, form)];
    for (const r of responses) {
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers).toMatchObject({ 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    }
    expect(String(res.headers['content-security-policy'])).toContain("form-action 'self' https://shop.example");
    const css = /<style>([\s\S]*?)<\/style>/.exec(res.body)![1]!;
    expect(String(res.headers['content-security-policy'])).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    expect(res.body).not.toMatch(/<script|style="/);
    const redirect = await payWith(session.id, CARDS.success);
    expect(redirect.statusCode).toBe(303);
    expect(redirect.headers).toMatchObject({ 'x-frame-options': 'DENY', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  });

  it('expires sessions after 24 hours: an unpaid order is cancelled and gives back its promo code, the page answers 410', async () => {
    const promo = await api('POST', '/promo-codes', { shop_id: t.shopId, code: `ONCE${dialect}`, kind: 'percent_off', percent_off: 10, usage_limit: 1 }, ADMIN_KEY);
    expect(promo.statusCode, promo.body).toBe(201);
    const unpaid = await checkout([1], { promo: `ONCE${dialect}` });
    const usedUp = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }], promo_code: `ONCE${dialect}` });
    expect(usedUp.json().error?.code).toBe('promo_code_invalid'); // its one use is held by the open order
    const processing = await checkout([2]);
    const paidUnseen = await checkout([3]);
    const { form } = await open(unpaid.session.id);
    await payWith(processing.session.id, CARDS.asyncOk);
    await payWith(paidUnseen.session.id, CARDS.asyncOk);
    const [auth] = await transactions(paidUnseen.order.id);
    await completeTransaction(t.deps, auth!, { outcome: 'succeeded', amount: auth!.amount }, 'system:test');

    t.clock.advance(24 * 3600_000 + 1);
    expect(await expireCheckoutSessions(t.deps, t.clock.now(), 1000)).toBeGreaterThanOrEqual(2);
    expect(await expireCheckoutSessions(t.deps, t.clock.now(), 1000)).toBe(0);

    expect(await t.deps.store.orders.get(unpaid.order.id)).toMatchObject({ status: 'cancelled', paymentStatus: 'unpaid' });
    await checkout([1], { promo: `ONCE${dialect}` }); // its only use was given back
    const events = (await t.deps.store.events.list({ orderId: unpaid.order.id, type: 'order.expired' }, { limit: 10 })).items;
    expect(events).toHaveLength(1);
    expect((await t.deps.store.checkoutSessions.get(unpaid.session.id))!.status).toBe('expired');
    const page = await get(`/pay/${unpaid.session.id}`);
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('This payment link has expired');
    expect((await submit(unpaid.session.id, { number: CARDS.success, ...GOOD }, form)).statusCode).toBe(410);

    // A payment still in flight keeps its session open; once it fails, the next round ends the order.
    expect(await t.deps.store.orders.get(processing.order.id)).toMatchObject({ status: 'placed' });
    expect((await t.deps.store.checkoutSessions.get(processing.session.id))!.status).toBe('open');
    const [inFlight] = await transactions(processing.order.id);
    await completeTransaction(t.deps, inFlight!, { outcome: 'failed', errorCode: 'card_declined' }, 'system:test');
    expect(await expireCheckoutSessions(t.deps, t.clock.now(), 1000)).toBe(1);
    expect(await t.deps.store.orders.get(processing.order.id)).toMatchObject({ status: 'cancelled' });
    expect((await t.deps.store.checkoutSessions.get(processing.session.id))!.status).toBe('expired');
    expect((await t.deps.store.checkoutSessions.get(paidUnseen.session.id))!.status).toBe('complete');
  });

  it('rate-limits payment attempts per client address', async () => {
    const { session } = await checkout([1]);
    const results = await Promise.all(Array.from({ length: 35 }, () => submit(session.id, { number: CARDS.success })));
    const limited = results.filter((r) => r.statusCode === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body).toContain('Too many attempts');
    expect(limited[0]!.headers['x-frame-options']).toBe('DENY');
  });
});
