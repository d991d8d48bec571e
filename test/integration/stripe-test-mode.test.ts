/**
 * The Stripe payments suite against real Stripe in test mode, for a developer with a test-mode key:
 *
 *   STRIPE_TEST_SECRET_KEY=sk_test_… npx vitest run test/integration/stripe-test-mode.test.ts
 *
 * Skipped without the key (it is never run in CI, which reaches no network). It refuses a live key. It makes
 * PaymentIntents and refunds in the account's test mode with Stripe's documented test payment methods; the
 * webhooks part needs `stripe listen --forward-to …` and is covered by the local server's suites instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePendingTransactions } from '../../src/app/payments/janitor.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';

const KEY = process.env['STRIPE_TEST_SECRET_KEY'] ?? '';
if (KEY && !KEY.startsWith('sk_test_') && !KEY.startsWith('rk_test_')) throw new Error('STRIPE_TEST_SECRET_KEY must be a test-mode key (sk_test_…)');

describe.skipIf(!KEY)('Stripe payments against real Stripe test mode (STRIPE_TEST_SECRET_KEY)', () => {
  let t: TestApp;
  let gatewayId: string;
  beforeAll(async () => {
    t = await testApp('sqlite');
    const created = await t.request({
      method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, kind: 'stripe', secret_key: KEY, webhook_secret: process.env['STRIPE_WEBHOOK_SECRET'] ?? 'whsec_not_used_in_this_suite', capture: 'manual' },
    });
    expect(created.statusCode, created.body).toBe(201);
    gatewayId = created.json().id;
  }, 30_000);
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  const order = async () => (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 2 }] })).json() as { id: number; total: number };
  const pay = async (id: number, pm: string, capture: boolean) => (await api('POST', `/orders/${id}/payments`, { gateway_id: gatewayId, source: { type: 'stripe_payment_method', token: pm }, capture })).json();

  it('authorizes, captures in part and refunds in two parts', async () => {
    const o = await order();
    expect((await pay(o.id, 'pm_card_visa', false)).order.payment_status).toBe('authorized');
    expect((await api('POST', `/orders/${o.id}/capture`, { amount: 5000 })).json().order.payment_status).toBe('partially_paid');
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 1000 })).json().transaction.status).toMatch(/succeeded|pending/);
    expect((await api('POST', `/orders/${o.id}/refunds`, {})).json().transaction.amount).toBe(4000);
  }, 60_000);

  it('declines with Stripe\'s codes', async () => {
    expect((await pay((await order()).id, 'pm_card_chargeDeclinedInsufficientFunds', true)).transaction.error_code).toBe('insufficient_funds');
  }, 30_000);

  it('3-D Secure is pending with the next action URL; the janitor reads it from Stripe', async () => {
    const res = await pay((await order()).id, 'pm_card_threeDSecure2Required', true);
    expect(res.transaction.status).toBe('pending');
    expect(res.transaction.metadata.next_action_url).toMatch(/^https:\/\//);
    t.clock.advance(10_000);
    expect(await resolvePendingTransactions(t.deps)).toBe(0); // still waiting for the buyer
  }, 30_000);
});
