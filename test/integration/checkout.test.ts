import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const SUCCESS_CARD = 'tok_sandbox_success_4242';

describe.each(DIALECTS)('course checkout: POST /api/v1/checkout (%s)', (dialect) => {
  let t: TestApp;
  let gatewayId: string;
  let emails = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    gatewayId = t.sandboxGatewayId;
  });
  afterAll(async () => { await t?.close(); });

  const buyer = () => t.customerToken(`buyer${++emails}@example.com`);
  const checkout = (token: string | undefined, payload: unknown, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/api/v1/checkout', ...(token ? { auth: token } : {}), headers, payload: payload as object });
  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.request({ method, url: `/api/v1${url}`, auth: ADMIN_KEY, ...(payload ? { payload } : {}) });
  const pay = (orderId: number) => admin('POST', `/orders/${orderId}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token: SUCCESS_CARD } });

  it('answers the specification\'s own test request with the documented response, priced from the catalog', async () => {
    const { token } = await buyer();
    const res = await checkout(token, { courses: [1, 2, 3] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['checkout_url', 'courses', 'order_id', 'session_id', 'status', 'total_amount']);
    expect(body).toEqual({
      status: 'SUCCESS',
      checkout_url: `http://127.0.0.1:3000/pay/${body.session_id}`,
      session_id: expect.stringMatching(/^cs_/),
      order_id: expect.any(Number),
      total_amount: 199.97,
      courses: [
        { id: 1, title: 'JavaScript Fundamentals', price: 49.99 },
        { id: 2, title: 'Advanced React', price: 99.99 },
        { id: 3, title: 'Node.js Mastery', price: 49.99 },
      ],
    });
    const order = (await admin('GET', `/orders/${body.order_id}`)).json();
    expect(order).toMatchObject({ total: 19997, status: 'pending', payment_status: 'unpaid' });
    const session = await t.deps.store.checkoutSessions.get(body.session_id);
    expect(session).toMatchObject({ orderId: body.order_id, status: 'open' });
  });

  it('ignores a price sent by the client: prices come only from the catalog', async () => {
    const { token } = await buyer();
    const res = await checkout(token, { courses: [2], price: 0.01, total_amount: 0.01, prices: { 2: 0.01 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ total_amount: 99.99, courses: [{ id: 2, price: 99.99 }] });
  });

  it('applies a promo code on the server', async () => {
    const { token } = await buyer();
    const res = await checkout(token, { courses: [1, 2, 3], promo_code: 'welcome10' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().total_amount).toBe(179.97); // 199.97 − 10 % (20.00, rounded half up)
    const unknown = await checkout(token, { courses: [1], promo_code: 'NOPE' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toEqual({ status: 'ERROR', message: 'Validation failed', errors: { promo_code: ['The promo code does not exist.'] } });
  });

  it('401 without a token, or with a bad one', async () => {
    for (const res of [await checkout(undefined, { courses: [1] }), await checkout('not-a-token', { courses: [1] })]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ status: 'ERROR', message: 'User not authenticated' });
    }
  });

  it('an API key checks out for the customer it names (by id or external id), and only then', async () => {
    const missing = await checkout(INTEGRATION_KEY, { courses: [1] });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({ status: 'ERROR', message: 'Validation failed', errors: { customer: ['The customer is required with an API key: {"id"} or {"external_id"}.'] } });
    const unknown = await checkout(INTEGRATION_KEY, { courses: [1], customer: { external_id: 'nobody' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors).toEqual({ customer: ['The customer does not exist.'] });
    const ext = `platform-user-${++emails}`;
    const customer = (await admin('PUT' as 'POST', `/customers/by-external-id/${ext}`, { email: `${ext}@example.com` })).json();
    for (const named of [{ id: customer.id }, { external_id: ext }]) {
      const res = await checkout(INTEGRATION_KEY, { courses: [2], customer: named });
      expect(res.statusCode, res.body).toBe(200);
      const order = (await admin('GET', `/orders/${res.json().order_id}`)).json();
      expect(order.customer_id).toBe(customer.id);
      await admin('POST', `/orders/${res.json().order_id}/cancel`);
    }
    // Paid through the key's checkout, the course is owned: the key's next checkout is refused like the customer's.
    const bought = (await checkout(INTEGRATION_KEY, { courses: [3], customer: { external_id: ext } })).json();
    expect((await pay(bought.order_id)).statusCode).toBe(200);
    const owned = await checkout(INTEGRATION_KEY, { courses: [3], customer: { id: customer.id } });
    expect(owned.statusCode).toBe(403);
    expect(owned.json().errors).toEqual({ courses: ['You already own "Node.js Mastery" (course 3).'] });
    // A customer token checks out for itself only.
    const { token } = await buyer();
    const other = await checkout(token, { courses: [1], customer: { id: customer.id } });
    expect(other.statusCode).toBe(403);
  });

  it('403 for a restricted account', async () => {
    const { id, token } = await buyer();
    expect((await admin('PATCH', `/customers/${id}`, { restricted: true })).statusCode).toBe(200);
    const res = await checkout(token, { courses: [1] });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ status: 'ERROR', message: 'Access forbidden: this account is restricted and may not make purchases' });
  });

  it('403 naming the course when the buyer already owns it, also through a bundle', async () => {
    const { token } = await buyer();
    const first = await checkout(token, { courses: [1] });
    expect((await pay(first.json().order_id)).json().order).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    const again = await checkout(token, { courses: [2, 1] });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toEqual({
      status: 'ERROR', message: 'Access forbidden: you already own "JavaScript Fundamentals" (course 1)',
      errors: { courses: ['You already own "JavaScript Fundamentals" (course 1).'] },
    });
    const bundle = await checkout(token, { courses: [4] });
    expect(bundle.statusCode).toBe(403);
    expect(bundle.json().message).toBe('Access forbidden: you already own "JavaScript Fundamentals" (course 1), included in "Full-Stack JavaScript Bundle"');
    expect((await checkout(token, { courses: [2] })).statusCode).toBe(200); // an unpaid order is not ownership
  });

  it('422 with the specification\'s messages when courses are missing or empty', async () => {
    const { token } = await buyer();
    for (const payload of [{}, { promo_code: 'WELCOME10' }]) {
      const res = await checkout(token, payload);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual({
        status: 'ERROR', message: 'Validation failed',
        errors: { courses: ['The courses field is required.', 'At least one course must be selected.'] },
      });
    }
    const empty = await checkout(token, { courses: [] });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toEqual({ status: 'ERROR', message: 'Validation failed', errors: { courses: ['At least one course must be selected.'] } });
  });

  it('422 naming every unknown, unavailable, duplicated or malformed course id', async () => {
    const { token } = await buyer();
    const hidden = await admin('POST', '/products', { shop_id: t.shopId, title: 'Retired Course', sku: 'RETIRED', active: false, prices: [{ currency: 'USD', amount: 1000 }] });
    expect(hidden.statusCode, hidden.body).toBe(201);
    const res = await checkout(token, { courses: [1, 999, hidden.json().id, 1] });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      status: 'ERROR', message: 'Validation failed',
      errors: { courses: ['Course 999 does not exist.', `Course ${hidden.json().id} is not available for purchase.`, 'Course 1 is listed more than once.'] },
    });
    const unknownFirst = await checkout(token, { courses: [999, 2] });
    expect(unknownFirst.json().errors).toEqual({ courses: ['Course 999 does not exist.'] });
    const malformed = await checkout(token, { courses: [1, 'two'] });
    expect(malformed.json()).toEqual({ status: 'ERROR', message: 'Validation failed', errors: { courses: ['The course at position 2 must be a positive integer id.'] } });
    const notAList = await checkout(token, { courses: '1,2' });
    expect(notAList.json().errors).toEqual({ courses: ['The courses field must be a list of course ids.'] });
    const quantity = await checkout(token, { courses: [1], quantity: 0 });
    expect(quantity.json().errors).toEqual({ quantity: ['The quantity must be an integer between 1 and 1000.'] });
  });

  it('500 says nothing about the internals', async () => {
    const { token } = await buyer();
    const spy = vi.spyOn(t.deps.store, 'tx').mockRejectedValueOnce(new Error('connection to db.internal:5432 failed, password=hunter2'));
    try {
      const res = await checkout(token, { courses: [1] });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ status: 'ERROR', message: 'An error occurred while processing your request' });
      expect(res.body).not.toMatch(/hunter2|5432|Error/);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends the buyer to the shop\'s remote checkout URL with ?purchase_id= when it has one, keeping a hosted session', async () => {
    const shop = await admin('POST', '/shops', { name: 'External Academy', currency: 'USD', remote_checkout_url: 'https://pay.example.com/checkout?lang=en' });
    expect(shop.statusCode, shop.body).toBe(201);
    const course = await admin('POST', '/products', { shop_id: shop.json().id, title: 'Rust Basics', sku: 'RUST-1', prices: [{ currency: 'USD', amount: 2500 }] });
    const { token } = await buyer();
    const res = await checkout(token, { courses: [course.json().id] });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.checkout_url).toBe(`https://pay.example.com/checkout?lang=en&purchase_id=${body.order_id}`);
    expect(await t.deps.store.checkoutSessions.get(body.session_id)).toMatchObject({ orderId: body.order_id, status: 'open' });
    const mixed = await checkout(token, { courses: [1, course.json().id] });
    expect(mixed.statusCode).toBe(422);
    expect(mixed.json().errors.courses[0]).toMatch(/sold by another shop/);
  });

  it('a retry with the same Idempotency-Key returns the first order', async () => {
    const { token } = await buyer();
    const headers = { 'idempotency-key': 'checkout-retry-1' };
    const a = await checkout(token, { courses: [3] }, headers);
    const b = await checkout(token, { courses: [3] }, headers);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
  });

  it('quantity > 1 buys seat codes; a seat code redeemed at checkout is free, fulfilled at once, and single use', async () => {
    const team = await buyer();
    const bulk = await checkout(team.token, { courses: [2], quantity: 3 });
    expect(bulk.json().total_amount).toBe(299.97);
    await pay(bulk.json().order_id);
    const codes = (await admin('GET', `/orders/${bulk.json().order_id}/seat-codes`)).json().data as { code: string; status: string }[];
    expect(codes).toHaveLength(3);
    const mails = (await t.deps.store.jobs.list({ kind: 'email' }, { limit: 50 })).items.map((j) => j.payload as { to: string; subject: string; text: string });
    const seatMail = mails.find((m) => m.subject === `Seat codes for order #${bulk.json().order_id}`);
    for (const c of codes) expect(seatMail?.text).toContain(c.code);

    const member = await buyer();
    const redeemed = await checkout(member.token, { courses: [2], promo_code: codes[0]!.code.toLowerCase() });
    expect(redeemed.statusCode, redeemed.body).toBe(200);
    expect(redeemed.json().total_amount).toBe(0);
    const order = (await admin('GET', `/orders/${redeemed.json().order_id}`)).json();
    expect(order).toMatchObject({ payment_status: 'free', status: 'placed', fulfillment_status: 'fulfilled', discount: 9999, total: 0 });
    const enrolled = (await admin('GET', `/enrollments?order_id=${order.id}`)).json().data;
    expect(enrolled).toMatchObject([{ course_id: 2, customer_id: member.id, status: 'active' }]);
    expect(await t.deps.store.fulfillment.getSeatCode(codes[0]!.code)).toMatchObject({ status: 'redeemed', redeemedBy: member.id, redeemedOrderId: order.id });

    const other = await buyer();
    const reused = await checkout(other.token, { courses: [2], promo_code: codes[0]!.code });
    expect(reused.json()).toEqual({ status: 'ERROR', message: 'Validation failed', errors: { promo_code: ['The promo code has already been redeemed.'] } });
    const wrongCourse = await checkout(other.token, { courses: [3], promo_code: codes[1]!.code });
    expect(wrongCourse.json().errors.promo_code).toEqual(['Promo code does not apply to any item.']);
    const twoSeats = await checkout(other.token, { courses: [2], quantity: 2, promo_code: codes[1]!.code });
    expect(twoSeats.json().errors.promo_code).toEqual(['The promo code covers one seat: check out with a quantity of 1.']);
    const withMore = await checkout(other.token, { courses: [1, 2], promo_code: codes[1]!.code });
    expect(withMore.json().total_amount).toBe(49.99); // the seat pays for course 2 only
  });

  it('cancelling a free seat-code order revokes what it granted and gives the seat back', async () => {
    const team = await buyer();
    const bulk = await checkout(team.token, { courses: [1], quantity: 2 });
    await pay(bulk.json().order_id);
    const [code] = (await admin('GET', `/orders/${bulk.json().order_id}/seat-codes`)).json().data as { code: string }[];
    const member = await buyer();
    const free = (await checkout(member.token, { courses: [1], promo_code: code!.code })).json();
    const cancelled = await admin('POST', `/orders/${free.order_id}/cancel`, { reason: 'left the team' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', payment_status: 'free', fulfillment_status: 'revoked' });
    expect((await admin('GET', `/enrollments?order_id=${free.order_id}`)).json().data).toMatchObject([{ course_id: 1, status: 'revoked' }]);
    expect(await t.deps.store.fulfillment.getSeatCode(code!.code)).toMatchObject({ status: 'available', redeemedBy: null });
    expect((await admin('GET', `/orders/${bulk.json().order_id}`)).json()).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect((await checkout(member.token, { courses: [1], promo_code: code!.code })).json().total_amount).toBe(0);
  });

  it('a full refund of a bulk order revokes every seat it sold, and what redeemed seats granted; the holder\'s order says why', async () => {
    const team = await buyer();
    const bulk = await checkout(team.token, { courses: [2], quantity: 2 });
    await pay(bulk.json().order_id);
    const [used, unused] = (await admin('GET', `/orders/${bulk.json().order_id}/seat-codes`)).json().data as { code: string }[];
    const member = await buyer();
    const free = (await checkout(member.token, { courses: [2], promo_code: used!.code })).json();
    expect((await admin('GET', `/enrollments?order_id=${free.order_id}`)).json().data).toMatchObject([{ status: 'active' }]);

    const refund = await admin('POST', `/orders/${bulk.json().order_id}/refunds`, {});
    expect(refund.statusCode, refund.body).toBe(200);
    expect(refund.json().order).toMatchObject({ payment_status: 'refunded', fulfillment_status: 'revoked' });
    expect(await t.deps.store.fulfillment.getSeatCode(unused!.code)).toMatchObject({ status: 'revoked' });
    expect(await t.deps.store.fulfillment.getSeatCode(used!.code)).toMatchObject({ status: 'revoked', redeemedBy: member.id });
    expect((await admin('GET', `/enrollments?order_id=${free.order_id}`)).json().data).toMatchObject([{ course_id: 2, status: 'revoked' }]);
    const holder = (await admin('GET', `/orders/${free.order_id}`)).json();
    expect(holder).toMatchObject({ payment_status: 'free', fulfillment_status: 'revoked' });
    expect(holder.history.at(-1)).toMatchObject({
      axis: 'fulfillment_status', from: 'fulfilled', to: 'revoked',
      reason: `seat code ${used!.code} was revoked: order ${bulk.json().order_id} was refunded in full`,
    });
    const events = await t.deps.store.events.list({ orderId: free.order_id, type: 'fulfillment.revoked' }, { limit: 10 });
    expect(events.items).toHaveLength(1);
    // Neither seat can be redeemed any more.
    const again = await checkout((await buyer()).token, { courses: [2], promo_code: unused!.code });
    expect(again.json().errors.promo_code).toEqual(['The promo code is no longer valid.']);
    expect((await checkInvariants(t.deps)).filter((v) => v.rule.startsWith('grant'))).toEqual([]);
  });

  it('`paybridge check` flags an active enrollment granted through a seat of a refunded order', async () => {
    const team = await buyer();
    const bulk = await checkout(team.token, { courses: [3], quantity: 2 });
    await pay(bulk.json().order_id);
    const [seat] = (await admin('GET', `/orders/${bulk.json().order_id}/seat-codes`)).json().data as { code: string }[];
    const free = (await checkout((await buyer()).token, { courses: [3], promo_code: seat!.code })).json();
    // Planted: the bulk order marked refunded behind Paybridge's back, the seat holder's enrollment left active.
    await t.deps.store.tx(async (tx) => {
      const o = (await tx.orders.getForUpdate(bulk.json().order_id))!;
      await tx.orders.updateGuarded(o.id, o.version, { paymentStatus: 'refunded' });
    });
    const found = (await checkInvariants(t.deps)).filter((v) => v.rule === 'grant_through_void_seat');
    expect(found.map((v) => v.subject)).toEqual([`order ${bulk.json().order_id}`]);
    expect(found[0]!.detail).toContain((await admin('GET', `/enrollments?order_id=${free.order_id}`)).json().data[0].id);
  });

  it('two buyers racing for one seat code: exactly one gets it', async () => {
    const team = await buyer();
    const bulk = await checkout(team.token, { courses: [3], quantity: 2 });
    await pay(bulk.json().order_id);
    const [code] = (await admin('GET', `/orders/${bulk.json().order_id}/seat-codes`)).json().data as { code: string }[];
    const racers = await Promise.all([buyer(), buyer(), buyer()]);
    const results = await Promise.all(racers.map((r) => checkout(r.token, { courses: [3], promo_code: code!.code })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422, 422]);
  });

  it('documents the endpoint in the OpenAPI document', async () => {
    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/api/v1/checkout'].post;
    expect(op.tags).toEqual(['Course checkout']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '422', '500']));
  });
});
