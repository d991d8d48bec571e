import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('orders priced by the server (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  it('prices an order from the catalog, the promo code and the tax rate', async () => {
    const tax = await t.request({ method: 'POST', url: '/api/v1/tax-rates', auth: ADMIN_KEY, payload: { shop_id: t.shopId, name: 'DE VAT', country: 'DE', percentage: 19 } });
    expect(tax.statusCode).toBe(201);
    const buyer = await t.customerToken('pricing@example.com');
    const res = await t.request({
      method: 'POST', url: '/api/v1/orders', auth: buyer.token,
      payload: { shop_id: t.shopId, lines: [{ product_id: 1 }, { product_id: 2, quantity: 2 }], country: 'de', promo_code: 'welcome10' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    // 49.99 + 2 × 99.99 = 249.97; 10% off = 25.00 (rounded half up); 19% of 224.97 = 42.74
    expect(order).toMatchObject({
      currency: 'USD', status: 'pending', payment_status: 'unpaid', fulfillment_status: 'unfulfilled',
      subtotal: 24997, discount: 2500, tax: 4274, total: 24997 - 2500 + 4274, promo_code: 'WELCOME10', country: 'DE',
    });
    expect(order.lines.reduce((s: number, l: { total: number }) => s + l.total, 0)).toBe(order.total);
  });

  it('refuses a once-per-customer promo code without a customer, and its second use', async () => {
    const anonymous = await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }], promo_code: 'WELCOME10' } });
    expect(anonymous.statusCode).toBe(422);
    expect(anonymous.json().error).toMatchObject({ code: 'promo_code_invalid', details: [{ field: '/promo_code' }] });
    const buyer = await t.customerToken('once@example.com');
    const order = { method: 'POST' as const, url: '/api/v1/orders', auth: buyer.token, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }], promo_code: 'WELCOME10' } };
    expect((await t.request(order)).statusCode).toBe(201);
    const again = await t.request(order);
    expect(again.statusCode).toBe(422);
    expect(again.json().error.message).toContain('already used by this customer');
  });

  it('refuses a client-sent price instead of trusting it', async () => {
    const res = await t.request({
      method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY,
      payload: { shop_id: t.shopId, lines: [{ product_id: 1, unit_amount: 1 }] },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: '/lines/0/unit_amount', message: 'is not a known field' }] });
  });

  it('cancels an unpaid order and records who did it', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 3 }] } });
    const id = created.json().id as number;
    const res = await t.request({ method: 'POST', url: `/api/v1/orders/${id}/cancel`, auth: INTEGRATION_KEY, payload: { reason: 'changed mind' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled' });
    expect(res.json().history).toEqual([expect.objectContaining({ axis: 'status', from: 'pending', to: 'cancelled', reason: 'changed mind', actor: expect.stringMatching(/^api_key:key_/) })]);
  });
});

describe.each(DIALECTS)('orders with nothing to pay (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  it('an order made free by a 100% promo code is placed and fulfilled at creation', async () => {
    await t.request({ method: 'POST', url: '/api/v1/promo-codes', auth: ADMIN_KEY, payload: { shop_id: t.shopId, code: 'FREE100', kind: 'percent_off', percent_off: 100 } });
    const buyer = await t.customerToken('free@example.com');
    const res = await t.request({ method: 'POST', url: '/api/v1/orders', auth: buyer.token, payload: { shop_id: t.shopId, lines: [{ product_id: 3 }], promo_code: 'FREE100' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ total: 0, status: 'placed', payment_status: 'free', fulfillment_status: 'fulfilled' });
    const owned = await t.request({ method: 'GET', url: '/api/v1/enrollments', auth: buyer.token });
    expect(owned.json().data.map((e: { course_id: number }) => e.course_id)).toEqual([3]);
  });
});
