/**
 * Processor faults under load: an external gateway whose merchant endpoint, at random, times out, resets the
 * connection, answers 5xx, garbage or a body too slow to arrive, declines, approves, or answers 202 and
 * completes later by signed webhooks that arrive duplicated, reordered, contradicting each other — or never.
 * About 150 concurrent payment, capture and refund requests hit it; then the webhooks are delivered, the
 * clock passes the janitor's give-up time, the janitor and the worker run, and nothing may be left pending:
 * every transaction succeeded or failed with an error code, the invariant checker finds nothing, and each
 * of the janitor's give-ups told the merchant through `payment.failed`.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { JANITOR_DEFAULTS, resolvePendingTransactions } from '../../src/app/payments/janitor.js';
import type { PaymentTransaction } from '../../src/ports/payments.js';
import { Worker } from '../../src/worker/worker.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { requestedAmount, startFakeMerchant, success, type FakeMerchant, type MerchantRequest, type Reply } from '../helpers/fake-merchant.js';
import { DIALECTS } from '../helpers/stores.js';

const TIMEOUT_MS = 800;
const ORDERS = 60;

/** A seeded pseudo-random source, so a failing run can be repeated with PAYBRIDGE_FAULT_SEED. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

interface Completion { readonly actionId: string; readonly success: boolean; readonly lost: boolean }

/** The merchant's behaviour: one fault or answer per request, drawn at random. */
function faultyReplies(random: () => number, completions: Completion[]): (req: MerchantRequest) => Reply {
  let asyncCount = 0;
  return (req) => {
    const roll = random();
    if (roll < 0.1) return { ...success(req), delayMs: TIMEOUT_MS + 400 }; // timeout
    if (roll < 0.18) return { reset: true };
    if (roll < 0.26) return { status: 500 + Math.floor(random() * 4), raw: '<html>upstream error</html>' };
    if (roll < 0.32) return { raw: '{"success": tru' };
    if (roll < 0.38) return { ...success(req), dripMs: TIMEOUT_MS + 400 }; // the body does not arrive in time
    if (roll < 0.46) return { status: 402, body: { success: false, error: { code: 'DECLINED', message: 'Declined by the issuer' } } };
    if (roll < 0.66) {
      // Every fifth asynchronous completion is never sent: only the janitor's give-up ends it.
      const actionId = `act_${req.json.data.id}_${asyncCount}`;
      completions.push({ actionId, success: random() < 0.75, lost: ++asyncCount % 5 === 0 });
      return { status: 202, body: { success: true, data: { action_id: actionId, transaction_token: `mt_${actionId}`, amount_cents: requestedAmount(req) } } };
    }
    return random() < 0.15 ? { ...success(req), delayMs: 50 } : success(req);
  };
}

