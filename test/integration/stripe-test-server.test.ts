/**
 * The local Stripe-compatible server the Stripe tests run against, checked with the official SDK itself:
 * if these pass, the SDK reads this server's answers and signatures as it reads Stripe's.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeClient } from '../../src/adapters/gateways/stripe-gateway.js';
import { parseForm, startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';

describe('the local Stripe test server, driven by the official stripe SDK', () => {
  let s: StripeTestServer;
  let stripe: Stripe;
  beforeAll(async () => {
    s = await startStripeServer();
    stripe = new Stripe(s.secretKey, { host: '127.0.0.1', port: s.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterAll(async () => { await s?.close(); });

  it('reads bracketed form parameters into objects and arrays', () => {
    expect(parseForm('amount=100&metadata[order_id]=7&line_items[0][price_data][unit_amount]=5&line_items[1][quantity]=2'))
      .toEqual({ amount: '100', metadata: { order_id: '7' }, line_items: [{ price_data: { unit_amount: '5' } }, { quantity: '2' }] });
  });

  it('creates and confirms a PaymentIntent, captures part of it, and refunds it in several parts', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual', metadata: { k: 'v' } });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, metadata: { k: 'v' } });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000 });
    expect((await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 })).status).toBe('succeeded');
    expect((await stripe.refunds.create({ payment_intent: pi.id })).amount).toBe(2000);
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 1 })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'charge_already_refunded' });
    expect((await stripe.paymentIntents.search({ query: "metadata['k']:'v'" })).data.map((p) => p.id)).toEqual([pi.id]);
  });

  it('declines with the code and decline code of Stripe\'s test payment methods, and asks for 3-D Secure', async () => {
    await expect(stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true }))
      .rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined', decline_code: 'insufficient_funds', statusCode: 402 });
    const pi = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_threeDSecure2Required', confirm: true, return_url: 'http://127.0.0.1/back' });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.redirect_to_url?.url).toBe(`${s.url}/3ds/${pi.id}`);
    await s.authenticate(pi.id, true);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('replays a request with the same Idempotency-Key and refuses the key with other parameters', async () => {
    const a = await stripe.paymentIntents.create({ amount: 700, currency: 'usd' }, { idempotencyKey: 'pb_same' });
    const b = await stripe.paymentIntents.create({ amount: 700, currency: 'usd' }, { idempotencyKey: 'pb_same' });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(stripe.paymentIntents.create({ amount: 701, currency: 'usd' }, { idempotencyKey: 'pb_same' })).rejects.toMatchObject({ type: 'StripeIdempotencyError' });
    await expect(new Stripe('sk_test_wrong', { host: '127.0.0.1', port: s.port, protocol: 'http', maxNetworkRetries: 0 }).paymentIntents.retrieve(a.id))
      .rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
  });

  it('signs events as the SDK\'s generateTestHeaderString does, and constructEvent accepts them', async () => {
    const event = s.events.at(-1)!;
    const t = Math.floor(Date.now() / 1000);
    const { body, header } = s.signed(event, s.webhookSecret, t);
    expect(header).toBe(stripe.webhooks.generateTestHeaderString({ payload: body, secret: s.webhookSecret, timestamp: t }));
    expect(stripe.webhooks.constructEvent(body, header, s.webhookSecret).id).toBe(event.id);
    expect(() => stripe.webhooks.constructEvent(body, s.signed(event, 'whsec_other', t).header, s.webhookSecret)).toThrow(/signature/i);
  });

  it('runs a Checkout Session whose page the buyer pays on, then reports it completed', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://127.0.0.1/ok?cs={CHECKOUT_SESSION_ID}', cancel_url: 'http://127.0.0.1/cancel',
      line_items: [{ quantity: 2, price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Course' } } }],
      payment_intent_data: { capture_method: 'manual', metadata: { order: '1' } },
    });
    expect(session).toMatchObject({ status: 'open', amount_total: 3000 });
    const paid = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' });
    expect(paid.headers.get('location')).toBe(`http://127.0.0.1/ok?cs=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect((await stripe.paymentIntents.retrieve(done.payment_intent as string)).status).toBe('requires_capture');
    expect(s.events.at(-1)).toMatchObject({ type: 'checkout.session.completed', data: { object: { id: session.id } } });
  });

  it('Paybridge\'s client refuses an api_base name that resolves to a private address at connect time, unless private URLs are allowed', async () => {
    const config = { secretKey: s.secretKey, webhookSecret: s.webhookSecret, capture: 'manual' as const, apiBase: `http://localhost:${s.port}`, timeoutMs: 2000 };
    const before = s.requests.length;
    await expect(stripeClient(config, { allowPrivate: false }).accounts.retrieveCurrent()).rejects.toMatchObject({ type: 'StripeConnectionError' });
    expect(s.requests.length).toBe(before);
    expect((await stripeClient(config, { allowPrivate: true }).accounts.retrieveCurrent()).id).toBe('acct_test_paybridge');
  });
});
