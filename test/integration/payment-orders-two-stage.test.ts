/**
 * Payment orders two-stage orders (`autoCapture: false`) and payment methods, on a fake clock: an authorization
 * partly captured and the rest voided through the API, an authorization voided when its capture window
 * ends, refunds, a shop's payment methods and clearing days, and an external (Commerce Layer-compatible) gateway serving
 * these orders.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeClearedOrders } from '../../src/app/payment-orders/complete-cleared.js';
import { voidStaleAuthorizations } from '../../src/app/payment-orders/void-stale.js';
import type { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, type TestApp } from '../helpers/app.js';
import { startFakeMerchant, type FakeMerchant } from '../helpers/fake-merchant.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { openPaymentOrderSuite, type PaymentOrderSuite } from '../helpers/payment-orders.js';
import { DIALECTS } from '../helpers/stores.js';
import { verifyWithLibrary } from '../helpers/verify-webhook.js';

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const REDIRECTS = { success: 'https://merchant.example/paid', failure: 'https://merchant.example/failed' };

describe.each(DIALECTS)('payment orders two-stage orders and payment methods (%s)', (dialect) => {
  let suite: PaymentOrderSuite;
  let t: TestApp;
  let worker: Worker;
  let api: PaymentOrderSuite['api'];
  let read: PaymentOrderSuite['read'];
  let pay: PaymentOrderSuite['pay'];
  let receiver: Receiver | undefined;
  let n = 0;

  beforeAll(async () => {
    suite = await openPaymentOrderSuite(dialect, { send: async () => {} });
    ({ t, worker, api, read, pay } = suite);
  });
  afterAll(async () => { await suite?.close(); });
  afterEach(async () => { await receiver?.close(); receiver = undefined; });

  async function create(settings: object = {}, cost: object = { amount: '56.00', currency: 'USD' }, shopId = t.shopId) {
    const res = await api('POST', '/payment-orders', {
      shopId, order: { orderNumber: `B-${++n}`, cost }, paymentSettings: { redirectUrls: REDIRECTS, ...settings },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  /** A new shop (admin API) with a sandbox gateway. */
  async function newShop(fields: object = {}) {
    const shop = (await api('POST', '/shops', { name: `Shop ${++n}`, currency: 'USD', ...fields }, ADMIN_KEY)).json();
    const gateway = (await api('POST', '/gateways', { shop_id: shop.id, kind: 'sandbox', name: 'Sandbox' }, ADMIN_KEY)).json();
    return { shop: shop as { id: string; webhook_secret: string }, gateway: gateway as { id: string } };
  }

  it('authorized on the hosted page, captured in part, the rest voided through the API; completed after clearing', async () => {
    receiver = await startReceiver();
    const secret = (await api('GET', `/shops/${t.shopId}/secret`, undefined, ADMIN_KEY)).json().webhook_secret;
    const created = await create({ autoCapture: false, webhookUrl: receiver.url });
    expect(created.paymentSettings.autoCapture).toBe(false);
    await pay(created.paymentLink);
    const authorized = await read(created.orderId);
    expect(authorized).toMatchObject({ status: 'authorized', amounts: { authorized: '56.00', captured: '0.00' }, payments: [{ status: 'authorized', amount: '56.00' }] });
    expect(Date.parse(authorized.captureDeadline)).toBe(t.clock.now() + 7 * DAY);
    expect(authorized.clearingDate).toBeNull(); // nothing captured yet
    await worker.drain();

    const tooMuch = await api('POST', `/payment-orders/${created.orderId}/capture`, { amount: '56.01' });
    expect(tooMuch.json().error.code).toBe('amount_exceeds_authorized');
    expect((await api('POST', `/payment-orders/${created.orderId}/capture`, { amount: '1.001' })).json().error.details[0].field).toBe('/amount');

    t.clock.advance(2 * 3600_000);
    const captured = await api('POST', `/payment-orders/${created.orderId}/capture`, { amount: '30.00' });
    expect(captured.statusCode, captured.body).toBe(200);
    expect(captured.json()).toMatchObject({ status: 'authorized', amounts: { captured: '30.00' }, payments: [{ status: 'partially_captured', capturedAmount: '30.00' }] });
    expect(captured.json().clearingDate).toBeNull(); // the rest of the authorization is still open
    const capturedAt = t.clock.now();
    await worker.drain();
    const voided = await api('POST', `/payment-orders/${created.orderId}/void`);
    expect(voided.statusCode, voided.body).toBe(200);
    expect(voided.json()).toMatchObject({
      status: 'paid', captureDeadline: null, clearingDate: new Date(capturedAt + DAY).toISOString(), amounts: { authorized: '56.00', captured: '30.00', voided: '26.00' },
      payments: [{ status: 'captured', amount: '56.00', capturedAmount: '30.00', voidedAmount: '26.00' }],
    });
    expect((await api('POST', `/payment-orders/${created.orderId}/void`)).statusCode).toBe(409);

    t.clock.advance(DAY);
    expect(await completeClearedOrders(t.deps, t.clock.now())).toBe(1);
    expect((await read(created.orderId)).status).toBe('completed');
    await worker.drain();
    const callbacks = receiver.received.map((r) => verifyWithLibrary(secret, r, Number(r.headers['webhook-timestamp']) * 1000) as { eventType: string; sequence: number; order: { status: string } });
    expect(callbacks.map((c) => [c.eventType, c.order.status])).toEqual([
      ['order.placed', 'authorized'], ['payment.voided', 'paid'], ['order.completed', 'completed'],
    ]);
    expect(callbacks.map((c) => c.sequence)).toEqual([...callbacks.map((c) => c.sequence)].sort((a, b) => a - b));
  });

  it('an authorization not captured within timeLimit minutes is voided; a partial capture keeps its money', async () => {
    const untouched = await create({ autoCapture: false, timeLimit: 60 });
    const partial = await create({ autoCapture: false, timeLimit: 60 });
    await pay(untouched.paymentLink);
    await pay(partial.paymentLink);
    expect((await read(untouched.orderId)).status).toBe('authorized');
    expect((await api('POST', `/payment-orders/${partial.orderId}/capture`, { amount: '10.00' })).statusCode).toBe(200);
    t.clock.advance(60 * MINUTE - 1);
    expect(await voidStaleAuthorizations(t.deps, t.clock.now())).toBe(0);
    t.clock.advance(1);
    const runs = await Promise.all([voidStaleAuthorizations(t.deps, t.clock.now()), voidStaleAuthorizations(t.deps, t.clock.now())]);
    expect(runs[0] + runs[1]).toBe(2);
    expect(await read(untouched.orderId)).toMatchObject({ status: 'voided', payments: [{ status: 'voided', voidedAmount: '56.00' }] });
    expect(await read(partial.orderId)).toMatchObject({ status: 'paid', amounts: { captured: '10.00', voided: '46.00' } });
    const voids = (await t.deps.store.transactions.listByOrder(Number(untouched.orderId))).filter((x) => x.kind === 'void');
    expect(voids).toHaveLength(1);
    expect(await voidStaleAuthorizations(t.deps, t.clock.now() + DAY)).toBe(0);
  });

  it('refunds a paid order in parts through the API: partially_refunded, then refunded', async () => {
    const created = await create();
    expect((await pay(created.paymentLink)).statusCode).toBe(303);
    const capture = await api('POST', `/payment-orders/${created.orderId}/capture`, {});
    expect(capture.statusCode).toBe(409);
    expect(capture.json().error).toMatchObject({ code: 'invalid_transition', message: `order ${created.orderId} has nothing left to capture` });
    expect((await api('POST', `/payment-orders/${created.orderId}/refunds`, { amount: '6.00' })).json()).toMatchObject({ status: 'partially_refunded', amounts: { refunded: '6.00' } });
    expect((await api('POST', `/payment-orders/${created.orderId}/refunds`, null)).json()).toMatchObject({
      status: 'refunded', payments: [{ status: 'refunded', refundedAmount: '56.00' }],
    });
  });

  it('lists a shop\'s payment methods; an order names one, and two-stage needs a method that supports it', async () => {
    const { shop, gateway } = await newShop();
    const manual = (await api('POST', '/gateways', { shop_id: shop.id, kind: 'manual', name: 'Bank transfer' }, ADMIN_KEY)).json();
    // Without payment-method rows, each gateway stands for one implicit method.
    const implicit = await create({ autoCapture: false }, undefined, shop.id);
    expect(implicit.paymentSettings.paymentMethod).toBe(gateway.id);
    const card = (await api('POST', `/shops/${shop.id}/payment-methods`, { gateway_id: gateway.id, instrument: 'card' }, ADMIN_KEY)).json();
    const bank = (await api('POST', `/shops/${shop.id}/payment-methods`, { gateway_id: manual.id, instrument: 'bank_transfer', currencies: ['EUR', 'USD'] }, ADMIN_KEY)).json();
    const listed = (await api('GET', `/shops/${shop.id}/payment-methods`)).json();
    expect(listed.shopId).toBe(shop.id);
    expect(listed.paymentMethods.map((m: { id: string; paymentType: string; twoStage: boolean; currencies: string[]; default: boolean }) => [m.id, m.paymentType, m.twoStage, m.currencies, m.default]))
      .toEqual([[card.id, 'card', false, ['USD'], true], [bank.id, 'bank_transfer', false, ['EUR', 'USD'], false]]);

    const refused = await api('POST', '/payment-orders', {
      shopId: shop.id, order: { orderNumber: 'X-1', cost: { amount: '5.00', currency: 'USD' } }, paymentSettings: { redirectUrls: REDIRECTS, paymentMethod: card.id, autoCapture: false },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details[0].field).toBe('/paymentSettings/autoCapture');
    const eur = await create({}, { amount: '12.50', currency: 'EUR' }, shop.id);
    expect(eur.paymentSettings.paymentMethod).toBe(bank.id);
    const chosen = await create({ paymentMethod: card.id }, undefined, shop.id);
    expect((await pay(chosen.paymentLink)).statusCode).toBe(303);
    expect((await read(chosen.orderId)).payments).toMatchObject([{ status: 'captured', paymentMethod: card.id, paymentType: 'card', gatewayId: gateway.id }]);
  });

  it('lists the shop\'s default gateway even when no payment-method row names it, and an order can name it', async () => {
    const { shop, gateway } = await newShop();
    const manual = (await api('POST', '/gateways', { shop_id: shop.id, kind: 'manual', name: 'Bank transfer' }, ADMIN_KEY)).json();
    const bank = (await api('POST', `/shops/${shop.id}/payment-methods`, { gateway_id: manual.id, instrument: 'bank_transfer' }, ADMIN_KEY)).json();
    const listed = (await api('GET', `/shops/${shop.id}/payment-methods`)).json();
    expect(listed).toEqual({
      shopId: shop.id,
      paymentMethods: [
        { id: bank.id, paymentType: 'bank_transfer', gatewayId: manual.id, gatewayKind: 'manual', currencies: ['USD'], twoStage: false, default: false },
        { id: gateway.id, paymentType: 'card', gatewayId: gateway.id, gatewayKind: 'sandbox', currencies: ['USD'], twoStage: true, default: true },
      ],
    });
    const byCard = await create({ paymentMethod: gateway.id, autoCapture: false }, undefined, shop.id);
    expect((await pay(byCard.paymentLink)).statusCode).toBe(303);
    expect((await read(byCard.orderId)).payments).toMatchObject([{ status: 'authorized', paymentMethod: gateway.id, paymentType: 'card', gatewayId: gateway.id }]);
    expect((await api('GET', '/shops/shop_nope/payment-methods')).statusCode).toBe(404);
    const customer = await t.customerToken(`methods-${n}@example.com`);
    expect((await api('GET', `/shops/${shop.id}/payment-methods`, undefined, customer.token)).statusCode).toBe(403);
  });

  it('clears after the shop\'s own clearing_days', async () => {
    const { shop } = await newShop({ clearing_days: 3 });
    const created = await create({}, undefined, shop.id);
    expect(created.clearingDate).toBeNull();
    expect((await pay(created.paymentLink)).statusCode).toBe(303);
    expect((await read(created.orderId)).clearingDate).toBe(new Date(t.clock.now() + 3 * DAY).toISOString());
    t.clock.advance(3 * DAY - 1);
    await completeClearedOrders(t.deps, t.clock.now(), 1000);
    expect((await read(created.orderId)).status).toBe('paid');
    t.clock.advance(1);
    await completeClearedOrders(t.deps, t.clock.now(), 1000);
    expect((await read(created.orderId)).status).toBe('completed');
  });

  describe('on an external (Commerce Layer-compatible) gateway', () => {
    let m: FakeMerchant;
    beforeAll(async () => { m = await startFakeMerchant(); });
    afterAll(async () => { await m?.close(); });
    afterEach(() => { expect(m.problems).toEqual([]); });

    it('a payment method on an external gateway pays single-stage and two-stage orders through the merchant\'s endpoints', async () => {
      const { shop } = await newShop();
      const gw = (await api('POST', '/external-gateways', {
        shop_id: shop.id, name: 'Acme PSP', authorize_url: `${m.url}/authorize`, capture_url: `${m.url}/capture`, void_url: `${m.url}/void`, timeout_ms: 2000,
      }, ADMIN_KEY)).json();
      m.secret.value = gw.shared_secret;
      const method = (await api('POST', `/shops/${shop.id}/payment-methods`, { gateway_id: gw.id, instrument: 'card', two_stage: true }, ADMIN_KEY)).json();

      const single = await create({ paymentMethod: method.id }, undefined, shop.id);
      expect((await pay(single.paymentLink)).statusCode).toBe(303);
      expect(m.requests.map((r) => r.path)).toEqual(['/authorize', '/capture']);
      expect(m.requests[0]!.json.meta.paybridge).toMatchObject({ action: 'authorize', amount_cents: 5600 });
      expect(await read(single.orderId)).toMatchObject({ status: 'paid', payments: [{ status: 'captured', gatewayId: gw.id }] });

      const twoStage = await create({ paymentMethod: method.id, autoCapture: false }, undefined, shop.id);
      await pay(twoStage.paymentLink);
      expect((await read(twoStage.orderId)).status).toBe('authorized');
      expect((await api('POST', `/payment-orders/${twoStage.orderId}/capture`, { amount: '20.00' })).json()).toMatchObject({ status: 'authorized', amounts: { captured: '20.00' } });
      expect((await api('POST', `/payment-orders/${twoStage.orderId}/void`)).json()).toMatchObject({ status: 'paid', amounts: { voided: '36.00' } });
      expect(m.requests.slice(2).map((r) => r.path)).toEqual(['/authorize', '/capture', '/void']);
      expect(m.requests.at(-1)!.json.data).toMatchObject({ type: 'authorizations', attributes: { void_balance_cents: 3600 } });
    });
  });
});
