import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { contractProblems, missingProperties } from '../helpers/contract.js';
import { DIALECTS } from '../helpers/stores.js';

type Body = Record<string, any>;
type Auth = 'basic' | 'bearer' | 'none' | { header: string };

const PURCHASE = '/v1/purchases/{purchase_id}';
const FULFILL = '/v1/purchases/{purchase_id}/fulfill';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

describe.each(DIALECTS)('Skilljar-compatible purchases: purchases API (%s)', (dialect) => {
  let t: TestApp;
  let external: { shopId: string; courses: number[] };
  let gatewayId: string;
  let n = 0;
  /** Every purchase body answered in this suite, checked against the contract at the end. */
  const seen: { method: string; path: string; body: Body; state: string }[] = [];

  beforeAll(async () => {
    t = await testApp(dialect);
    gatewayId = t.sandboxGatewayId;
    const shop = await t.request({ method: 'POST', url: '/api/v1/shops', auth: ADMIN_KEY, payload: {
      name: 'External Academy', currency: 'USD', remote_checkout_url: 'https://pay.example.com/checkout',
      success_url: 'https://academy.example.com/done', cancel_url: 'https://academy.example.com/cart',
    } });
    const course = async (sku: string, amount: number) => (await t.request({ method: 'POST', url: '/api/v1/products', auth: ADMIN_KEY,
      payload: { shop_id: shop.json().id, title: `Course ${sku}`, sku, prices: [{ currency: 'USD', amount }] } })).json().id as number;
    external = { shopId: shop.json().id, courses: [await course('EXT-A', 10000), await course('EXT-B', 5000)] };
  });
  afterAll(async () => { await t?.close(); });

  const call = async (method: 'GET' | 'PUT' | 'PATCH' | 'POST', url: string, payload?: unknown, auth: Auth = 'basic', form?: 'urlencoded') => {
    const authorization = auth === 'basic' ? basic(INTEGRATION_KEY) : auth === 'bearer' ? `Bearer ${INTEGRATION_KEY}` : auth === 'none' ? undefined : auth.header;
    const body = form === 'urlencoded' ? new URLSearchParams(payload as Record<string, string>).toString() : payload as object | undefined;
    const headers = { ...(authorization ? { authorization } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
    const res = await t.request({ method, url, headers, ...(body !== undefined ? { payload: body } : {}) });
    if (res.statusCode === 200) {
      const path = url.endsWith('/fulfill') ? FULFILL : PURCHASE;
      const json = res.json();
      seen.push({ method: path === FULFILL ? 'POST' : method, path, body: json, state: (json.purchase ?? json).state });
    }
    return res;
  };
  const get = (id: number | string, auth?: Auth) => call('GET', `/v1/purchases/${id}`, undefined, auth);
  const patch = (id: number, payload: unknown, form?: 'urlencoded') => call('PATCH', `/v1/purchases/${id}`, payload, 'basic', form);
  const fulfill = (id: number, payload: unknown, form?: 'urlencoded') => call('POST', `/v1/purchases/${id}/fulfill`, payload, 'basic', form);

  /** A checkout by a new customer; returns the purchase id (the order id) and the customer. */
  const purchase = async (courses: number[], extra: object = {}) => {
    const buyer = await t.customerToken(`purchaser${++n}@example.com`);
    const res = await t.request({ method: 'POST', url: '/api/v1/checkout', auth: buyer.token, payload: { courses, ...extra } });
    expect(res.statusCode, res.body).toBe(200);
    return { id: res.json().order_id as number, buyer, checkout: res.json() };
  };
  const enrollments = async (orderId: number) => (await t.request({ method: 'GET', url: `/api/v1/enrollments?order_id=${orderId}`, auth: ADMIN_KEY })).json().data as Body[];
  const transactions = (orderId: number) => t.deps.store.transactions.listByOrder(orderId);
  /** Pays on Paybridge's side (the hosted page's path), with a sandbox card. */
  const payHere = (id: number, token: string, capture: boolean) => t.request({ method: 'POST', url: `/api/v1/orders/${id}/payments`, auth: INTEGRATION_KEY, payload: { gateway_id: gatewayId, source: { type: 'card_token', token }, capture } });
  /** A purchase brought into `state` through the API. */
  const inState = async (state: string): Promise<number> => {
    const hosted = state === 'PENDING' || state === 'FLAGGED'; // paid with the demo shop's sandbox gateway
    const { id } = await purchase(hosted ? [2] : [external.courses[0]!]);
    if (state === 'SUCCESS' || state === 'REFUNDED') await fulfill(id, { state: 'SUCCESS', payment_processor_order_id: `pi_${id}` });
    if (state === 'REFUNDED') await patch(id, { state: 'REFUNDED', refund_cents: 2500 });
    if (state === 'FAILED' || state === 'CANCELLED') await fulfill(id, { state, error_msg: 'declined' });
    if (state === 'PENDING') await payHere(id, 'tok_sandbox_async_success_0077', true);
    if (state === 'FLAGGED') {
      await payHere(id, 'tok_sandbox_success_4242', false);
      await t.request({ method: 'POST', url: `/api/v1/orders/${id}/capture`, auth: INTEGRATION_KEY, payload: { amount: 1000 } });
    }
    return id;
  };

  it('reads a new purchase, CREATED, with Basic or Bearer auth', async () => {
    const { id, buyer } = await purchase(external.courses);
    const res = await get(id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: String(id), user: { id: buyer.id, email: `purchaser${n}@example.com`, first_name: '', last_name: '', full_name: '' },
      state: 'CREATED', status_msg: '', purchased_at: '2026-11-21T12:00:00.000Z', refunded_at: null, refund_cents: null,
      payment_processor: 'EXTERNAL', order_id: String(id), price_cents: 15000, quantity: 1,
      offer_id: String(external.courses[0]), offer_sku: 'EXT-A', offer_description: 'Course EXT-A, Course EXT-B', offer_price_cents: 10000,
      promo_code: '', promo_code_price_cents: 0, promo_code_percent_off: 0, promo_code_quantity: 0, tax_price_cents: 0,
      payment_processor_order_id: '', payment_processor_response_data: '', currency_code: 'USD',
    });
    expect((await get(id, 'bearer')).json()).toEqual(res.json());
    const demo = await purchase([1, 2], { promo_code: 'WELCOME10' });
    expect((await get(demo.id)).json()).toMatchObject({
      payment_processor: 'NONE', price_cents: 13498, promo_code: 'WELCOME10', promo_code_price_cents: 1500, promo_code_percent_off: 10, promo_code_quantity: 2,
    });
  });

  it('refuses callers without an integration or admin key, DRF style', async () => {
    const { id, buyer } = await purchase([external.courses[0]!]);
    expect((await get(id, 'none')).json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const bad = await get(id, { header: basic('pb_wrong_key') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ detail: 'Invalid username/password.' });
    const customer = await get(id, { header: `Bearer ${buyer.token}` });
    expect(customer.statusCode).toBe(403);
    expect(customer.json()).toEqual({ detail: 'You do not have permission to perform this action.' });
    expect((await get(id, { header: basic(ADMIN_KEY) })).statusCode).toBe(200);
  });

  it('404 {"detail": "Not found."} for an unknown or impossible purchase id', async () => {
    for (const id of ['99999999', 'abc', 'ABC', '0', '007', '1.5']) {
      const res = await get(id);
      expect(res.statusCode, id).toBe(404);
      expect(res.json()).toEqual({ detail: 'Not found.' });
    }
    expect((await fulfill(99999999, { state: 'SUCCESS' })).statusCode).toBe(404);
    expect((await patch(99999999, { tax_price_cents: 1 })).statusCode).toBe(404);
  });

  it('sets the tax before payment and recomputes the price; price_cents is the server\'s', async () => {
    const { id } = await purchase(external.courses);
    const taxed = await patch(id, { tax_price_cents: 1600 });
    expect(taxed.statusCode, taxed.body).toBe(200);
    expect(taxed.json()).toMatchObject({ state: 'CREATED', tax_price_cents: 1600, price_cents: 16600 });
    const order = (await t.request({ method: 'GET', url: `/api/v1/orders/${id}`, auth: ADMIN_KEY })).json();
    expect(order.lines.map((l: Body) => l.tax)).toEqual([1067, 533]);
    expect(order.lines.reduce((s: number, l: Body) => s + l.total, 0)).toBe(16600);
    expect((await call('PUT', `/v1/purchases/${id}`, { tax_price_cents: 1600, price_cents: 16600, id: 'ignored' })).statusCode).toBe(200);
    const lie = await patch(id, { price_cents: 1 });
    expect(lie.statusCode).toBe(400);
    expect(lie.json()).toEqual({ price_cents: ['price_cents is computed by the server and cannot be changed: this purchase costs 16600.'] });
    const form = await patch(id, { tax_price_cents: '1700' }, 'urlencoded');
    expect(form.json()).toMatchObject({ tax_price_cents: 1700, price_cents: 16700 });
    expect((await patch(id, { tax_price_cents: 'abc' }, 'urlencoded')).json()).toEqual({ tax_price_cents: ['A valid integer is required.'] });
    expect((await patch(id, { tax_price_cents: -1 })).json()).toEqual({ tax_price_cents: ['Ensure this value is greater than or equal to 0.'] });
    expect((await patch(id, { state: 'BOGUS' })).json()).toEqual({ state: ['"BOGUS" is not a valid choice.'] });
    expect((await patch(id, { state: 'SUCCESS' })).json()).toEqual({ state: [`state SUCCESS is set with POST /v1/purchases/${id}/fulfill.`] });
    expect((await patch(id, { tax_price_cents: null })).json()).toMatchObject({ tax_price_cents: 0, price_cents: 15000 });
    await fulfill(id, { state: 'SUCCESS' });
    const late = await patch(id, { tax_price_cents: 99 });
    expect(late.statusCode).toBe(400);
    expect(late.json()).toEqual({ tax_price_cents: ['tax_price_cents can only change before the purchase is paid.'] });
  });

  it('fulfill SUCCESS records the external payment once, grants access and redirects to the success URL', async () => {
    const { id } = await purchase(external.courses);
    const res = await fulfill(id, { state: 'SUCCESS', payment_processor_order_id: 'pi_123', payment_processor_response_data: '{"charge":"ch_1"}' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      redirect_url: `https://academy.example.com/done?purchase_id=${id}`,
      purchase: { state: 'SUCCESS', payment_processor_order_id: 'pi_123', payment_processor_response_data: '{"charge":"ch_1"}', price_cents: 15000 },
    });
    expect((await transactions(id)).map((x) => [x.kind, x.status, x.gatewayId, x.processorToken, x.amount])).toEqual([
      ['authorization', 'succeeded', null, 'pi_123', 15000], ['capture', 'succeeded', null, 'pi_123', 15000],
    ]);
    expect((await enrollments(id)).map((e) => [e.course_id, e.status]).sort()).toEqual(external.courses.map((c) => [c, 'active']));
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
    const again = await fulfill(id, { state: 'SUCCESS', payment_processor_order_id: 'pi_123', payment_processor_response_data: '{"charge":"ch_1"}' });
    expect(again.json()).toEqual(res.json());
    expect(await transactions(id)).toHaveLength(2);
    for (const contradiction of [{ state: 'CANCELLED' }, { state: 'FAILED', error_msg: 'too late' }, { state: 'SUCCESS', payment_processor_order_id: 'pi_other' }]) {
      const refused = await fulfill(id, contradiction);
      expect(refused.statusCode, JSON.stringify(contradiction)).toBe(409);
      expect(refused.json()).toEqual({ detail: expect.stringContaining(`purchase ${id}`) });
    }
  });

  it('two concurrent SUCCESS fulfillments pay and enroll once', async () => {
    const { id } = await purchase([2, 3]);
    const results = await Promise.all([1, 2, 3].map(() => fulfill(id, { state: 'SUCCESS', payment_processor_order_id: 'pi_race' })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect((await enrollments(id)).map((e) => e.course_id).sort()).toEqual([2, 3]);
    expect((await transactions(id)).filter((x) => x.kind === 'capture')).toHaveLength(1);
  });

  it('accepts form-urlencoded and multipart bodies; without a success URL the buyer lands on the thank-you page', async () => {
    const { id } = await purchase([2]);
    const res = await fulfill(id, { state: 'SUCCESS', payment_processor_order_id: 'pp-9' }, 'urlencoded');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().redirect_url).toBe(`http://127.0.0.1:3000/thank-you?purchase_id=${id}`);
    const page = await t.request({ method: 'GET', url: `/thank-you?purchase_id=${id}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain(String(id));
    const other = await purchase([3]);
    const form = new FormData();
    form.append('state', 'FAILED');
    form.append('error_msg', 'Insufficient funds');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const multipart = await t.request({
      method: 'POST', url: `/v1/purchases/${other.id}/fulfill`, payload: Buffer.from(await request.arrayBuffer()),
      headers: { authorization: basic(INTEGRATION_KEY), 'content-type': request.headers.get('content-type')! },
    });
    expect(multipart.statusCode, multipart.body).toBe(200);
    expect(multipart.json().purchase).toMatchObject({ state: 'FAILED', status_msg: 'Insufficient funds' });
    expect((await t.request({ method: 'POST', url: `/v1/purchases/${id}/fulfill`, payload: 'state=SUCCESS', headers: { authorization: basic(INTEGRATION_KEY), 'content-type': 'text/plain' } })).json())
      .toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
    expect((await fulfill(id, {})).json()).toEqual({ state: ['This field is required.'] });
  });

  it('FAILED keeps the message, emits purchase.failed once, sends the buyer back to checkout; SUCCESS may follow', async () => {
    const { id } = await purchase([external.courses[1]!]);
    const failed = await fulfill(id, { state: 'FAILED', error_msg: 'Card declined' });
    expect(failed.json()).toMatchObject({ redirect_url: `https://pay.example.com/checkout?purchase_id=${id}`, purchase: { state: 'FAILED', status_msg: 'Card declined' } });
    expect((await fulfill(id, { state: 'FAILED', error_msg: 'Card declined' })).json()).toEqual(failed.json());
    expect((await t.deps.store.events.list({ orderId: id, type: 'purchase.failed' }, { limit: 10 })).items).toHaveLength(1);
    const paid = await fulfill(id, { state: 'SUCCESS', payment_processor_order_id: 'pi_retry' });
    expect(paid.json().purchase).toMatchObject({ state: 'SUCCESS', status_msg: '' });

    const hosted = await purchase([1]);
    const back = await fulfill(hosted.id, { state: 'FAILED' });
    expect(back.json()).toMatchObject({ redirect_url: hosted.checkout.checkout_url, purchase: { state: 'FAILED', status_msg: 'The payment was not completed.' } });
  });

  it('CANCELLED cancels and redirects to the cancel URL; SUCCESS after it is refused', async () => {
    const { id } = await purchase([external.courses[0]!]);
    const res = await fulfill(id, { state: 'CANCELLED' });
    expect(res.json()).toMatchObject({ redirect_url: `https://academy.example.com/cart?purchase_id=${id}`, purchase: { state: 'CANCELLED' } });
    expect((await fulfill(id, { state: 'CANCELLED' })).json()).toEqual(res.json());
    expect((await fulfill(id, { state: 'SUCCESS' })).statusCode).toBe(409);
    const hosted = await purchase([1]);
    expect((await fulfill(hosted.id, { state: 'CANCELLED' })).json().redirect_url).toBe(hosted.checkout.checkout_url);
    const patched = await purchase([2]);
    expect((await patch(patched.id, { state: 'CANCELLED' })).json().state).toBe('CANCELLED');
  });

  it('refunds an external payment in parts; a full refund revokes only what that order granted', async () => {
    const first = await purchase([external.courses[0]!]);
    const buyerToken = first.buyer.token;
    const second = await t.request({ method: 'POST', url: '/api/v1/checkout', auth: buyerToken, payload: { courses: [external.courses[1]] } });
    const secondId = second.json().order_id as number;
    await fulfill(first.id, { state: 'SUCCESS', payment_processor_order_id: 'pi_a' });
    await fulfill(secondId, { state: 'SUCCESS', payment_processor_order_id: 'pi_b' });
    const part = await patch(first.id, { state: 'REFUNDED', refund_cents: 4000 });
    expect(part.json()).toMatchObject({ state: 'REFUNDED', refund_cents: 4000, refunded_at: '2026-11-21T12:00:00.000Z' });
    expect((await enrollments(first.id))[0]).toMatchObject({ status: 'active' });
    expect((await patch(first.id, { state: 'REFUNDED', refund_cents: 4000 })).json()).toEqual(part.json());
    expect((await patch(first.id, { refund_cents: 1000 })).json()).toEqual({ refund_cents: ['refund_cents cannot go below what was already refunded (4000).'] });
    const full = await patch(first.id, { state: 'REFUNDED', refund_cents: 10000 });
    expect(full.json()).toMatchObject({ state: 'REFUNDED', refund_cents: 10000 });
    expect((await enrollments(first.id))[0]).toMatchObject({ status: 'revoked' });
    expect((await enrollments(secondId))[0]).toMatchObject({ status: 'active' });
    expect((await transactions(first.id)).filter((x) => x.kind === 'refund').map((x) => [x.status, x.amount, x.gatewayId])).toEqual([['succeeded', 4000, null], ['succeeded', 6000, null]]);
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
    const unpaid = await purchase([3]);
    expect((await patch(unpaid.id, { state: 'REFUNDED' })).statusCode).toBe(409);
  });

  it('bulk purchases make one seat code per seat, listed and e-mailed', async () => {
    const { id } = await purchase([external.courses[1]!], { quantity: 3 });
    const res = await fulfill(id, { state: 'SUCCESS' });
    expect(res.json().purchase).toMatchObject({ quantity: 3, price_cents: 15000, state: 'SUCCESS' });
    const codes = (await t.request({ method: 'GET', url: `/api/v1/orders/${id}/seat-codes`, auth: INTEGRATION_KEY })).json().data as Body[];
    expect(codes).toHaveLength(3);
    const mail = (await t.deps.store.jobs.list({ kind: 'email' }, { limit: 50 })).items.find((j) => j.payload['subject'] === `Seat codes for order #${id}`);
    for (const c of codes) expect(mail?.payload['text']).toContain(c.code);
    expect(await enrollments(id)).toEqual([]);
  });

  it('the confirmation e-mail shows the tax set before fulfillment and the new total', async () => {
    const { id } = await purchase([external.courses[0]!]);
    await patch(id, { tax_price_cents: 825 });
    await fulfill(id, { state: 'SUCCESS' });
    const mail = (await t.deps.store.jobs.list({ kind: 'email' }, { limit: 50 })).items.find((j) => j.payload['subject'] === `Your order #${id} at External Academy`);
    expect(mail?.payload['text']).toMatch(/Tax\s+8\.25 USD/);
    expect(mail?.payload['text']).toMatch(/Total charged\s+108\.25 USD/);
  });

  it('a purchase paid on the hosted page reads PENDING while the payment is under way, and is refunded there, not here', async () => {
    const pending = await inState('PENDING');
    expect((await fulfill(pending, { state: 'SUCCESS' })).statusCode).toBe(409);
    const card = await purchase([3]);
    await payHere(card.id, 'tok_sandbox_success_4242', true);
    expect((await get(card.id)).json()).toMatchObject({ state: 'SUCCESS', payment_processor: 'NONE' });
    const refund = await patch(card.id, { state: 'REFUNDED' });
    expect(refund.statusCode).toBe(409);
    expect(refund.json().detail).toContain(`/api/v1/orders/${card.id}/refunds`);
  });

  it.each(['CREATED', 'PENDING', 'SUCCESS', 'FAILED', 'REFUNDED', 'CANCELLED', 'FLAGGED'])('GET, PUT and PATCH of a %s purchase answer the contract\'s Purchase', async (state) => {
    const id = await inState(state);
    for (const res of [await get(id), await call('PUT', `/v1/purchases/${id}`, {}), await patch(id, {})]) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().state).toBe(state);
      expect(contractProblems('GET', PURCHASE, res.json())).toEqual([]);
      expect(missingProperties('Purchase', res.json())).toEqual([]);
    }
  });

  it('a 5xx says nothing about the internals', async () => {
    const { id } = await purchase([1]);
    const spy = vi.spyOn(t.deps.store.orders, 'get').mockRejectedValueOnce(new Error('relation "orders" does not exist at db.internal'));
    try {
      const res = await get(id);
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ detail: 'A server error occurred.' });
    } finally {
      spy.mockRestore();
    }
  });

  it('every purchase answered above conforms to the contract, in every state', () => {
    expect(contractProblems('GET', PURCHASE, { id: 7, state: 'PAID', purchased_at: 'yesterday' })).toHaveLength(3); // the check can fail
    expect(new Set(seen.map((s) => s.state))).toEqual(new Set(['CREATED', 'PENDING', 'SUCCESS', 'FAILED', 'REFUNDED', 'CANCELLED', 'FLAGGED']));
    expect(new Set(seen.map((s) => `${s.method} ${s.path}`))).toEqual(new Set([`GET ${PURCHASE}`, `PUT ${PURCHASE}`, `PATCH ${PURCHASE}`, `POST ${FULFILL}`]));
    for (const { method, path, body } of seen) {
      expect(contractProblems(method, path, body), `${method} ${path} ${JSON.stringify(body)}`).toEqual([]);
      expect(missingProperties('Purchase', body['purchase'] ?? body)).toEqual([]);
    }
  });
});
