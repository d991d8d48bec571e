/**
 * Cancellation never strands money (DESIGN rule 16): an order cancelled while its payment is in flight gives
 * back whatever that payment takes afterwards, through the usual intent → call → result steps, and keeps its
 * promo code use until it holds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { RELEASE_JOB } from '../../src/app/orders/release-holds.js';
import { releaseCancelledOrder } from '../../src/app/payments/release-cancelled.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const SLOW_SUCCESS = 'tok_sandbox_async_success_0077';
const SLOW_FAILURE = 'tok_sandbox_async_failure_0085';

describe.each(DIALECTS)('cancelling an order while its payment is in flight (%s)', (dialect) => {
  let t: TestApp;
  let worker: Worker;
  beforeAll(async () => {
    t = await testApp(dialect);
    worker = new Worker(t.deps, { http: { post: async () => ({ status: 200, headers: {}, body: '' }) }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 });
  });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object, auth = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const newOrder = async (customerId: string, promo?: string) => {
    const res = await api('POST', '/orders', { shop_id: t.shopId, customer_id: customerId, lines: [{ product_id: 2 }], ...(promo ? { promo_code: promo } : {}) });
    return res;
  };
  const pay = (id: number, token: string) => api('POST', `/orders/${id}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token } });
  const order = async (id: number) => (await api('GET', `/orders/${id}`)).json();
  /** Lets the sandbox's slow payments resolve: the janitor asks after 10 s, and the worker runs what follows. */
  const afterProcessorAnswers = async () => { t.clock.advance(11_000); await worker.drain(); };

  it('a slow payment that succeeds after the cancel is voided at once, and the promo code comes back only then', async () => {
    const buyer = await t.customerToken('cancel-race@example.com');
    const placed = await newOrder(buyer.id, 'WELCOME10');
    expect(placed.statusCode, placed.body).toBe(201);
    const id = placed.json().id as number;
    expect((await pay(id, SLOW_SUCCESS)).json().transaction).toMatchObject({ kind: 'authorization', status: 'pending' });

    const cancelled = await api('POST', `/orders/${id}/cancel`, {}, buyer.token);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', payment_status: 'unpaid' });
    // The promo code is still held by the cancelled order: its payment may yet take money.
    const early = await newOrder(buyer.id, 'WELCOME10');
    expect(early.statusCode).toBe(422);
    expect(early.json().error.details[0]).toMatchObject({ field: '/promo_code', message: 'was already used by this customer' });

    await afterProcessorAnswers();
    const after = await order(id);
    expect(after).toMatchObject({ status: 'cancelled', payment_status: 'voided', fulfillment_status: 'unfulfilled' });
    expect(after.transactions.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'void:succeeded']);
    expect(after.history.filter((h: { actor: string }) => h.actor === 'system:cancellation').length).toBeGreaterThan(0);
    expect((await t.deps.store.jobs.list({ kind: RELEASE_JOB }, { limit: 10 })).items.map((j) => j.status)).toEqual(['done']);
    const enrolled = (await api('GET', `/enrollments?order_id=${id}`)).json().data;
    expect(enrolled).toEqual([]);
    // Now that the cancelled order holds nothing, its promo code use is given back.
    expect((await newOrder(buyer.id, 'WELCOME10')).statusCode).toBe(201);
    await worker.drain();
    expect(await checkInvariants(t.deps)).toEqual([]);
  });

  it('a slow payment that fails after the cancel gives the promo code back when it fails', async () => {
    const buyer = await t.customerToken('cancel-fail@example.com');
    const id = (await newOrder(buyer.id, 'WELCOME10')).json().id as number;
    await pay(id, SLOW_FAILURE);
    expect((await api('POST', `/orders/${id}/cancel`, {})).json()).toMatchObject({ status: 'cancelled' });
    expect((await newOrder(buyer.id, 'WELCOME10')).statusCode).toBe(422);
    await afterProcessorAnswers();
    expect(await order(id)).toMatchObject({ status: 'cancelled', payment_status: 'unpaid' });
    expect((await newOrder(buyer.id, 'WELCOME10')).statusCode).toBe(201);
    await worker.drain();
    expect(await checkInvariants(t.deps)).toEqual([]);
  });

  it('void and refund stay allowed on a cancelled order while it holds money; authorize and capture do not', async () => {
    const buyer = await t.customerToken('cancel-manual@example.com');
    const id = (await newOrder(buyer.id)).json().id as number;
    await pay(id, SLOW_SUCCESS);
    await api('POST', `/orders/${id}/cancel`, {});
    t.clock.advance(11_000);
    const { resolvePendingTransactions } = await import('../../src/app/payments/janitor.js');
    expect(await resolvePendingTransactions(t.deps)).toBeGreaterThan(0);
    expect(await order(id)).toMatchObject({ status: 'cancelled', payment_status: 'authorized' });
    // Before the worker releases it, `paybridge check` sees the money held by a cancelled order.
    expect((await checkInvariants(t.deps)).map((v) => v.rule)).toContain('cancelled_holds_money');
    const capture = await api('POST', `/orders/${id}/capture`, {});
    expect(capture.statusCode).toBe(409);
    expect(capture.json().error.message).toContain('is cancelled');
    expect((await pay(id, 'tok_sandbox_success_4242')).statusCode).toBe(409);
    const voided = await api('POST', `/orders/${id}/void`, {});
    expect(voided.statusCode, voided.body).toBe(200);
    expect(voided.json().order).toMatchObject({ status: 'cancelled', payment_status: 'voided' });
    await worker.drain(); // the release job finds nothing left to release
    expect((await order(id)).transactions).toHaveLength(2);
    expect(await checkInvariants(t.deps)).toEqual([]);
  });

  it('a cancelled order holding captured money is refunded by the release job, tried again later when the processor refuses', async () => {
    const buyer = await t.customerToken('cancel-captured@example.com');
    const id = (await newOrder(buyer.id)).json().id as number;
    // Planted: a cancelled order with a succeeded authorization and capture (no API path leads here).
    await pay(id, 'tok_sandbox_success_4242');
    await t.deps.store.tx(async (tx) => {
      const o = (await tx.orders.getForUpdate(id))!;
      await tx.orders.updateGuarded(id, o.version, { status: 'cancelled', cancelledAt: t.clock.now() });
    });
    expect((await checkInvariants(t.deps)).map((v) => v.rule)).toContain('cancelled_holds_money');
    // A processor that refuses the refund: the refusal is recorded and the release is tried again later.
    const sandbox = await t.deps.gateways.resolve(t.sandboxGatewayId);
    const refusing = { ...t.deps, gateways: { resolve: async () => Object.assign(Object.create(sandbox) as typeof sandbox, { refund: async () => ({ outcome: 'failed' as const, errorCode: 'processor_error', errorMessage: 'try later' }) }) } };
    await releaseCancelledOrder(refusing, id);
    expect(await order(id)).toMatchObject({ status: 'cancelled', payment_status: 'paid' });
    const retry = (await t.deps.store.jobs.list({ kind: RELEASE_JOB, status: 'pending' }, { limit: 10 })).items.filter((j) => j.payload['order_id'] === id);
    expect(retry.map((j) => j.nextAttemptAt - t.clock.now())).toEqual([5_000]);
    t.clock.advance(5_000);
    await worker.drain();
    const after = await order(id);
    expect(after).toMatchObject({ status: 'cancelled', payment_status: 'refunded' });
    expect(after.transactions.at(-1)).toMatchObject({ kind: 'refund', status: 'succeeded', amount: after.total });
    await releaseCancelledOrder(t.deps, id); // nothing left: does nothing
    expect((await order(id)).transactions.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'capture:succeeded', 'refund:failed', 'refund:succeeded']);
  });
});
