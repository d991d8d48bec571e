/**
 * Hosted payments of a shop whose checkout pays through Stripe: the hosted page sends the buyer to a Stripe
 * Checkout Session priced by the server, the return page re-reads the payment from Stripe (a forged return
 * changes nothing), single- and two-stage capture, a session that expired, and the events that race the buyer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckoutSession } from '../../src/app/checkout/sessions.js';
import { resolvePendingTransactions } from '../../src/app/payments/janitor.js';
import { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';
import { DIALECTS } from '../helpers/stores.js';

const SUCCESS_URL = 'https://shop.example/thanks';
const CANCEL_URL = 'https://shop.example/cart';

describe.each(DIALECTS)('hosted checkout through Stripe Checkout (%s)', (dialect) => {
  let t: TestApp;
  let s: StripeTestServer;
  let gatewayId: string;
  let n = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    s = await startStripeServer({ now: () => t.clock.now() });
    const created = await t.request({
      method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, kind: 'stripe', secret_key: s.secretKey, webhook_secret: s.webhookSecret, api_base: s.url, timeout_ms: 1000 },
    });
    expect(created.statusCode, created.body).toBe(201);
    gatewayId = created.json().id;
  });
  afterAll(async () => { await s?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object, auth: string = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const worker = () => new Worker(t.deps, { http: { post: async () => { throw new Error('no network here') } }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 }).runOnce();

  async function checkout(products = [1, 2]) {
    const customer = (await api('POST', '/customers', { email: `stripe-hosted${++n}@example.com` }, ADMIN_KEY)).json() as { id: string };
    const created = await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: products.map((id) => ({ product_id: id })) });
    expect(created.statusCode, created.body).toBe(201);
    const order = (await t.deps.store.orders.get(created.json().id))!;
    const session = await t.deps.store.tx((tx) => openCheckoutSession(t.deps, tx, order, { successUrl: SUCCESS_URL, cancelUrl: CANCEL_URL }));
    return { order, session };
  }
  /** The buyer on Stripe's page: pays with a test payment method; returns where Stripe sends them. */
  const payOnStripe = async (url: string, pm = 'pm_card_visa') =>
    (await fetch(url, { method: 'POST', body: new URLSearchParams({ payment_method: pm }), redirect: 'manual' })).headers.get('location')!;
  const readOrder = async (id: number) => (await api('GET', `/orders/${id}`)).json();

  it('sends the buyer to a Stripe Checkout Session priced by the server, and the return re-reads the payment from Stripe', async () => {
    const { order, session } = await checkout();
    const page = await get(`/pay/${session.id}`);
    expect(page.statusCode).toBe(303);
    const stripeUrl = page.headers.location as string;
    expect(stripeUrl).toMatch(new RegExp(`^${s.url}/c/pay/cs_test_`));
    const cs = [...s.checkoutSessions.values()].at(-1)!;
    expect(cs).toMatchObject({
      amount_total: order.total, currency: 'usd', client_reference_id: String(order.id),
      success_url: `http://127.0.0.1:3000/pay/${session.id}/stripe-return`, cancel_url: `http://127.0.0.1:3000/pay/${session.id}/stripe-cancel`,
      metadata: { paybridge_order_id: String(order.id), paybridge_checkout_session: session.id },
      payment_intent_data: { capture_method: 'automatic' },
    });
    const lines = await t.deps.store.orders.lines(order.id);
    expect(cs['lines'].map((l: { description: string }) => l.description)).toEqual(lines.map((l) => l.title));
    const create = s.requests.find((r) => r.path === '/v1/checkout/sessions')!;
    expect(create.idempotencyKey).toMatch(/^pb_txn_/);

    // Opening the page again while the Stripe page is open sends the buyer back to the same one.
    expect((await get(`/pay/${session.id}`)).headers.location).toBe(stripeUrl);
    // A return that did not come from a payment changes nothing: the payment is read from Stripe.
    const forged = await get(`/pay/${session.id}/stripe-return?session_id=${cs['id']}`);
    expect((await readOrder(order.id)).payment_status).toBe('unpaid');
    expect(forged.statusCode).toBe(200); // the processing page: still waiting for Stripe

    const back = await payOnStripe(stripeUrl);
    expect(back).toBe(`http://127.0.0.1:3000/pay/${session.id}/stripe-return`);
    const returned = await get(new URL(back).pathname);
    // Authorized and charged at once (capture_method automatic); the capture is recorded by the worker.
    expect((await readOrder(order.id)).transactions[0]).toMatchObject({ kind: 'authorization', status: 'succeeded', amount: order.total });
    expect([200, 303]).toContain(returned.statusCode);
    await worker();
    expect(await readOrder(order.id)).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    const done = await get(`/pay/${session.id}`);
    expect(done.headers.location).toBe(`${SUCCESS_URL}?session_id=${session.id}&order_id=${order.id}`);
    // The events that arrive afterwards find nothing left to do.
    const event = s.events.find((e) => e['type'] === 'checkout.session.completed' && e['data'].object.id === cs['id'])!;
    const { body, header } = s.signed(event);
    const res = await t.request({ method: 'POST', url: `/webhooks/stripe/${gatewayId}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body });
    expect(res.json()).toMatchObject({ status: 'processed', transactions: [] });
  });

  it('a checkout session a platform opened through the API pays on Stripe and completes: success_url, checkout_session.completed with its metadata', async () => {
    const created = await api('POST', '/checkout-sessions', {
      customer: { external_id: `stripe-user-${++n}`, email: `stripe-platform${n}@example.com`, name: 'Ada Lovelace' },
      lines: [{ product_id: 2 }], metadata: { cart: 'c-stripe' }, success_url: 'https://platform.example/paid?s={CHECKOUT_SESSION_ID}',
    });
    expect(created.statusCode, created.body).toBe(201);
    const session = created.json() as { id: string; order_id: number; customer_id: string };
    const stripeUrl = (await get(`/pay/${session.id}`)).headers.location as string;
    expect(stripeUrl).toMatch(new RegExp(`^${s.url}/c/pay/cs_test_`));
    const back = await payOnStripe(stripeUrl);
    await get(new URL(back).pathname);
    await worker();
    expect(await readOrder(session.order_id)).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect((await get(`/pay/${session.id}`)).headers.location).toBe(`https://platform.example/paid?s=${session.id}`);
    expect((await api('GET', `/checkout-sessions/${session.id}`)).json()).toMatchObject({ status: 'complete' });
    const events = (await api('GET', `/events?order_id=${session.order_id}&limit=100`)).json().data as { type: string; data: Record<string, unknown> }[];
    const completed = events.filter((e) => e.type === 'checkout_session.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data).toMatchObject({ order_id: session.order_id, metadata: { cart: 'c-stripe' } });
    const enrollments = (await api('GET', `/enrollments?customer_id=${session.customer_id}`)).json().data;
    expect(enrollments).toEqual([expect.objectContaining({ course_id: 2, order_id: session.order_id, status: 'active' })]);
  });

  it('the checkout.session.completed event pays the order even when the buyer never comes back', async () => {
    const { order, session } = await checkout([3]);
    await payOnStripe((await get(`/pay/${session.id}`)).headers.location as string);
    const event = s.events.filter((e) => e['type'] === 'checkout.session.completed').at(-1)!;
    const { body, header } = s.signed(event);
    const res = await t.request({ method: 'POST', url: `/webhooks/stripe/${gatewayId}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body });
    expect(res.json()).toMatchObject({ status: 'processed', order_id: order.id, transactions: [{ kind: 'authorization', status: 'succeeded' }] });
    await worker();
    expect((await readOrder(order.id)).payment_status).toBe('paid');
  });

  it('a cancelled buyer can come back to the same Stripe page; an expired one gets a new one', async () => {
    const { order, session } = await checkout([1]);
    const first = (await get(`/pay/${session.id}`)).headers.location as string;
    const cancelled = await get(`/pay/${session.id}/stripe-cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.body).toContain('No payment was taken');
    const cs = first.split('/').pop()!;
    await fetch(`${s.url}/v1/checkout/sessions/${cs}/expire`, { method: 'POST', headers: { authorization: `Bearer ${s.secretKey}` } });
    const expired = s.events.filter((e) => e['type'] === 'checkout.session.expired').at(-1)!;
    const { body, header } = s.signed(expired);
    const res = await t.request({ method: 'POST', url: `/webhooks/stripe/${gatewayId}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body });
    expect(res.json().transactions).toEqual([expect.objectContaining({ kind: 'authorization', status: 'failed' })]);
    expect((await readOrder(order.id)).transactions[0].error_code).toBe('expired');
    const second = (await get(`/pay/${session.id}`)).headers.location as string;
    expect(second).not.toBe(first);
    await payOnStripe(second);
    await get(`/pay/${session.id}/stripe-return`);
    await worker();
    expect((await readOrder(order.id)).payment_status).toBe('paid');
  });

  it('a two-stage payment order on the Stripe gateway authorizes on Stripe Checkout with capture_method manual, captured later through the API', async () => {
    const created = await api('POST', '/payment-orders', {
      shopId: t.shopId, order: { orderNumber: 'ST-1', cost: { amount: '56.00', currency: 'USD' } },
      paymentSettings: { paymentMethod: gatewayId, autoCapture: false, redirectUrls: { success: SUCCESS_URL, failure: CANCEL_URL } },
    });
    expect(created.statusCode, created.body).toBe(200);
    const { orderId, paymentLink } = created.json() as { orderId: string; paymentLink: string };
    const stripeUrl = (await get(new URL(paymentLink).pathname)).headers.location as string;
    const cs = [...s.checkoutSessions.values()].at(-1)!;
    expect(cs).toMatchObject({ amount_total: 5600, payment_intent_data: { capture_method: 'manual' }, metadata: { paybridge_order_id: orderId } });
    const back = await payOnStripe(stripeUrl);
    const returned = await get(new URL(back).pathname);
    expect(returned.statusCode).toBe(303);
    expect(returned.headers.location).toContain(SUCCESS_URL);
    expect((await readOrder(Number(orderId))).payment_status).toBe('authorized');
    expect(s.paymentIntents.get(cs['payment_intent'])!['status']).toBe('requires_capture');
    const captured = await api('POST', `/orders/${orderId}/capture`, {});
    expect(captured.json().order.payment_status).toBe('paid');
    expect(s.paymentIntents.get(cs['payment_intent'])).toMatchObject({ status: 'succeeded', amount_received: 5600 });
  });

  it('the janitor settles a Stripe Checkout payment whose buyer never came back and whose event never arrived', async () => {
    const { order, session } = await checkout([2]);
    await payOnStripe((await get(`/pay/${session.id}`)).headers.location as string);
    expect((await readOrder(order.id)).transactions[0].status).toBe('pending');
    t.clock.advance(10_000);
    expect(await resolvePendingTransactions(t.deps)).toBeGreaterThanOrEqual(1);
    expect((await readOrder(order.id)).transactions[0]).toMatchObject({ status: 'succeeded', amount: order.total });
    expect((await readOrder(order.id)).transactions[0].processor_token).toMatch(/^pi_/);
  });

  it('a Checkout Session whose creation timed out is failed by the janitor, and the buyer then gets a new one', async () => {
    const { order, session } = await checkout([1]);
    s.stall(/^\/v1\/checkout\/sessions$/, 1500);
    const waiting = await get(`/pay/${session.id}`);
    expect(waiting.statusCode).toBe(200); // the processing page: the answer never came
    expect((await readOrder(order.id)).transactions[0]).toMatchObject({ status: 'pending', action_id: null });
    t.clock.advance(10_000);
    await resolvePendingTransactions(t.deps);
    expect((await readOrder(order.id)).transactions[0]).toMatchObject({ status: 'failed', error_code: 'timeout' });
    const again = await get(`/pay/${session.id}`);
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toMatch(new RegExp(`^${s.url}/c/pay/cs_test_`));
  });

  it('a card posted to the hosted page of a Stripe shop is never read: the buyer is sent to Stripe', async () => {
    // A valid form token, from the card form of a payment order that pays with the sandbox.
    const sandboxOrder = await api('POST', '/payment-orders', {
      shopId: t.shopId, order: { orderNumber: 'SB-1', cost: { amount: '5.00', currency: 'USD' } },
      paymentSettings: { paymentMethod: t.sandboxGatewayId, redirectUrls: { success: SUCCESS_URL, failure: CANCEL_URL } },
    });
    const form = await get(new URL(sandboxOrder.json().paymentLink).pathname);
    expect(form.body).toContain('Card number');
    const cookie = `pb_csrf=${form.cookies.find((c) => c.name === 'pb_csrf')!.value}`;
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;

    const { order, session } = await checkout([1]);
    const posted = await t.app.inject({
      method: 'POST', url: `/pay/${session.id}`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: token, number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123', name: 'A' }).toString(),
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toMatch(new RegExp(`^${s.url}/c/pay/cs_test_`));
    const txns = (await readOrder(order.id)).transactions;
    expect(txns).toHaveLength(1);
    expect(txns[0]).toMatchObject({ gateway_id: gatewayId, status: 'pending' });
    expect((await t.deps.store.transactions.get(txns[0].id))!.metadata['source']).toMatchObject({ type: 'stripe_checkout' });
  });
});
