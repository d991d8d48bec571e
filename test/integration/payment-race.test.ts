/**
 * The processor's notification and the buyer's browser return arrive at the same time, a few hundred
 * times over: every order is paid and fulfilled exactly once — one enrollment per course, one
 * `purchase.fulfilled` event, one confirmation e-mail — whatever order the requests land in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCardToken } from '../../src/adapters/gateways/sandbox-gateway.js';
import { openCheckoutSession } from '../../src/app/checkout/sessions.js';
import { createOrder } from '../../src/app/orders/create-order.js';
import { payOrder } from '../../src/app/payments/pay-order.js';
import { completeTransaction } from '../../src/app/payments/transactions.js';
import type { CheckoutSession, Order } from '../../src/ports/orders.js';
import type { PaymentTransaction } from '../../src/ports/payments.js';
import { Worker } from '../../src/worker/worker.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const ORDERS = 200;
const PRODUCTS = [[1, 2, 3], [4], [2]] as const; // courses, a bundle of 1–3, one course
const COURSES: Record<number, number[]> = { 1: [1], 2: [2], 3: [3], 4: [1, 2, 3] };

interface Case {
  readonly order: Order;
  readonly session: CheckoutSession;
  readonly authorization: PaymentTransaction;
  readonly courses: number[];
}

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...await Promise.all(items.slice(i, i + width).map((item, j) => fn(item, i + j))));
  return out;
}

async function all<T>(list: (filter: object, page: { limit: number; after?: string | number }) => Promise<{ items: readonly T[]; hasMore: boolean }>, filter: object, idOf: (item: T) => string | number): Promise<T[]> {
  const items: T[] = [];
  for (let after: string | number | undefined; ;) {
    const page = await list(filter, { limit: 100, ...(after === undefined ? {} : { after }) });
    items.push(...page.items);
    if (!page.hasMore) return items;
    after = idOf(page.items.at(-1)!);
  }
}

describe.each(DIALECTS)('notification and browser return racing (%s)', (dialect) => {
  let t: TestApp;
  let cases: Case[];
  const browser = (sessionId: string) => t.app.inject({ method: 'GET', url: `/pay/${sessionId}` });
  const notify = (c: Case) => completeTransaction(t.deps, c.authorization, { outcome: 'succeeded', amount: c.authorization.amount, processorToken: `sbx_auth_${c.authorization.id}` }, `gateway:${c.authorization.gatewayId}`);
  const worker = (id: string) => new Worker(t.deps, { http: { post: async () => ({ status: 200, headers: {}, body: '' }) }, mailer: { send: async () => undefined } }, { id, random: () => 0.5 });

  beforeAll(async () => {
    t = await testApp(dialect);
    const gatewayId = t.sandboxGatewayId;
    const card = sandboxCardToken({ number: '4000000000000077', expMonth: 12, expYear: 34, cvc: '123' }, t.clock.now());
    if (!('token' in card)) throw new Error(card.error);
    cases = await inBatches(Array.from({ length: ORDERS }, (_, i) => i), 20, async (i) => {
      const products = PRODUCTS[i % PRODUCTS.length]!;
      const customer = await t.deps.store.customers.insert({ id: t.deps.ids.next('cus'), email: `race${i}@example.com`, firstName: null, lastName: null, restricted: false, passwordHash: null, externalId: null });
      const order = await createOrder(t.deps, { shopId: t.shopId, customerId: customer.id, lines: products.map((productId) => ({ productId, quantity: 1 })) });
      const session = await t.deps.store.tx((tx) => openCheckoutSession(t.deps, tx, order, { successUrl: 'https://shop.example/thanks' }));
      const paid = await payOrder(t.deps, { orderId: order.id, gatewayId, source: { type: 'card_token', token: card.token }, capture: true, actor: `checkout:${session.id}` });
      expect(paid.transactions.map((x) => x.status)).toEqual(['pending']);
      return { order, session, authorization: paid.transactions[0]!, courses: [...new Set(products.flatMap((p) => COURSES[p]!))].sort() };
    });
  }, 120_000);
  afterAll(async () => { await t?.close(); });

  it('fulfills every order exactly once when two notifications and the browser return land together', async () => {
    t.clock.advance(11_000);
    const firstReturns = await Promise.all(cases.map(async (c) => {
      const [, page] = await Promise.all([notify(c), browser(c.session.id), notify(c)]);
      return page;
    }));
    for (const page of firstReturns) expect([200, 303]).toContain(page.statusCode);

    // The capture that follows an asynchronous authorization, by two workers, while browsers keep returning.
    await Promise.all([worker('w1').drain(), worker('w2').drain(), ...cases.map((c) => browser(c.session.id)), ...cases.map(notify)]);
    await worker('w3').drain();

    const finalReturns = await Promise.all(cases.map((c) => browser(c.session.id)));
    finalReturns.forEach((page, i) => {
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toBe(`https://shop.example/thanks?session_id=${cases[i]!.session.id}&order_id=${cases[i]!.order.id}`);
    });

    const store = t.deps.store;
    const emails = await all((f, p) => store.jobs.list(f, p), { kind: 'email' }, (j) => j.id);
    const fulfilledEvents = await all((f, p) => store.events.list(f, p), { type: 'purchase.fulfilled' }, (e) => e.id);
    await inBatches(cases, 25, async (c) => {
      expect(await store.orders.get(c.order.id)).toMatchObject({ status: 'placed', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled' });
      const enrollments = (await store.fulfillment.enrollments({ orderId: c.order.id }, { limit: 100 })).items;
      expect(enrollments.map((e) => e.courseId).sort()).toEqual(c.courses);
      expect(new Set(enrollments.map((e) => `${e.customerId}:${e.courseId}:${e.orderId}`)).size).toBe(enrollments.length);
      const txns = await store.transactions.listByOrder(c.order.id);
      expect(txns.map((x) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'capture:succeeded']);
      expect((await store.checkoutSessions.get(c.session.id))!.status).toBe('complete');
      expect(fulfilledEvents.filter((e) => e.orderId === c.order.id)).toHaveLength(1);
      expect(emails.filter((j) => j.dedupeKey === `email:order-confirmation.${c.order.id}`)).toHaveLength(1);
    });
    expect(await store.ledger.totals()).toEqual({ USD: 0 });
  }, 60_000);

  it('a form submitted several times at once takes one payment and fulfills once', async () => {
    const customer = await t.deps.store.customers.insert({ id: t.deps.ids.next('cus'), email: 'double-click@example.com', firstName: null, lastName: null, restricted: false, passwordHash: null, externalId: null });
    const order = await createOrder(t.deps, { shopId: t.shopId, customerId: customer.id, lines: [{ productId: 4, quantity: 1 }] });
    const session = await t.deps.store.tx((tx) => openCheckoutSession(t.deps, tx, order, { successUrl: 'https://shop.example/thanks' }));
    const page = await browser(session.id);
    const cookie = `pb_csrf=${page.cookies.find((c) => c.name === 'pb_csrf')!.value}`;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const body = new URLSearchParams({ _csrf: token, number: '4242424242424242', expiry: '12/34', cvc: '123', name: 'Quick Clicker' }).toString();
    const posts = await Promise.all(Array.from({ length: 5 }, () => t.app.inject({
      method: 'POST', url: `/pay/${session.id}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body,
    })));
    for (const res of posts) expect([200, 303]).toContain(res.statusCode); // the result, or "processing" while the first one runs
    expect(posts.some((res) => res.statusCode === 303)).toBe(true);
    const txns = await t.deps.store.transactions.listByOrder(order.id);
    expect(txns.map((x) => `${x.kind}:${x.status}`)).toEqual(['authorization:succeeded', 'capture:succeeded']);
    expect((await t.deps.store.fulfillment.enrollments({ orderId: order.id }, { limit: 100 })).items.map((e) => e.courseId).sort()).toEqual([1, 2, 3]);
    expect((await t.deps.store.events.list({ orderId: order.id, type: 'purchase.fulfilled' }, { limit: 10 })).items).toHaveLength(1);
  });
});
