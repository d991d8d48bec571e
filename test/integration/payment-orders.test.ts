/**
 * Payment orders payment orders through the HTTP app, on a fake clock: creation in the specification's dialect, a
 * single-stage order paid on the hosted page and completed after the shop's clearing period, its signed
 * callbacks (verified with the `standardwebhooks` library) and its confirmation e-mail, and the orders
 * that expire or fail at their time limit.
 */
import type { MailMessage } from '../../src/ports/mailer.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { completeClearedOrders } from '../../src/app/payment-orders/complete-cleared.js';
import { expireUnpaidOrders } from '../../src/app/payment-orders/expire-unpaid.js';
import type { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, INTEGRATION_KEY, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { openPaymentOrderSuite, type PaymentOrderSuite } from '../helpers/payment-orders.js';
import { DIALECTS } from '../helpers/stores.js';
import { verifyWithLibrary } from '../helpers/verify-webhook.js';

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const CARD = { success: '4242 4242 4242 4242', decline: '4000 0000 0000 0002' };
const SUCCESS = 'https://merchant.example/paid';
const FAILURE = 'https://merchant.example/failed';

describe.each(DIALECTS)('payment orders payment orders (%s)', (dialect) => {
  let suite: PaymentOrderSuite;
  let t: TestApp;
  let worker: Worker;
  let api: PaymentOrderSuite['api'];
  let read: PaymentOrderSuite['read'];
  let pay: PaymentOrderSuite['pay'];
  let receiver: Receiver;
  let secret: string;
  let shopName: string;
  const mails: MailMessage[] = [];
  let n = 0;

  beforeAll(async () => {
    suite = await openPaymentOrderSuite(dialect, { send: async (m) => { mails.push(m); } });
    ({ t, worker, api, read, pay } = suite);
    secret = (await t.request({ method: 'GET', url: `/api/v1/shops/${t.shopId}/secret`, auth: ADMIN_KEY })).json().webhook_secret;
    shopName = (await t.deps.store.shops.get(t.shopId))!.name;
  });
  afterAll(async () => { await suite?.close(); });
  afterEach(async () => { await receiver?.close(); });

  function body(overrides: { order?: object; customer?: object; paymentSettings?: object; shopId?: string } = {}) {
    return {
      shopId: overrides.shopId ?? t.shopId,
      order: { orderNumber: `A-${++n}`, cost: { amount: '56.00', currency: 'USD' }, ...overrides.order },
      customer: { firstName: 'Ada', lastName: 'Lovelace', ...overrides.customer },
      paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, ...overrides.paymentSettings },
    };
  }

  async function create(overrides: Parameters<typeof body>[0] = {}) {
    const res = await api('POST', '/payment-orders', body(overrides));
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  type Callback = { eventId: string; eventType: string; sequence: number; order: { orderId: string; status: string; payments: object[] } };
  let verified: { receiver: Receiver; list: Callback[] } | undefined;
  /**
   * Callbacks received so far, each checked by the standardwebhooks library when first seen (with the
   * clock at that moment, as the receiver would have checked it on arrival).
   */
  function callbacks(): Callback[] {
    if (verified?.receiver !== receiver) verified = { receiver, list: [] };
    for (const r of receiver.received.slice(verified.list.length)) verified.list.push(verifyWithLibrary(secret, r, t.clock.now()) as Callback);
    return verified.list;
  }

  it('creates an order in the specification\'s dialect: 200, in_progress, a payment link, amounts as decimal strings', async () => {
    const order = await create({ customer: { customerId: 'merchant-cust-7', email: 'ada@example.com', phone: '+44 20 7946 0000' }, order: { description: 'Two tickets' } });
    expect(order).toMatchObject({
      shopId: t.shopId, status: 'in_progress', order: { orderNumber: `A-${n}`, description: 'Two tickets', cost: { amount: '56.00', currency: 'USD' } },
      customer: { customerId: 'merchant-cust-7', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' },
      paymentSettings: { autoCapture: true, timeLimit: null, redirectUrls: { success: SUCCESS, failure: FAILURE }, webhookUrl: null },
      amounts: { authorized: '0.00', captured: '0.00', voided: '0.00', refunded: '0.00' }, payments: [], captureDeadline: null,
    });
    expect(order.orderId).toMatch(/^[1-9][0-9]*$/);
    expect(order.paymentLink).toMatch(/^http:\/\/127\.0\.0\.1:3000\/pay\/cs_/);
    expect(order.paymentSettings.paymentMethod).toMatch(/^gw_/); // the demo shop lists no methods: its sandbox gateway's implicit card method
    expect(Date.parse(order.expiresAt)).toBe(t.clock.now() + DAY); // 24 hours to pay by default
    expect(await read(order.orderId)).toEqual(order);
    // The same order through the native API: one model underneath.
    const native = (await api('GET', `/orders/${order.orderId}`)).json();
    expect(native).toMatchObject({ total: 5600, currency: 'USD', status: 'pending', payment_status: 'unpaid', number: `A-${n}`, lines: [] });
  });

  it('GET /shops/{shopId}/payment-methods lists the method the demo shop\'s orders are paid with, and an order can name it', async () => {
    const listed = await api('GET', `/shops/${t.shopId}/payment-methods`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json()).toEqual({
      shopId: t.shopId,
      paymentMethods: [{ id: t.sandboxGatewayId, paymentType: 'card', gatewayId: t.sandboxGatewayId, gatewayKind: 'sandbox', currencies: ['USD'], twoStage: true, default: true }],
    });
    const named = await create({ paymentSettings: { paymentMethod: t.sandboxGatewayId } });
    expect(named.paymentSettings.paymentMethod).toBe(t.sandboxGatewayId);
  });

  it('refuses bad input with a 4xx naming the field', async () => {
    const cases: [object, number, string][] = [
      [body({ order: { cost: { amount: '56.001', currency: 'USD' } } }), 422, '/order/cost/amount'],
      [body({ order: { cost: { amount: '1.5', currency: 'JPY' } } }), 422, '/order/cost/amount'],
      [body({ order: { cost: { amount: 56, currency: 'USD' } } }), 422, '/order/cost/amount'],
      [body({ order: { cost: { amount: '0.00', currency: 'USD' } } }), 422, '/order/cost/amount'],
      [body({ order: { cost: { amount: '1e3', currency: 'USD' } } }), 422, '/order/cost/amount'],
      [body({ order: { cost: { amount: '5.00', currency: 'XYZ' } } }), 422, '/order/cost/currency'],
      [body({ order: { cost: { amount: '5.00', currency: 'EUR' } } }), 422, '/order/cost/currency'],
      [body({ paymentSettings: { redirectUrls: { success: 'ftp://x', failure: FAILURE } } }), 422, '/paymentSettings/redirectUrls/success'],
      [body({ paymentSettings: { redirectUrls: { success: SUCCESS } } }), 422, '/paymentSettings/redirectUrls/failure'],
      [body({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, timeLimit: 0 } }), 422, '/paymentSettings/timeLimit'],
      [body({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, paymentMethod: 'pm_nope' } }), 422, '/paymentSettings/paymentMethod'],
      [body({ customer: { email: 'not-an-email' } }), 422, '/customer/email'],
      [body({ shopId: 'shop_nope' }), 422, '/shopId'],
      [{ ...body(), price: '1.00' }, 422, '/price'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await api('POST', '/payment-orders', payload);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(status);
      expect(res.json().error.details.map((d: { field: string }) => d.field), res.body).toContain(field);
    }
    const jpy = body({ order: { cost: { amount: '1.5', currency: 'JPY' } } });
    expect((await api('POST', '/payment-orders', jpy)).json().error.message).toMatch(/JPY allows at most 0/);
    expect((await t.request({ method: 'POST', url: '/api/v1/payment-orders', payload: body() })).statusCode).toBe(401);
  });

  it('a retry with the same Idempotency-Key answers the first response and creates nothing more', async () => {
    const payload = body();
    const send = () => t.request({ method: 'POST', url: '/api/v1/payment-orders', auth: INTEGRATION_KEY, headers: { 'idempotency-key': `create-${n}` }, payload });
    const first = await send();
    const again = await send();
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
  });

  it('an orderNumber is unique per shop: a second order with it is a 409; unknown orders are 404', async () => {
    const first = await create();
    const again = await api('POST', '/payment-orders', body({ order: { orderNumber: `A-${n}` } }));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'already_exists', details: [{ field: '/order/orderNumber' }] });
    expect(first.status).toBe('in_progress');
    for (const id of ['999999', 'abc', '0']) expect((await api('GET', `/payment-orders/${id}`)).statusCode).toBe(404);
  });

  it('single-stage: paid on the hosted page, a signed callback and an e-mail, then completed after the clearing day', async () => {
    receiver = await startReceiver();
    const created = await create({ customer: { email: 'buyer@example.com' }, paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, webhookUrl: receiver.url } });
    await worker.drain();
    expect(receiver.received).toHaveLength(0); // creation is not a status change: the 200 said in_progress

    t.clock.advance(10 * MINUTE);
    const declined = await pay(created.paymentLink, CARD.decline);
    expect(declined.statusCode).toBe(402);
    expect((await read(created.orderId)).status).toBe('in_progress'); // the buyer may retry
    const paid = await pay(created.paymentLink, CARD.success);
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`${SUCCESS}?session_id=${new URL(created.paymentLink).pathname.split('/')[2]}&order_id=${created.orderId}`);
    const afterPay = await read(created.orderId);
    // The demo shop clears in 1 day: the order says when, so the merchant need not know the shop's settings.
    expect(afterPay).toMatchObject({ status: 'paid', amounts: { authorized: '56.00', captured: '56.00' }, clearingDate: new Date(t.clock.now() + DAY).toISOString() });
    expect(created.clearingDate).toBeNull();
    expect(afterPay.payments).toMatchObject([
      { status: 'failed', amount: '56.00', errorCode: 'card_declined', capturedAmount: '0.00' },
      { status: 'captured', amount: '56.00', currency: 'USD', capturedAmount: '56.00', paymentType: 'card', createdAt: new Date(t.clock.now()).toISOString() },
    ]);

    await worker.drain();
    expect(callbacks().map((c) => [c.eventType, c.order.status])).toEqual([['payment.captured', 'paid']]);
    expect(callbacks()[0]!.order).toEqual(afterPay);
    // The merchant's order number and the buyer's first name, as the merchant sent them.
    const confirmation = mails.filter((m) => m.subject.includes(`#${created.order.orderNumber} `));
    expect(confirmation.map((m) => [m.to, m.subject])).toEqual([['buyer@example.com', `Your order #${created.order.orderNumber} at ${shopName}`]]);
    expect(confirmation[0]!.text).toContain('56.00 USD');
    expect(confirmation[0]!.text).toMatch(/^Hello Ada,\n/);
    expect(confirmation[0]!.text).toContain(`thank you for your order #${created.order.orderNumber} at`);
    expect(confirmation[0]!.text).not.toContain(`#${created.orderId} `);

    // Clearing: the demo shop clears in 1 day, counted from the capture.
    t.clock.advance(DAY - MINUTE);
    expect(await completeClearedOrders(t.deps, t.clock.now())).toBe(0);
    expect((await read(created.orderId)).status).toBe('paid');
    t.clock.advance(MINUTE);
    // Two workers at once: the order completes once.
    const done = await Promise.all([completeClearedOrders(t.deps, t.clock.now()), completeClearedOrders(t.deps, t.clock.now())]);
    expect(done[0] + done[1]).toBe(1);
    expect((await read(created.orderId)).status).toBe('completed');
    expect((await api('GET', `/orders/${created.orderId}`)).json().status).toBe('approved');
    await worker.drain();
    const received = callbacks();
    expect(received.map((c) => [c.eventType, c.order.status])).toEqual([['payment.captured', 'paid'], ['order.completed', 'completed']]);
    expect(received[1]!.sequence).toBeGreaterThan(received[0]!.sequence);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(received.map((c) => c.eventId));
    expect(() => verifyWithLibrary(`whsec_${Buffer.from('another secret').toString('base64')}`, receiver.received[0]!, t.clock.now())).toThrow();
    expect(await completeClearedOrders(t.deps, t.clock.now() + 10 * DAY)).toBe(0);
  });

  it('a failing callback receiver gets the same signed bytes again on the webhook retry schedule', async () => {
    receiver = await startReceiver();
    receiver.script.push(500);
    const created = await create({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, webhookUrl: receiver.url } });
    expect((await pay(created.paymentLink, CARD.success)).statusCode).toBe(303);
    await worker.drain();
    t.clock.advance(6_000);
    await worker.drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(receiver.received[0]!.headers['webhook-id']);
    expect(callbacks().map((c) => c.order.status)).toEqual(['paid', 'paid']);
  });

  it('an order without an e-mail sends none', async () => {
    const created = await create();
    const before = mails.length;
    expect((await pay(created.paymentLink, CARD.success)).statusCode).toBe(303);
    await worker.drain();
    expect(mails.slice(before).filter((m) => m.subject.includes(`#${created.order.orderNumber} `))).toEqual([]);
  });

  it('an unpaid order expires at its timeLimit (minutes): callback "expired", the link answers 410', async () => {
    await expireUnpaidOrders(t.deps, t.clock.now(), 1000); // earlier tests' orders whose day to pay has run out
    receiver = await startReceiver();
    const created = await create({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, webhookUrl: receiver.url, timeLimit: 30 } });
    expect(created.paymentSettings.timeLimit).toBe(30);
    expect(Date.parse(created.expiresAt)).toBe(t.clock.now() + 30 * MINUTE);
    t.clock.advance(30 * MINUTE - 1);
    expect(await expireUnpaidOrders(t.deps, t.clock.now())).toBe(0);
    expect((await read(created.orderId)).status).toBe('in_progress');
    t.clock.advance(1);
    const expired = await Promise.all([expireUnpaidOrders(t.deps, t.clock.now()), expireUnpaidOrders(t.deps, t.clock.now())]);
    expect(expired[0] + expired[1]).toBe(1);
    expect(await read(created.orderId)).toMatchObject({ status: 'expired', payments: [] });
    expect((await api('GET', `/orders/${created.orderId}`)).json()).toMatchObject({ status: 'cancelled', payment_status: 'unpaid' });
    expect((await t.app.inject({ method: 'GET', url: new URL(created.paymentLink).pathname })).statusCode).toBe(410);
    await worker.drain();
    expect(callbacks().map((c) => [c.eventType, c.order.status])).toEqual([['order.expired', 'expired']]);
  });

  it('an order whose only attempts were declined is "failed" at its time limit', async () => {
    const created = await create({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, timeLimit: 15 } });
    expect((await pay(created.paymentLink, CARD.decline)).statusCode).toBe(402);
    t.clock.advance(15 * MINUTE);
    expect(await expireUnpaidOrders(t.deps, t.clock.now())).toBeGreaterThanOrEqual(1);
    expect(await read(created.orderId)).toMatchObject({ status: 'failed', payments: [{ status: 'failed', errorMessage: 'Your card was declined.' }] });
  });

  it('a paid order is not expired by its time limit, and a cancelled one reads "cancelled"', async () => {
    const paid = await create({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, timeLimit: 5 } });
    expect((await pay(paid.paymentLink, CARD.success)).statusCode).toBe(303);
    const cancelled = await create({ paymentSettings: { redirectUrls: { success: SUCCESS, failure: FAILURE }, timeLimit: 5 } });
    expect((await api('POST', `/orders/${cancelled.orderId}/cancel`, {})).statusCode).toBe(200);
    t.clock.advance(5 * MINUTE);
    await expireUnpaidOrders(t.deps, t.clock.now());
    expect((await read(paid.orderId)).status).toBe('paid');
    expect((await read(cancelled.orderId)).status).toBe('cancelled');
  });
});
