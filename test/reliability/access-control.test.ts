/**
 * Access control across customers: customer A never reads or changes customer B's order, purchase,
 * enrollment, seat codes, invoice or account. Another customer's resources are "not found" (404), so ids
 * are not even confirmed; API keys and tokens from other roles get what their role allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('customers see only their own data (%s)', (dialect) => {
  let t: TestApp;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let orderOfB: number;

  beforeAll(async () => {
    t = await testApp(dialect);
    a = await t.customerToken('alice@example.com');
    b = await t.customerToken('bob@example.com');
    const gatewayId = t.sandboxGatewayId;
    const order = await t.request({ method: 'POST', url: '/api/v1/orders', auth: b.token, payload: { shop_id: t.shopId, lines: [{ product_id: 2, quantity: 2 }] } });
    orderOfB = order.json().id;
    await t.request({ method: 'POST', url: `/api/v1/orders/${orderOfB}/payments`, auth: INTEGRATION_KEY, payload: { gateway_id: gatewayId, source: { type: 'card_token', token: 'tok_sandbox_success_4242' } } });
  });
  afterAll(async () => { await t?.close(); });

  it('reads of another customer\'s resources are 404, exactly like ids that do not exist', async () => {
    const pairs = [
      [`/api/v1/orders/${orderOfB}`, '/api/v1/orders/999999'],
      [`/api/v1/orders/${orderOfB}/seat-codes`, '/api/v1/orders/999999/seat-codes'],
      [`/api/v1/customers/${b.id}`, '/api/v1/customers/cus_missing'],
    ];
    for (const [url, absent] of pairs as [string, string][]) {
      const theirs = await t.request({ method: 'GET', url, auth: a.token });
      const missing = await t.request({ method: 'GET', url: absent, auth: a.token });
      expect([url, theirs.statusCode], theirs.body).toEqual([url, 404]);
      expect(theirs.json().error.code).toBe(missing.json().error.code);
      expect((await t.request({ method: 'GET', url, auth: b.token })).statusCode, url).toBe(200);
    }
  });

  it('changes to another customer\'s resources are 404 and change nothing', async () => {
    const cancel = await t.request({ method: 'POST', url: `/api/v1/orders/${orderOfB}/cancel`, auth: a.token, payload: {} });
    expect(cancel.statusCode).toBe(404);
    const patch = await t.request({ method: 'PATCH', url: `/api/v1/customers/${b.id}`, auth: a.token, payload: { first_name: 'Mallory' } });
    expect(patch.statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/api/v1/customers/${b.id}`, auth: ADMIN_KEY })).json().first_name).toBeNull();
  });

  it('lists are filtered to the caller, whatever filter it asks for', async () => {
    const orders = await t.request({ method: 'GET', url: `/api/v1/orders?customer_id=${b.id}`, auth: a.token });
    expect(orders.json().data).toEqual([]);
    const enrollments = await t.request({ method: 'GET', url: `/api/v1/enrollments?customer_id=${b.id}&order_id=${orderOfB}`, auth: a.token });
    expect(enrollments.json().data).toEqual([]);
    expect((await t.request({ method: 'GET', url: '/api/v1/orders', auth: b.token })).json().data.map((o: { id: number }) => o.id)).toContain(orderOfB);
  });

  it('a customer cannot use platform endpoints: purchases, payments, webhooks, keys', async () => {
    for (const [method, url] of [['GET', `/v1/purchases/${orderOfB}`], ['POST', `/api/v1/orders/${orderOfB}/refunds`], ['GET', '/api/v1/webhook-endpoints'], ['GET', '/api/v1/api-keys'], ['GET', '/api/v1/events']] as const) {
      const res = await t.request({ method, url, auth: b.token, ...(method === 'POST' ? { payload: {} } : {}) });
      expect([url, res.statusCode]).toEqual([url, 403]);
    }
  });
});
