/**
 * Ids that grant access by being known — the hosted payment page's session, a payment link, an invoice's
 * checkout page, a seat code — carry at least 128 random bits and follow no order (DESIGN rule 14): a
 * buyer who knows its own cannot find anybody else's by trying neighbours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const value = (token: string) => [...token.slice(token.indexOf('_') + 1)].reduce((n, d) => n * 32n + BigInt(CROCKFORD.indexOf(d)), 0n);

describe.each(DIALECTS)('unguessable ids in buyers\' URLs (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  it('1,000 checkout sessions made in one burst (one millisecond on the clock) are in no order and never a small step apart', async () => {
    const buyer = await t.customerToken('burst@example.com');
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () =>
        t.request({ method: 'POST', url: '/api/v1/checkout', auth: buyer.token, payload: { courses: [1], quantity: 2 } })));
      for (const a of answers) {
        expect(a.statusCode, a.body).toBe(200);
        ids.push(a.json().session_id as string);
      }
    }
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^cs_[0-9a-hjkmnp-tv-z]{26}$/);
    expect([...ids].sort()).not.toEqual(ids); // in the order they were made, they are not sorted
    const sorted = ids.map(value).sort((a, b) => (a < b ? -1 : 1));
    const smallest = sorted.slice(1).reduce((min, v, i) => { const gap = v - sorted[i]!; return gap < min ? gap : min; }, 2n ** 130n);
    expect(smallest > 2n ** 64n, `smallest gap ${smallest}`).toBe(true);
    // The hosted page of a neighbour of a real id does not exist.
    const neighbour = `cs_${[...ids[0]!.slice(3, -1)].join('')}${CROCKFORD[(CROCKFORD.indexOf(ids[0]!.at(-1)!) + 1) % 32]}`;
    expect((await t.request({ method: 'GET', url: `/pay/${neighbour}` })).statusCode).toBe(404);
  }, 60_000);

  it('seat codes carry 140 random bits in unambiguous characters', async () => {
    const buyer = await t.customerToken('seats@example.com');
    const checkout = await t.request({ method: 'POST', url: '/api/v1/checkout', auth: buyer.token, payload: { courses: [2], quantity: 50 } });
    const orderId = checkout.json().order_id as number;
    await t.request({ method: 'POST', url: `/api/v1/orders/${orderId}/payments`, auth: ADMIN_KEY, payload: { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token: 'tok_sandbox_success_4242' } } });
    const codes = ((await t.request({ method: 'GET', url: `/api/v1/orders/${orderId}/seat-codes`, auth: ADMIN_KEY })).json().data as { code: string }[]).map((c) => c.code);
    expect(codes).toHaveLength(50);
    for (const code of codes) expect(code).toMatch(/^SEAT(-[A-HJ-NP-Z2-9]{4}){7}$/);
    expect(new Set(codes).size).toBe(50);
    // 28 characters of 32 symbols: every position varies.
    const body = codes.map((c) => c.replaceAll('-', '').slice(4));
    for (let i = 0; i < 28; i++) expect(new Set(body.map((c) => c[i])).size).toBeGreaterThan(10);
  });
});
