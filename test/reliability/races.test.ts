/**
 * Races on one order: many concurrent captures, voids and refunds. The limits hold (captured + voided ≤
 * authorized, refunded ≤ captured) and every accepted request has exactly one effect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('concurrent money movements on one order (%s)', (dialect) => {
  let t: TestApp;
  let gatewayId: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    gatewayId = t.sandboxGatewayId;
  });
  afterAll(async () => { await t?.close(); });

  const api = (url: string, payload?: object) => t.request({ method: 'POST', url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });

  async function authorizedOrder(): Promise<{ id: number; total: number }> {
    const o = (await api('/orders', { shop_id: t.shopId, lines: [{ product_id: 2 }] })).json();
    await api(`/orders/${o.id}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token: 'tok_sandbox_success_4242' }, capture: false });
    return o;
  }
  /** The checker also wants the outbox drained: run a worker whose receivers all answer 200. */
  async function violations() {
    const worker = new Worker(t.deps, { http: { post: async () => ({ status: 200, headers: {}, body: '' }) }, mailer: { send: async () => {} } }, { id: 'races', random: () => 0.5 });
    await worker.drain();
    return checkInvariants(t.deps);
  }
  const succeeded = async (id: number, kind: string) => (await t.request({ method: 'GET', url: `/api/v1/orders/${id}`, auth: INTEGRATION_KEY })).json()
    .transactions.filter((x: { kind: string; status: string }) => x.kind === kind && x.status === 'succeeded') as { amount: number }[];

  it('captures and voids racing on one authorization never move more than was authorized', async () => {
    const o = await authorizedOrder();
    const requests = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? api(`/orders/${o.id}/void`) : api(`/orders/${o.id}/capture`, { amount: 2500 })));
    const results = await Promise.all(requests);
    expect(results.every((r) => r.statusCode < 500)).toBe(true);
    const captured = (await succeeded(o.id, 'capture')).reduce((s, x) => s + x.amount, 0);
    const voids = await succeeded(o.id, 'void');
    expect(voids.length).toBeLessThanOrEqual(1);
    expect(captured + voids.reduce((s, x) => s + x.amount, 0)).toBeLessThanOrEqual(o.total);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength((await succeeded(o.id, 'capture')).length + voids.length);
    expect(await violations()).toEqual([]);
  });

  it('concurrent full captures: one captures everything, the others are told there is nothing left (409)', async () => {
    const o = await authorizedOrder();
    const results = await Promise.all(Array.from({ length: 6 }, () => api(`/orders/${o.id}/capture`)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const refused of results.filter((r) => r.statusCode !== 200)) {
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'invalid_transition', message: `order ${o.id} has nothing left to capture` });
    }
    const full = await Promise.all(Array.from({ length: 3 }, () => api(`/orders/${o.id}/refunds`)));
    expect(full.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    expect(full.find((r) => r.statusCode === 409)!.json().error.message).toBe(`order ${o.id} has nothing left to refund`);
    expect(await violations()).toEqual([]);
  });

  it('capturing or refunding an unpaid order is refused as having nothing to capture or refund (409)', async () => {
    const o = (await api('/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }] })).json();
    for (const [path, body, word] of [['capture', undefined, 'capture'], ['capture', { amount: 100 }, 'capture'], ['refunds', undefined, 'refund'], ['refunds', { amount: 100 }, 'refund']] as const) {
      const res = await api(`/orders/${o.id}/${path}`, body);
      expect(res.statusCode, `${path} ${JSON.stringify(body)}`).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'invalid_transition', message: `order ${o.id} has nothing to ${word}` });
    }
  });

  it('refunds racing on one capture never refund more than was captured', async () => {
    const o = await authorizedOrder();
    await api(`/orders/${o.id}/capture`);
    const results = await Promise.all(Array.from({ length: 10 }, () => api(`/orders/${o.id}/refunds`, { amount: 3000 })));
    const refunded = (await succeeded(o.id, 'refund')).reduce((s, x) => s + x.amount, 0);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(Math.floor(o.total / 3000));
    expect(refunded).toBe(Math.floor(o.total / 3000) * 3000);
    expect(results.filter((r) => r.statusCode !== 200).every((r) => r.json().error.code === 'amount_exceeds_captured')).toBe(true);
    expect(await violations()).toEqual([]);
  });
});
