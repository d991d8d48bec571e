import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const CARD = { success: 'tok_sandbox_success_4242', decline: 'tok_sandbox_decline_0002', async: 'tok_sandbox_async_success_0077' };

describe.each(DIALECTS)('payments through the native API (%s)', (dialect) => {
  let t: TestApp;
  let gatewayId: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    gatewayId = t.sandboxGatewayId;
  });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  let buyers = 0;
  /** An order of a buyer of its own: a buyer may not buy a course it already owns. */
  const order = async (lines = [{ product_id: 2 }]) => {
    const customer = (await api('POST', '/customers', { email: `payer${++buyers}@example.com` })).json() as { id: string };
    return (await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines })).json() as { id: number; total: number };
  };
  const pay = (id: number, token: string, capture?: boolean) => api('POST', `/orders/${id}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token }, ...(capture === undefined ? {} : { capture }) });

  it('a successful single-stage payment captures, fulfills once and balances the ledger', async () => {
    const o = await order([{ product_id: 4 }]);
    const res = await pay(o.id, CARD.success);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().order).toMatchObject({ status: 'placed', payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect(res.json().order.transactions.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'capture:succeeded']);
    const owned = (await api('GET', `/enrollments?order_id=${o.id}`)).json().data;
    expect(owned.map((e: { course_id: number }) => e.course_id).sort()).toEqual([1, 2, 3]);
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
    const again = await pay(o.id, CARD.success);
    expect(again.statusCode).toBe(409);
  });

  it('a declined card is a failed transaction, the order stays payable', async () => {
    const o = await order();
    const res = await pay(o.id, CARD.decline);
    expect(res.statusCode).toBe(200);
    expect(res.json().transaction).toMatchObject({ kind: 'authorization', status: 'failed', error_code: 'card_declined' });
    expect(res.json().order).toMatchObject({ status: 'pending', payment_status: 'unpaid' });
    expect((await pay(o.id, CARD.success)).json().order).toMatchObject({ payment_status: 'paid' });
  });

  it('two-stage: authorize, capture part, void the rest', async () => {
    const o = await order();
    expect((await pay(o.id, CARD.success, false)).json().order).toMatchObject({ payment_status: 'authorized', fulfillment_status: 'unfulfilled' });
    const part = await api('POST', `/orders/${o.id}/capture`, { amount: 4000 });
    expect(part.json().order).toMatchObject({ payment_status: 'partially_paid' });
    const over = await api('POST', `/orders/${o.id}/capture`, { amount: o.total });
    expect(over.statusCode).toBe(422);
    expect(over.json().error.code).toBe('amount_exceeds_authorized');
    const voided = await api('POST', `/orders/${o.id}/void`);
    expect(voided.json().transaction).toMatchObject({ kind: 'void', status: 'succeeded', amount: o.total - 4000 });
    expect((await api('POST', `/orders/${o.id}/capture`, { amount: 1 })).statusCode).toBe(422);
  });

  it('refunds in parts up to what was captured, then revokes what the order granted', async () => {
    const o = await order();
    await pay(o.id, CARD.success);
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 1000 })).json().order).toMatchObject({ payment_status: 'partially_refunded', fulfillment_status: 'fulfilled' });
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: o.total })).json().error.code).toBe('amount_exceeds_captured');
    const rest = await api('POST', `/orders/${o.id}/refunds`);
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json().order).toMatchObject({ payment_status: 'refunded', fulfillment_status: 'revoked' });
    expect((await api('GET', `/enrollments?order_id=${o.id}`)).json().data.every((e: { status: string }) => e.status === 'revoked')).toBe(true);
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
  });

  it('concurrent captures never exceed the authorization', async () => {
    const o = await order();
    await pay(o.id, CARD.success, false);
    const results = await Promise.all(Array.from({ length: 8 }, () => api('POST', `/orders/${o.id}/capture`, { amount: 3000 })));
    const ok = results.filter((r) => r.statusCode === 200).length;
    expect(ok).toBe(Math.floor(o.total / 3000));
    const txns = (await api('GET', `/orders/${o.id}`)).json().transactions.filter((x: { kind: string; status: string }) => x.kind === 'capture' && x.status === 'succeeded');
    expect(txns.reduce((s: number, x: { amount: number }) => s + x.amount, 0)).toBeLessThanOrEqual(o.total);
  });

  it('an asynchronous payment leaves the order placed and the payment pending', async () => {
    const o = await order();
    const res = await pay(o.id, CARD.async);
    expect(res.json().transaction).toMatchObject({ status: 'pending', action_id: expect.stringMatching(/^sbx_act_/) });
    expect(res.json().order).toMatchObject({ status: 'placed', payment_status: 'unpaid' });
  });
});

describe.each(DIALECTS)('the pending-payment janitor (%s)', (dialect) => {
  let t: TestApp;
  let gatewayId: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    gatewayId = t.sandboxGatewayId;
  });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  async function payWith(token: string) {
    const o = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }] })).json();
    return (await api('POST', `/orders/${o.id}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token }, capture: false })).json();
  }

  it('resolves asynchronous payments by asking the processor, and leaves young ones alone', async () => {
    const { resolvePendingTransactions } = await import('../../src/app/payments/janitor.js');
    const good = await payWith('tok_sandbox_async_success_0077');
    const bad = await payWith('tok_sandbox_async_failure_0085');
    expect(await resolvePendingTransactions(t.deps)).toBe(0);
    t.clock.advance(11_000);
    expect(await resolvePendingTransactions(t.deps)).toBe(2);
    expect((await api('GET', `/orders/${good.order.id}`)).json()).toMatchObject({ payment_status: 'authorized' });
    const failed = (await api('GET', `/orders/${bad.order.id}`)).json();
    expect(failed.transactions[0]).toMatchObject({ status: 'failed', error_code: 'card_declined' });
    const events = (await api('GET', `/events?order_id=${bad.order.id}&type=payment.failed`)).json().data;
    expect(events).toHaveLength(1);
  });

  it('finds the outcome of a call that timed out (the charge went through)', async () => {
    const { resolvePendingTransactions } = await import('../../src/app/payments/janitor.js');
    const timedOut = await payWith('tok_sandbox_timeout_0119');
    expect(timedOut.transaction).toMatchObject({ status: 'pending' });
    t.clock.advance(6_000);
    await resolvePendingTransactions(t.deps);
    expect((await api('GET', `/orders/${timedOut.order.id}`)).json()).toMatchObject({ payment_status: 'authorized' });
  });

  it('fails a manual payment nobody confirmed after the give-up time, and tells the merchant', async () => {
    const { resolvePendingTransactions } = await import('../../src/app/payments/janitor.js');
    const manual = (await t.request({ method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY, payload: { shop_id: t.shopId, kind: 'manual', name: 'Bank transfer' } })).json();
    const o = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 3 }] })).json();
    const paid = (await api('POST', `/orders/${o.id}/payments`, { gateway_id: manual.id })).json();
    expect(paid.transaction).toMatchObject({ status: 'pending', action_id: expect.stringMatching(/^PB-/) });
    t.clock.advance(3600_000);
    expect(await resolvePendingTransactions(t.deps)).toBe(0);
    t.clock.advance(24 * 3600_000);
    expect(await resolvePendingTransactions(t.deps)).toBe(1);
    const after = (await api('GET', `/orders/${o.id}`)).json();
    expect(after.transactions[0]).toMatchObject({ status: 'failed', error_code: 'expired' });
    expect((await api('GET', `/events?order_id=${o.id}&type=payment.failed`)).json().data).toHaveLength(1);
  });

  it('a single-stage asynchronous payment is captured by the worker once it succeeds', async () => {
    const { resolvePendingTransactions } = await import('../../src/app/payments/janitor.js');
    const { Worker } = await import('../../src/worker/worker.js');
    const o = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 2 }] })).json();
    await api('POST', `/orders/${o.id}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token: 'tok_sandbox_async_success_0077' }, capture: true });
    t.clock.advance(11_000);
    await resolvePendingTransactions(t.deps);
    expect((await api('GET', `/orders/${o.id}`)).json()).toMatchObject({ payment_status: 'authorized' });
    const worker = new Worker(t.deps, { http: { post: async () => { throw new Error('no network here'); } }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 });
    await worker.runOnce();
    const after = (await api('GET', `/orders/${o.id}`)).json();
    expect(after).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect(after.transactions.filter((x: { kind: string }) => x.kind === 'capture')).toHaveLength(1);
  });

  it('a confirmed manual payment is paid and fulfilled', async () => {
    const manual = (await t.request({ method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY, payload: { shop_id: t.shopId, kind: 'manual', name: 'Wire' } })).json();
    const o = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 3 }] })).json();
    const paid = (await api('POST', `/orders/${o.id}/payments`, { gateway_id: manual.id, capture: true })).json();
    const confirmed = await api('POST', `/transactions/${paid.transaction.id}/confirm`, { outcome: 'succeeded', reference: 'BANK-REF-1' });
    expect(confirmed.json().order).toMatchObject({ payment_status: 'authorized' });
    expect((await api('POST', `/orders/${o.id}/capture`)).json().order).toMatchObject({ payment_status: 'paid' });
  });
});
