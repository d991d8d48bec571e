/**
 * One set of rules for every way of buying from the catalog: a course the customer already owns is refused
 * by POST /api/v1/orders as by the course checkout, seat codes are promo codes in both, and a sandbox payment
 * through the API names its card (a sandbox token), never "succeeding" with none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const SUCCESS = 'tok_sandbox_success_4242';

describe.each(DIALECTS)('purchase rules shared by the order and checkout routes (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object, auth = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const pay = (orderId: number) => api('POST', `/orders/${orderId}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token: SUCCESS } });
  const owner = async () => {
    const customer = await t.customerToken(`rules${++n}-${dialect}@example.com`);
    const order = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: [{ product_id: 1 }] })).json();
    expect((await pay(order.id)).json().transaction.status).toBe('succeeded');
    return customer;
  };

  it('POST /orders refuses a course the customer owns with a 409 naming it, also through a bundle; the course checkout with its 403', async () => {
    const customer = await owner();
    const again = await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: [{ product_id: 2 }, { product_id: 1 }] });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'already_owned', message: `customer ${customer.id} already owns "JavaScript Fundamentals" (course 1)`,
      details: [{ field: '/lines/1/product_id', message: `customer ${customer.id} already owns "JavaScript Fundamentals" (course 1).` }],
    });
    const bundle = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 4 }] }, customer.token);
    expect(bundle.statusCode).toBe(409);
    expect(bundle.json().error.message).toBe('you already own "JavaScript Fundamentals" (course 1), included in "Full-Stack JavaScript Bundle"');
    const checkout = await api('POST', '/checkout', { courses: [1] }, customer.token);
    expect(checkout.statusCode).toBe(403);
    expect(checkout.json().errors).toEqual({ courses: ['You already own "JavaScript Fundamentals" (course 1).'] });
    // Seats for a team are not for oneself: five seats of an owned course are sold.
    expect((await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer.id, lines: [{ product_id: 1, quantity: 5 }] })).statusCode).toBe(201);
    // Only one active enrollment in course 1.
    const enrollments = (await api('GET', `/enrollments?customer_id=${customer.id}`)).json().data;
    expect(enrollments.filter((e: { course_id: number; status: string }) => e.course_id === 1 && e.status === 'active')).toHaveLength(1);
  });

  it('POST /orders takes a seat code as promo_code, once, for one unit of its course, as the course checkout does', async () => {
    const buyer = await t.customerToken(`seats${++n}-${dialect}@example.com`);
    const bulk = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: buyer.id, lines: [{ product_id: 3, quantity: 2 }] })).json();
    await pay(bulk.id);
    const [first, second] = (await api('GET', `/orders/${bulk.id}/seat-codes`)).json().data as { code: string }[];
    const member = await t.customerToken(`member${++n}-${dialect}@example.com`);
    const free = await api('POST', '/orders', { shop_id: t.shopId, customer_id: member.id, lines: [{ product_id: 3 }], promo_code: first!.code });
    expect(free.statusCode, free.body).toBe(201);
    expect(free.json()).toMatchObject({ total: 0, promo_code: first!.code, payment_status: 'free', fulfillment_status: 'fulfilled' });
    const reused = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 3 }], promo_code: first!.code }, (await t.customerToken(`late${++n}-${dialect}@example.com`)).token);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.details).toEqual([{ field: '/promo_code', message: 'has already been redeemed' }]);
    const two = await api('POST', '/orders', { shop_id: t.shopId, customer_id: member.id, lines: [{ product_id: 3, quantity: 2 }], promo_code: second!.code });
    expect(two.json().error.details).toEqual([{ field: '/promo_code', message: 'covers one seat: check out with a quantity of 1' }]);
    const nobody = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 3 }], promo_code: second!.code });
    expect(nobody.json().error.details).toEqual([{ field: '/promo_code', message: 'needs a customer to enroll' }]);
    // The seat code redeemed through the order API is used up for the course checkout too.
    const viaCheckout = await api('POST', '/checkout', { courses: [3], promo_code: first!.code }, (await t.customerToken(`co${++n}-${dialect}@example.com`)).token);
    expect(viaCheckout.json().errors).toEqual({ promo_code: ['The promo code has already been redeemed.'] });
  });

  it('a sandbox payment without a source is a 422 naming source, and takes nothing', async () => {
    const order = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 2 }] })).json();
    const res = await api('POST', `/orders/${order.id}/payments`, { gateway_id: t.sandboxGatewayId });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toEqual([expect.objectContaining({ field: '/source' })]);
    expect(res.json().error.details[0].message).toContain('tok_sandbox_success_4242');
    expect((await api('GET', `/orders/${order.id}`)).json()).toMatchObject({ payment_status: 'unpaid', transactions: [] });
  });

  it.each([
    ['tok_sandbox_success_4242', 'succeeded', null],
    ['tok_sandbox_decline_0002', 'failed', 'card_declined'],
    ['tok_sandbox_insufficient_9995', 'failed', 'insufficient_funds'],
    ['tok_sandbox_async_success_0077', 'pending', null],
    ['tok_sandbox_async_failure_0085', 'pending', null],
    ['tok_sandbox_timeout_0119', 'pending', null],
  ])('the documented sandbox token %s answers %s', async (token, status, code) => {
    const order = (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 2 }] })).json();
    const res = await api('POST', `/orders/${order.id}/payments`, { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().transaction).toMatchObject({ status, error_code: code });
  });
});