describe.each(DIALECTS)('an external gateway faulting under concurrent load (%s)', (dialect) => {
  let t: TestApp;
  let m: FakeMerchant;
  beforeAll(async () => {
    t = await testApp(dialect);
    m = await startFakeMerchant();
  });
  afterAll(async () => { await m?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });

  it('leaves no payment pending, every transaction ended with a reason, and zero invariant violations', async () => {
    const seed = Number(process.env['PAYBRIDGE_FAULT_SEED'] ?? Date.now() % 100000);
    const random = rng(seed);
    const gw = (await t.request({
      method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY,
      payload: {
        shop_id: t.shopId, name: 'Faulty PSP', authorize_url: `${m.url}/authorize`, capture_url: `${m.url}/capture`,
        refund_url: `${m.url}/refund`, void_url: `${m.url}/void`, timeout_ms: TIMEOUT_MS, circuit_failure_threshold: 10_000,
      },
    })).json();
    m.secret.value = gw.shared_secret;
    const completions: Completion[] = [];
    m.fallback = faultyReplies(random, completions);

    const orders = await Promise.all(Array.from({ length: ORDERS }, async () => {
      const res = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 + Math.floor(random() * 4), quantity: random() < 0.2 ? 2 : 1 }] });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    }));
    const statuses: number[] = [];
    const fire = async (url: string, payload: object) => { const res = await api('POST', url, payload); statuses.push(res.statusCode); return res; };
    const pay = (id: number) => fire(`/orders/${id}/payments`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_x' }, capture: random() < 0.6 });
    // Wave 1: a payment for every order, and a second one, at once, for every fourth (a double click).
    await Promise.all(orders.flatMap((id, i) => (i % 4 === 0 ? [pay(id), pay(id)] : [pay(id)])));
    // Wave 2: captures, refunds and new payment attempts, several on the same order at once.
    await Promise.all(orders.flatMap((id, i) => {
      const amount = 500 + Math.floor(random() * 3000);
      const calls = [fire(`/orders/${id}/capture`, random() < 0.5 ? { amount } : {}), fire(`/orders/${id}/refunds`, { amount })];
      if (i % 3 === 0) calls.push(pay(id));
      return calls;
    }));
    expect(statuses.length).toBeGreaterThanOrEqual(150);
    expect(statuses.filter((s) => s >= 500), 'no request answered 5xx').toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(30);

    const sign = (raw: string) => createHmac('sha256', gw.shared_secret).update(raw).digest('base64');
    const deliver = async (raw: string) => (await t.request({
      method: 'POST', url: `/webhooks/external/${gw.id}`, payload: raw,
      headers: { 'content-type': 'application/json', 'x-commercelayer-signature': sign(raw) },
    })).statusCode;
    const worker = new Worker(t.deps, { http: { post: async () => { throw new Error('no network here'); } }, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5 });
    const expired = new Set<string>();
    let delivered = 0;
    // Rounds, because the worker's auto-captures call the faulty merchant too and may be answered 202.
    for (let round = 0; round < 6 && completions.length > delivered; round++) {
      const batch = completions.slice(delivered);
      delivered = completions.length;
      const bodies = batch.filter((c) => !c.lost).flatMap((c) => {
        const body = (ok: boolean) => JSON.stringify(ok
          ? { success: true, data: { action_id: c.actionId, message: 'Approved', avs_code: 'Y' } }
          : { success: false, data: { action_id: c.actionId, error_code: 'ISSUER_DECLINED', error_detail: 'declined later' } });
        const copies = Array.from({ length: 1 + Math.floor(random() * 3) }, () => body(c.success));
        return random() < 0.2 ? [...copies, body(!c.success)] : copies; // a contradicting late event
      });
      for (let i = bodies.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!]; }
      const answers = await Promise.all(bodies.map(deliver));
      // 404: an action_id whose 202 Paybridge never recorded, because the reply came in too late.
      expect(answers.filter((s) => s !== 200 && s !== 404), 'webhook answers').toEqual([]);

      t.clock.advance(JANITOR_DEFAULTS.giveUpAfterMs + 60_000);
      const before = new Set((await pendingTransactions()).map((x) => x.id));
      while ((await resolvePendingTransactions(t.deps)) > 0);
      for (const id of before) expired.add(id);
      await worker.drain();
    }

    const all = (await Promise.all(orders.map((id) => t.deps.store.transactions.listByOrder(id)))).flat();
    expect(all.filter((x) => x.status === 'pending').map((x) => x.id), `seed ${seed}: pending`).toEqual([]);
    expect(all.filter((x) => x.status !== 'succeeded' && x.status !== 'failed').map((x) => x.id)).toEqual([]);
    expect(all.filter((x) => x.status === 'failed' && !x.errorCode).map((x) => x.id), 'failed without an error code').toEqual([]);
    if (process.env['PAYBRIDGE_FAULT_DEBUG']) console.log(JSON.stringify(all.reduce<Record<string, number>>((h, x) => { const k = `${x.kind}:${x.status}:${x.errorCode}`; h[k] = (h[k] ?? 0) + 1; return h; }, {})), statuses.length);
    for (const code of ['timeout', 'gateway_unavailable', 'invalid_response', 'DECLINED']) {
      expect(all.some((x) => x.errorCode === code), `a transaction failed with ${code} (seed ${seed})`).toBe(true);
    }
    expect(all.some((x) => x.actionId !== null && x.status === 'succeeded'), 'a webhook completed a payment').toBe(true);
    expect(await checkInvariants(t.deps), `seed ${seed}`).toEqual([]);

    const givenUp = all.filter((x) => expired.has(x.id));
    expect(givenUp.length, 'the janitor gave up on the lost webhooks').toBeGreaterThan(0);
    for (const txn of givenUp) {
      expect(txn).toMatchObject({ status: 'failed', errorCode: 'expired' });
      const events = (await t.deps.store.events.list({ orderId: txn.orderId, type: 'payment.failed' }, { limit: 100 })).items;
      expect(events.some((e) => (e.data['transaction'] as { id?: string } | undefined)?.id === txn.id), `payment.failed for ${txn.id}`).toBe(true);
    }
    expect(m.problems).toEqual([]);

    async function pendingTransactions(): Promise<PaymentTransaction[]> {
      return t.deps.store.transactions.listPending(t.clock.now(), 1000);
    }
  }, 60_000);
});
