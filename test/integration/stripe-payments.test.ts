/**
 * Stripe gateways through the native API, on the official SDK against the local Stripe-compatible server:
 * PaymentIntents confirmed server-side, declines with their codes, 3-D Secure completed by a webhook,
 * capture in part then several refunds, void, verified and de-duplicated events, a forged event refused,
 * an amount that differs flagged, a create that timed out found by the janitor, a dispute.
 */
import { Writable } from 'node:stream';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePendingTransactions } from '../../src/app/payments/janitor.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('Stripe payments through the native API (%s)', (dialect) => {
  let t: TestApp;
  let s: StripeTestServer;
  let gw: { id: string; stripe: Record<string, unknown> };
  let buyers = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    s = await startStripeServer({ now: () => t.clock.now() });
    const created = await t.request({
      method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, kind: 'stripe', secret_key: s.secretKey, webhook_secret: s.webhookSecret, capture: 'manual', api_base: s.url, timeout_ms: 400 },
    });
    expect(created.statusCode, created.body).toBe(201);
    gw = created.json();
  });
  afterAll(async () => { await s?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object, auth: string = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  // Each order has a buyer of its own: a customer may not buy a course it already owns.
  const order = async (lines: object[] = [{ product_id: 2 }]) => {
    const buyer = await t.customerToken(`stripe-buyer-${++buyers}@example.com`);
    const res = await api('POST', '/orders', { shop_id: t.shopId, customer_id: buyer.id, lines });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; total: number };
  };
  const pay = async (id: number, pm: string, capture?: boolean) => {
    const res = await api('POST', `/orders/${id}/payments`, { gateway_id: gw.id, source: { type: 'stripe_payment_method', token: pm }, ...(capture === undefined ? {} : { capture }) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const read = async (id: number) => (await api('GET', `/orders/${id}`)).json();
  const deliver = (event: Record<string, any>, secret = s.webhookSecret, timestamp?: number) => {
    const { body, header } = s.signed(event, secret, timestamp);
    return t.request({ method: 'POST', url: `/webhooks/stripe/${gw.id}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body });
  };
  const eventsOf = (pi: string, type?: string) => s.events.filter((e) => (e['data'].object.id === pi || e['data'].object.payment_intent === pi) && (!type || e['type'] === type));

  it('creates a Stripe gateway whose keys are stored but never shown again', async () => {
    expect(gw.stripe).toEqual({
      mode: 'test', secret_key_last4: s.secretKey.slice(-4), webhook_secret_last4: s.webhookSecret.slice(-4), capture: 'manual',
      api_base: s.url, timeout_ms: 400, webhook_endpoint_url: `http://127.0.0.1:3000/webhooks/stripe/${gw.id}`,
    });
    for (const res of [await api('GET', `/gateways/${gw.id}`), await api('GET', `/gateways?shop_id=${t.shopId}`)]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(s.secretKey);
      expect(res.body).not.toContain(s.webhookSecret);
    }
    const bad = await api('POST', '/gateways', { shop_id: t.shopId, kind: 'stripe', secret_key: 'pk_test_publishable123', webhook_secret: s.webhookSecret }, ADMIN_KEY);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].field).toBe('/secret_key');
    const noSecret = await api('POST', '/gateways', { shop_id: t.shopId, kind: 'stripe', secret_key: s.secretKey }, ADMIN_KEY);
    expect(noSecret.json().error.details[0].field).toBe('/webhook_secret');
    const sandbox = await api('POST', '/gateways', { shop_id: t.shopId, kind: 'sandbox', secret_key: s.secretKey }, ADMIN_KEY);
    expect(sandbox.statusCode).toBe(422);
    expect((await api('POST', '/gateways', { shop_id: t.shopId, kind: 'stripe', secret_key: s.secretKey, webhook_secret: s.webhookSecret })).statusCode).toBe(403);
  });

  it('authorizes with a PaymentIntent confirmed server-side, captures part of it, then refunds it in two parts', async () => {
    const o = await order([{ product_id: 2 }, { product_id: 1 }]);
    const paid = await pay(o.id, 'pm_card_visa', false);
    expect(paid.transaction).toMatchObject({ kind: 'authorization', status: 'succeeded', amount: o.total });
    expect(paid.order.payment_status).toBe('authorized');
    const pi = paid.transaction.processor_token as string;
    const create = s.requests.find((r) => r.path === '/v1/payment_intents' && r.params['metadata']?.paybridge_transaction_id === paid.transaction.id)!;
    expect(create.idempotencyKey).toBe(`pb_${paid.transaction.id}`);
    expect(create.params).toMatchObject({ amount: String(o.total), currency: 'usd', confirm: 'true', capture_method: 'manual', payment_method: 'pm_card_visa',
      metadata: { paybridge_order_id: String(o.id), paybridge_transaction_id: paid.transaction.id, paybridge_shop_id: t.shopId } });

    const captured = await api('POST', `/orders/${o.id}/capture`, { amount: 5000 });
    expect(captured.json().transaction).toMatchObject({ kind: 'capture', status: 'succeeded', amount: 5000 });
    expect(captured.json().order.payment_status).toBe('partially_paid');
    expect(s.paymentIntents.get(pi)).toMatchObject({ status: 'succeeded', amount_received: 5000 });

    const first = await api('POST', `/orders/${o.id}/refunds`, { amount: 1500 });
    expect(first.json().transaction).toMatchObject({ kind: 'refund', status: 'succeeded', amount: 1500 });
    expect(first.json().transaction.processor_token).toMatch(/^re_/);
    const rest = await api('POST', `/orders/${o.id}/refunds`, {});
    expect(rest.json().transaction).toMatchObject({ status: 'succeeded', amount: 3500 });
    expect(rest.json().order.payment_status).toBe('refunded');
    expect([...s.refunds.values()].filter((r) => r['payment_intent'] === pi).map((r) => r['amount'])).toEqual([1500, 3500]);
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 1 })).statusCode).toBe(422);
  });

  it('charges at once with capture: true (capture_method automatic) and fulfills the order', async () => {
    const o = await order();
    const paid = await pay(o.id, 'pm_card_visa', true);
    expect(paid.order).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    const pi = s.paymentIntents.get(paid.transaction.processor_token)!;
    expect(pi).toMatchObject({ capture_method: 'automatic', status: 'succeeded', amount_received: o.total });
    expect(s.requests.some((r) => r.path === `/v1/payment_intents/${pi['id']}/capture`)).toBe(false);
  });

  it('voids an authorization by canceling its PaymentIntent', async () => {
    const o = await order();
    const paid = await pay(o.id, 'pm_card_visa', false);
    const voided = await api('POST', `/orders/${o.id}/void`);
    expect(voided.json().transaction).toMatchObject({ kind: 'void', status: 'succeeded' });
    expect(voided.json().order.payment_status).toBe('voided');
    expect(s.paymentIntents.get(paid.transaction.processor_token)!['status']).toBe('canceled');
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
  ])('a decline with %s is a failed transaction with the code %s, and the order can be paid again', async (pm, code) => {
    const o = await order();
    const res = await pay(o.id, pm, true);
    expect(res.transaction).toMatchObject({ status: 'failed', error_code: code });
    expect(res.transaction.error_message).toMatch(/card/i);
    expect(res.order.payment_status).toBe('unpaid');
    expect((await pay(o.id, 'pm_card_visa', true)).order.payment_status).toBe('paid');
  });

  it('3-D Secure: the payment is pending with the next action\'s URL until the webhook says it succeeded', async () => {
    const o = await order();
    const res = await pay(o.id, 'pm_card_threeDSecure2Required', true);
    expect(res.transaction).toMatchObject({ kind: 'authorization', status: 'pending' });
    const pi = res.transaction.action_id as string;
    expect(res.transaction.metadata.next_action_url).toBe(`${s.url}/3ds/${pi}`);
    expect(s.paymentIntents.get(pi)!['next_action'].redirect_to_url.return_url).toBe('http://127.0.0.1:3000/pay/stripe/return');
    await s.authenticate(pi, true);
    const succeeded = eventsOf(pi, 'payment_intent.succeeded')[0]!;
    const first = await deliver(succeeded);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'processed', order_id: o.id, transactions: [{ id: res.transaction.id, status: 'succeeded' }] });
    // The capture of a capture_method automatic payment is recorded by the worker's auto-capture job.
    const { Worker } = await import('../../src/worker/worker.js');
    await new Worker(t.deps, { http: { post: async () => { throw new Error('no network here'); } }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 }).runOnce();
    expect((await read(o.id))).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });

    // The same event again, and an older one arriving late, change nothing.
    expect((await deliver(succeeded)).json().status).toBe('duplicate');
    const late = await deliver(eventsOf(pi, 'payment_intent.created')[0]!);
    expect(late.json()).toMatchObject({ status: 'processed', transactions: [] });
    expect((await read(o.id)).payment_status).toBe('paid');
  });

  it('an order cancelled during 3-D Secure gives back what Stripe charged once the buyer completes it', async () => {
    const o = await order();
    const res = await pay(o.id, 'pm_card_threeDSecure2Required', true);
    const pi = res.transaction.action_id as string;
    expect((await api('POST', `/orders/${o.id}/cancel`, {})).statusCode).toBe(200);
    await s.authenticate(pi, true); // capture_method automatic: Stripe has taken the money
    expect(s.paymentIntents.get(pi)).toMatchObject({ status: 'succeeded', amount_received: o.total });
    await deliver(eventsOf(pi, 'payment_intent.succeeded')[0]!);
    const { Worker } = await import('../../src/worker/worker.js');
    await new Worker(t.deps, { http: { post: async () => { throw new Error('no network here'); } }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 }).drain();
    const after = await read(o.id);
    expect(after).toMatchObject({ status: 'cancelled', payment_status: 'voided' });
    expect(after.transactions.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'void:succeeded']);
    const refunds = [...s.refunds.values()].filter((r) => r['payment_intent'] === pi);
    expect(refunds.map((r) => r['amount'])).toEqual([o.total]);
    expect(refunds[0]!['metadata']).toMatchObject({ paybridge_transaction_id: after.transactions[1].id });
    const { checkInvariants } = await import('../../src/app/check/invariants.js');
    expect(await checkInvariants(t.deps)).toEqual([]);
  });

  it('3-D Secure that fails leaves a failed transaction with Stripe\'s code', async () => {
    const o = await order();
    const res = await pay(o.id, 'pm_card_threeDSecure2Required', false);
    await s.authenticate(res.transaction.action_id, false);
    const done = await deliver(eventsOf(res.transaction.action_id, 'payment_intent.payment_failed')[0]!);
    expect(done.json().transactions).toEqual([{ id: res.transaction.id, kind: 'authorization', status: 'failed' }]);
    const txn = (await read(o.id)).transactions[0];
    expect(txn).toMatchObject({ status: 'failed', error_code: 'payment_intent_authentication_failure' });
  });

  it('refuses a forged, tampered, stale or unsigned event with 401 and stores nothing', async () => {
    const event = s.events.at(-1)!;
    expect((await deliver(event, 'whsec_forged_secret_0123456789')).statusCode).toBe(401);
    const stale = await deliver(event, s.webhookSecret, Math.floor(t.clock.now() / 1000) - 600);
    expect(stale.statusCode).toBe(401);
    const { body, header } = s.signed(event);
    const tampered = await t.request({ method: 'POST', url: `/webhooks/stripe/${gw.id}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body.replace('"livemode": false', '"livemode": true') });
    expect(tampered.statusCode).toBe(401);
    const unsigned = await t.request({ method: 'POST', url: `/webhooks/stripe/${gw.id}`, headers: { 'content-type': 'application/json' }, payload: body });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('invalid_signature');
    expect((await t.request({ method: 'POST', url: `/webhooks/stripe/${t.sandboxGatewayId}`, headers: { 'stripe-signature': header }, payload: body })).statusCode).toBe(404);
    // The SDK's own test header is accepted: Paybridge verifies exactly as Stripe signs.
    const sdkHeader = new Stripe(s.secretKey).webhooks.generateTestHeaderString({ payload: body, secret: s.webhookSecret, timestamp: Math.floor(t.clock.now() / 1000) });
    const accepted = await t.request({ method: 'POST', url: `/webhooks/stripe/${gw.id}`, headers: { 'content-type': 'application/json', 'stripe-signature': sdkHeader }, payload: body });
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('an event for a payment Paybridge did not make is acknowledged and ignored', async () => {
    const stripe = new Stripe(s.secretKey, { host: '127.0.0.1', port: s.port, protocol: 'http' });
    const other = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const res = await deliver(eventsOf(other.id, 'payment_intent.succeeded')[0]!);
    expect(res.json()).toMatchObject({ status: 'ignored', order_id: null });
  });

  it('an amount Stripe reports that differs from the transaction\'s flags the order and is never settled', async () => {
    const o = await order();
    const res = await pay(o.id, 'pm_card_threeDSecure2Required', false);
    const pi = res.transaction.action_id as string;
    s.paymentIntents.get(pi)!['amount'] = o.total - 100; // changed at Stripe behind Paybridge's back
    await s.authenticate(pi, true);
    await deliver(eventsOf(pi, 'payment_intent.amount_capturable_updated')[0]!);
    const after = await read(o.id);
    expect(after.transactions[0]).toMatchObject({ status: 'failed', error_code: 'amount_mismatch' });
    expect(after.payment_status).toBe('unpaid');
    expect(after.notifications.map((n: { body: { code: string } }) => n.body.code)).toContain('amount_mismatch');
  });

  it('a create that timed out leaves the payment pending; the janitor finds the PaymentIntent by its metadata', async () => {
    const o = await order();
    s.stall(/^\/v1\/payment_intents$/, 1200);
    const res = await pay(o.id, 'pm_card_visa', false);
    expect(res.transaction).toMatchObject({ status: 'pending', action_id: null });
    expect(res.transaction.processor_token).toBeNull();
    t.clock.advance(10_000);
    expect(await resolvePendingTransactions(t.deps)).toBeGreaterThanOrEqual(1);
    const after = await read(o.id);
    expect(after.transactions[0]).toMatchObject({ status: 'succeeded' });
    expect(after.transactions[0].processor_token).toMatch(/^pi_/);
    expect(after.payment_status).toBe('authorized');
    expect(s.requests.some((r) => r.path === '/v1/payment_intents/search')).toBe(true);
  });

  it('a refund made in the Stripe dashboard is recorded once, with its Stripe id, whichever events report it', async () => {
    const o = await order();
    const paid = await pay(o.id, 'pm_card_visa', true);
    const pi = paid.transaction.processor_token as string;
    const stripe = new Stripe(s.secretKey, { host: '127.0.0.1', port: s.port, protocol: 'http' });
    const outside = await stripe.refunds.create({ payment_intent: pi, amount: 2500 }); // in the dashboard: no Paybridge metadata
    const first = eventsOf(pi, 'charge.refunded').at(-1)!;
    const res = await deliver(first);
    expect(res.json().transactions).toEqual([expect.objectContaining({ kind: 'refund', status: 'succeeded' })]);
    // The same refund reported by a later event (here a copy under another event id) is not recorded again.
    expect((await deliver({ ...first, id: `${first['id']}_again` })).json().transactions).toEqual([]);
    const after = await read(o.id);
    expect(after.payment_status).toBe('partially_refunded');
    const refunds = after.transactions.filter((x: { kind: string }) => x.kind === 'refund');
    expect(refunds).toEqual([expect.objectContaining({ amount: 2500, status: 'succeeded', processor_token: outside.id })]);
    // A refund through Paybridge is not mistaken for one from the dashboard when its event arrives.
    expect((await api('POST', `/orders/${o.id}/refunds`, {})).json().order.payment_status).toBe('refunded');
    expect((await deliver(eventsOf(pi, 'charge.refunded').at(-1)!)).json().transactions).toEqual([]);
    expect((await read(o.id)).transactions.filter((x: { kind: string }) => x.kind === 'refund').map((x: { amount: number }) => x.amount)).toEqual([2500, o.total - 2500]);
  });

  it('a dispute becomes a notification on the order and a payment.disputed event', async () => {
    const o = await order();
    const paid = await pay(o.id, 'pm_card_visa', true);
    const event = await s.dispute(paid.transaction.processor_token, 'fraudulent');
    expect((await deliver(event)).json().status).toBe('processed');
    const after = await read(o.id);
    expect(after.notifications.at(-1).body).toMatchObject({ code: 'dispute', reason: 'fraudulent', amount: o.total });
    const events = (await api('GET', `/events?order_id=${o.id}`)).json();
    expect(events.data.map((e: { type: string }) => e.type)).toContain('payment.disputed');
    expect((await deliver(event)).json().status).toBe('duplicate');
    const received = (await api('GET', `/gateways/${gw.id}/events?limit=100`, undefined, ADMIN_KEY)).json().data as { event_id: string; status: string; outcome: string }[];
    expect(received.filter((e) => e.event_id === event['id'])).toEqual([expect.objectContaining({ status: 'processed', outcome: 'charge.dispute.created: nothing pending changed' })]);
    expect((await api('GET', `/gateways/${gw.id}/events`)).statusCode).toBe(403);
    expect((await api('GET', `/gateways/${t.sandboxGatewayId}/events`, undefined, ADMIN_KEY)).statusCode).toBe(404);
    // The same dispute under another event id (a redelivery after a crash, say) is not noted twice.
    await deliver({ ...event, id: `${event['id']}_again` });
    expect((await read(o.id)).notifications.filter((n: { body: { code: string } }) => n.body.code === 'dispute')).toHaveLength(1);
  });
});

describe.each(DIALECTS)('Stripe gateways keep their keys out of the logs (%s)', (dialect) => {
  it('logs payment facts with Stripe\'s codes, never the secret key or the webhook secret', async () => {
    let text = '';
    const logs = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString('utf8'); done(); } });
    const t = await testApp(dialect, { logs });
    const s = await startStripeServer({ now: () => t.clock.now() });
    try {
      const gw = (await t.request({
        method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY,
        payload: { shop_id: t.shopId, kind: 'stripe', secret_key: s.secretKey, webhook_secret: s.webhookSecret, api_base: s.url, timeout_ms: 400 },
      })).json();
      const order = async () => (await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }] } })).json().id as number;
      const pay = async (pm: string) => t.request({
        method: 'POST', url: `/api/v1/orders/${await order()}/payments`, auth: INTEGRATION_KEY,
        payload: { gateway_id: gw.id, source: { type: 'stripe_payment_method', token: pm }, capture: true },
      });
      expect((await pay('pm_card_visa')).json().order.payment_status).toBe('paid');
      expect((await pay('pm_card_chargeDeclinedInsufficientFunds')).json().transaction.error_code).toBe('insufficient_funds');
      s.stall(/^\/v1\/payment_intents$/, 800);
      expect((await pay('pm_card_visa')).json().transaction.status).toBe('pending');
      const { body, header } = s.signed(s.events.at(-1)!, 'whsec_forged_0123456789');
      expect((await t.request({ method: 'POST', url: `/webhooks/stripe/${gw.id}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, payload: body })).statusCode).toBe(401);
      await new Promise((r) => setTimeout(r, 50)); // let the log stream flush
      expect(text).toContain('"fact":"payment.declined"');
      expect(text).toContain('"reason_code":"insufficient_funds"');
      expect(text).not.toContain(s.secretKey);
      expect(text).not.toContain(s.secretKey.slice(8));
      expect(text).not.toContain(s.webhookSecret);
    } finally {
      await s.close();
      await t.close();
    }
  });
});
