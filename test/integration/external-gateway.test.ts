import { createHmac } from 'node:crypto';
import { denormalizePayload } from '@commercelayer/sdk-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startFakeMerchant, success, type FakeMerchant } from '../helpers/fake-merchant.js';
import { DIALECTS } from '../helpers/stores.js';

/** Signed the way the specification documents it, computed independently of Paybridge's code. */
const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('base64');

describe.each(DIALECTS)('Commerce Layer external payment gateways through the native API (%s)', (dialect) => {
  let t: TestApp;
  let m: FakeMerchant;
  let gw: { id: string; shared_secret: string; webhook_endpoint_url: string };
  let buyer: { id: string; token: string };
  beforeAll(async () => {
    t = await testApp(dialect);
    m = await startFakeMerchant();
    const created = await t.request({
      method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY,
      payload: {
        shop_id: t.shopId, name: 'Acme PSP', authorize_url: `${m.url}/authorize`, capture_url: `${m.url}/capture`, void_url: `${m.url}/void`,
        refund_url: `${m.url}/refund`, token_url: `${m.url}/token`, timeout_ms: 500,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    gw = created.json();
    m.secret.value = gw.shared_secret;
    buyer = await t.customerToken('ext-buyer@example.com');
  });
  afterEach(() => { expect(m.problems).toEqual([]); });
  afterAll(async () => { await m?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, auth: string = INTEGRATION_KEY) =>
    t.request({ method, url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  let buyers = 0;
  /** An order of `customerId`, by default of a new buyer (a buyer may not buy a course it already owns). */
  const order = async (lines: object[] = [{ product_id: 2 }], extra: object = {}, customerId?: string) => {
    const customer = customerId ?? (await api('POST', '/customers', { email: `ext-buyer-${++buyers}@example.com` })).json().id as string;
    return (await api('POST', '/orders', { shop_id: t.shopId, customer_id: customer, lines, ...extra })).json() as { id: number; total: number };
  };
  const pay = (id: number, capture?: boolean, source: object = { type: 'card_token', token: 'tok_visa' }) =>
    api('POST', `/orders/${id}/payments`, { gateway_id: gw.id, source, ...(capture === undefined ? {} : { capture }) });
  const webhook = (body: object, secret = gw.shared_secret, signature?: string) => {
    const raw = JSON.stringify(body);
    return t.request({ method: 'POST', url: `/webhooks/external/${gw.id}`, headers: { 'content-type': 'application/json', 'x-commercelayer-signature': signature ?? sign(raw, secret) }, payload: raw });
  };

  it('creates a gateway with a generated secret and webhook URL, shown once, and validates its settings', async () => {
    expect(gw).toMatchObject({ object: 'external_gateway', kind: 'external', circuit_state: 'closed', circuit_failure_count: 0, circuit_failure_threshold: 30, timeout_ms: 500 });
    expect(gw.shared_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(gw.webhook_endpoint_url).toBe(`http://127.0.0.1:3000/webhooks/external/${gw.id}`);
    const read = (await api('GET', `/external-gateways/${gw.id}`)).json();
    expect(read.shared_secret).toBeUndefined();
    expect((await api('GET', `/external-gateways/${gw.id}/secret`)).statusCode).toBe(403);
    expect((await api('GET', `/external-gateways/${gw.id}/secret`, undefined, ADMIN_KEY)).json().shared_secret).toBe(gw.shared_secret);
    expect((await api('GET', `/external-gateways?shop_id=${t.shopId}`)).json().data.map((g: { id: string }) => g.id)).toEqual([gw.id]);
    const bad = await api('POST', '/external-gateways', { shop_id: t.shopId, name: 'x', authorize_url: 'ftp://nowhere' }, ADMIN_KEY);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].field).toBe('/authorize_url');
    const renamed = await api('PATCH', `/external-gateways/${gw.id}`, { name: 'Acme PSP (EU)' }, ADMIN_KEY);
    expect(renamed.json()).toMatchObject({ name: 'Acme PSP (EU)', authorize_url: `${m.url}/authorize` });
  });

  it('a single-stage payment POSTs signed JSON:API documents that Commerce Layer tooling reads unchanged', async () => {
    const o = await order([{ product_id: 1 }, { product_id: 3, quantity: 2 }], { country: 'FR' }, buyer.id);
    const before = m.requests.length;
    const res = await pay(o.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().order).toMatchObject({ status: 'placed', payment_status: 'paid', fulfillment_status: 'fulfilled' });
    const [auth, capture] = m.requests.slice(before);
    expect(auth!.path).toBe('/authorize');
    expect(capture!.path).toBe('/capture');
    expect(auth!.json.data).toMatchObject({ type: 'external_payments', attributes: { payment_source_token: 'tok_visa' } });
    expect(capture!.json.data).toMatchObject({ type: 'authorizations', id: res.json().order.transactions[0].id, attributes: { capture_amount_cents: o.total, token: `mt_authorize_${auth!.json.data.id}` } });
    expect(new Set(auth!.json.included.map((r: { type: string }) => r.type))).toEqual(new Set(['orders', 'markets', 'line_items', 'skus', 'addresses', 'customers']));
    const cl = denormalizePayload(auth!.body) as any;
    expect(cl.order).toMatchObject({ total_amount_with_taxes_cents: o.total, currency_code: 'USD', customer_email: 'ext-buyer@example.com', payment_status: 'unpaid' });
    expect(cl.order.line_items.map((l: any) => l.item.code).sort()).toEqual(['JS-FUND', 'NODE-MASTERY']);
    expect(cl.order.billing_address.country_code).toBe('FR');
    expect(cl.order.shipping_address).toBeNull();
    expect(cl.order.order_subscriptions).toEqual([]);
    expect(auth!.json.meta.paybridge).toMatchObject({ action: 'authorize', amount_cents: o.total });
    expect(auth!.headers['idempotency-key']).toBe(`pb_${auth!.json.meta.paybridge.transaction_id}`);
  });

  it('authorizes, captures in part, voids the rest; refunds in parts up to what was captured', async () => {
    const o = await order([{ product_id: 4 }]);
    expect((await pay(o.id, false)).json().order).toMatchObject({ payment_status: 'authorized' });
    expect((await api('POST', `/orders/${o.id}/capture`, { amount: 10_000 })).json().order).toMatchObject({ payment_status: 'partially_paid' });
    const voided = await api('POST', `/orders/${o.id}/void`);
    expect(voided.json().transaction).toMatchObject({ kind: 'void', status: 'succeeded', amount: o.total - 10_000 });
    expect(m.requests.at(-1)!.json.data).toMatchObject({ type: 'authorizations', attributes: { void_balance_cents: o.total - 10_000 } });
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 3000 })).json().order).toMatchObject({ payment_status: 'partially_refunded' });
    expect(m.requests.at(-1)!.json.data).toMatchObject({ type: 'captures', attributes: { refund_amount_cents: 3000 } });
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 7001 })).json().error.code).toBe('amount_exceeds_captured');
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 7000 })).json().order).toMatchObject({ payment_status: 'refunded' });
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
  });

  it('attaches the reply\'s messages to the order as notes and copies its metadata to the transaction', async () => {
    const o = await order();
    m.script('/authorize', (req) => success(req, { messages: [{ level: 'info', text: '3DS frictionless' }], metadata: { risk: 'low', score: 7 } }));
    const res = (await pay(o.id, false)).json();
    const read = (await api('GET', `/orders/${o.id}`)).json();
    expect(read.notifications).toEqual([{ id: expect.any(Number), object: 'order_notification', transaction_id: res.transaction.id, body: { level: 'info', text: '3DS frictionless' }, created_at: expect.any(String) }]);
    const added = (await api('GET', `/events?order_id=${o.id}&type=order.notification_added`)).json().data;
    expect(added.map((e: { data: object }) => e.data)).toEqual([{ order: expect.objectContaining({ id: o.id, payment_status: 'authorized' }), notification: read.notifications[0] }]);
    expect(res.transaction).toMatchObject({ status: 'succeeded', metadata: { risk: 'low', score: 7 }, message: null });
    expect((await api('GET', `/orders/${o.id}`)).json().transactions[0].metadata).toEqual({ risk: 'low', score: 7 });
    const event = (await api('GET', `/events?order_id=${o.id}&type=payment.authorized`)).json().data[0];
    expect(event.data.transaction.metadata).toEqual({ risk: 'low', score: 7 });

    m.script('/capture', (req) => success(req, { metadata: { settlement: 'batch-9' } }));
    const captured = (await api('POST', `/orders/${o.id}/capture`)).json();
    const capture = m.requests.at(-1)!;
    expect(capture.json.data).toMatchObject({ type: 'authorizations', id: res.transaction.id, attributes: { metadata: { risk: 'low', score: 7 } } });
    const cl = denormalizePayload(capture.body) as any;
    expect(cl.order.notifications).toMatchObject([{ id: String(read.notifications[0].id), body: { level: 'info', text: '3DS frictionless' }, reference: res.transaction.id }]);
    expect(captured.transaction.metadata).toEqual({ settlement: 'batch-9' });
    await api('POST', `/orders/${o.id}/refunds`, { amount: 100 });
    expect(m.requests.at(-1)!.json.data).toMatchObject({ type: 'captures', id: captured.transaction.id, attributes: { metadata: { settlement: 'batch-9' } } });
  });

  it('a merchant\'s metadata never overwrites Paybridge\'s own notes on the transaction', async () => {
    const o = await order();
    m.script('/authorize', (req) => success(req, { metadata: { auto_capture: true, source: { type: 'forged', token: 'x' } } }));
    const res = (await pay(o.id, false)).json();
    expect(res.transaction.metadata).toEqual({ auto_capture: true, source: { type: 'forged', token: 'x' } });
    expect(res.order.payment_status).toBe('authorized');
    const stored = (await t.deps.store.transactions.get(res.transaction.id))!;
    expect(stored.metadata['source']).toEqual({ type: 'card_token', token: 'tok_visa' });
    expect(stored.metadata['auto_capture']).toBeUndefined();
  });

  it('a decline (HTTP >= 400) is a failed transaction with the merchant\'s code; the order stays payable', async () => {
    const o = await order();
    m.script('/authorize', { status: 402, body: { success: false, data: { transaction_token: 'mt_declined', amount_cents: o.total }, error: { code: 'DO-NOT-HONOR', message: 'Card declined by issuer' } } });
    const res = await pay(o.id);
    expect(res.statusCode).toBe(200);
    expect(res.json().transaction).toMatchObject({ status: 'failed', error_code: 'DO-NOT-HONOR', error_message: 'Card declined by issuer', processor_token: 'mt_declined' });
    expect(res.json().order).toMatchObject({ status: 'pending', payment_status: 'unpaid' });
    expect((await pay(o.id)).json().order).toMatchObject({ payment_status: 'paid' });
  });

  it('202 + action_id is pending (order placed, payment unchanged) until the signed webhook completes it', async () => {
    const o = await order();
    m.script('/authorize', (req) => ({ status: 202, body: { success: true, data: { transaction_token: 'mt_async', amount_cents: o.total, action_id: `act-${req.json.data.id}`, metadata: { flow: '3ds' } } } }));
    const res = (await pay(o.id)).json();
    expect(res.transaction).toMatchObject({ status: 'pending', action_id: `act-${res.transaction.id}` });
    expect(res.order).toMatchObject({ status: 'placed', payment_status: 'unpaid' });
    const actionId = res.transaction.action_id;

    expect((await webhook({ success: true, data: { action_id: actionId } }, 'wrong-secret')).statusCode).toBe(401);
    expect((await webhook({ success: true, data: { action_id: actionId } }, gw.shared_secret, '')).statusCode).toBe(401);
    expect((await webhook({ success: true, data: { action_id: 'act-unknown' } })).statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/webhooks/external/${gw.id}` })).statusCode).toBe(404);

    const body = { success: true, data: { action_id: actionId, amount_cents: 1, transaction_token: 'mt_changed', message: 'Approved', avs_code: 'Y', cvv_code: 'M', fraud_review: 'passed', metadata: { three_ds: 'frictionless' } } };
    const done = await webhook(body);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'processed', transaction_status: 'succeeded' });
    const read = (await api('GET', `/orders/${o.id}`)).json();
    expect(read).toMatchObject({ status: 'placed', payment_status: 'authorized' });
    expect(read.transactions[0]).toEqual(expect.objectContaining({
      status: 'succeeded', amount: o.total, processor_token: 'mt_async', message: 'Approved', avs_code: 'Y', avs_message: null,
      cvv_code: 'M', cvv_message: null, fraud_review: 'passed', metadata: { flow: '3ds', three_ds: 'frictionless' },
    }));
    const event = (await api('GET', `/events?order_id=${o.id}&type=payment.authorized`)).json().data[0];
    expect(event.data.transaction).toMatchObject({ message: 'Approved', avs_code: 'Y', fraud_review: 'passed', metadata: { flow: '3ds', three_ds: 'frictionless' } });

    const again = await webhook(body);
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    const late = await webhook({ success: false, data: { action_id: actionId, error_code: 'LATE', error_detail: 'expired' } });
    expect(late.json()).toMatchObject({ status: 'ignored', transaction_status: 'succeeded' });
    expect((await api('GET', `/orders/${o.id}`)).json()).toMatchObject({ payment_status: 'authorized' });
    const stored = (await api('GET', `/external-gateways/${gw.id}/webhooks?limit=100`, undefined, ADMIN_KEY)).json().data;
    expect(stored.filter((w: { action_id: string }) => w.action_id === actionId).map((w: { status: string }) => w.status)).toEqual(['processed', 'ignored']);

    // Later calls show the merchant what it said: the capture's document carries the updated authorization.
    await api('POST', `/orders/${o.id}/capture`);
    expect(m.requests.at(-1)!.json.data).toMatchObject({
      type: 'authorizations', id: res.transaction.id,
      attributes: { message: 'Approved', avs_code: 'Y', cvv_code: 'M', fraud_review: 'passed', metadata: { flow: '3ds', three_ds: 'frictionless' }, amount_cents: o.total },
    });
  });

  it('a failure webhook fails the pending capture and leaves the order authorized', async () => {
    const o = await order();
    await pay(o.id, false);
    m.script('/capture', (req) => ({ status: 202, body: { success: true, data: { transaction_token: 'mt_c', amount_cents: req.json.data.attributes.capture_amount_cents, action_id: `cap-${req.json.data.id}` } } }));
    const pending = (await api('POST', `/orders/${o.id}/capture`)).json();
    expect(pending.transaction).toMatchObject({ kind: 'capture', status: 'pending' });
    const failed = await webhook({ success: false, data: { action_id: pending.transaction.action_id, error_code: 'CAPTURE-REFUSED', error_detail: 'Authorization expired' } });
    expect(failed.json()).toMatchObject({ status: 'processed', transaction_status: 'failed' });
    const after = (await api('GET', `/orders/${o.id}`)).json();
    expect(after.payment_status).toBe('authorized');
    expect(after.transactions.at(-1)).toMatchObject({ status: 'failed', error_code: 'CAPTURE-REFUSED', error_message: 'Authorization expired' });
  });

  it('saves a customer token (the e-mail when the merchant returns none) and pays later orders with it', async () => {
    const saved = await t.request({ method: 'POST', url: `/api/v1/customers/${buyer.id}/payment-sources`, auth: buyer.token, payload: { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_saved' } } });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json()).toMatchObject({ customer_token: 'ext-buyer@example.com', payment_source_token: 'pst_tok_saved' });
    expect(m.requests.at(-1)!.json.data).toMatchObject({ type: 'external_payments', attributes: { payment_source_token: 'tok_saved' }, relationships: { order: { data: null } } });
    m.script('/token', (req) => success(req, { customer_token: 'cus_42' }));
    const fromOrder = await api('POST', `/customers/${buyer.id}/payment-sources`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_two' }, order_id: (await order(undefined, {}, buyer.id)).id });
    expect(fromOrder.json()).toMatchObject({ customer_token: 'cus_42' });
    const listed = (await t.request({ method: 'GET', url: `/api/v1/customers/${buyer.id}/payment-sources`, auth: buyer.token })).json().data;
    expect(listed.map((s: { id: string }) => s.id)).toEqual([saved.json().id, fromOrder.json().id]);

    const o = await order(undefined, {}, buyer.id);
    const paid = (await pay(o.id, true, { type: 'customer_token', token: fromOrder.json().id })).json();
    expect(paid.order.payment_status).toBe('paid');
    const auth = m.requests.filter((r) => r.path === '/authorize').at(-1)!;
    expect(auth.json.data.attributes).toMatchObject({ payment_source_token: 'pst_tok_two', options: { customer_token: 'cus_42' } });

    const other = await t.customerToken('someone-else@example.com');
    const theirs = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: other.id, lines: [{ product_id: 1 }] })).json();
    const refused = (await api('POST', `/orders/${theirs.id}/payments`, { gateway_id: gw.id, source: { type: 'customer_token', token: saved.json().id } })).json();
    expect(refused.transaction).toMatchObject({ status: 'failed', error_code: 'invalid_payment_source' });
    m.script('/token', { status: 422, body: { success: false, error: { code: 'CARD-INVALID', message: 'Bad card' } } });
    const declined = await api('POST', `/customers/${buyer.id}/payment-sources`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_bad' } });
    expect(declined.statusCode).toBe(422);
    expect(declined.json().error.details[0]).toMatchObject({ field: '/source' });
  });

  it('a 202 from token_url is refused: token calls cannot be asynchronous', async () => {
    m.script('/token', { status: 202, body: { success: true, data: { action_id: 'tok-async', payment_source_token: 'pst_later' } } });
    const res = await api('POST', `/customers/${buyer.id}/payment-sources`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_async' } });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({ code: 'gateway_error' });
    expect(res.json().error.message).toContain('token calls cannot be asynchronous');
    const listed = (await api('GET', `/customers/${buyer.id}/payment-sources`)).json().data as { payment_source_token: string }[];
    expect(listed.map((x) => x.payment_source_token)).not.toContain('pst_later');
  });

  it('saving a source from another customer\'s order is a 404 (never revealing it exists); a gateway of another shop is refused', async () => {
    const other = await t.customerToken('not-mine@example.com');
    const theirs = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: other.id, lines: [{ product_id: 1 }] })).json();
    const before = m.requests.length;
    const probe = await t.request({
      method: 'POST', url: `/api/v1/customers/${buyer.id}/payment-sources`, auth: buyer.token,
      payload: { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_probe' }, order_id: theirs.id },
    });
    expect(probe.statusCode).toBe(404);
    expect(probe.json().error.code).toBe('not_found');
    const missing = await t.request({
      method: 'POST', url: `/api/v1/customers/${buyer.id}/payment-sources`, auth: buyer.token,
      payload: { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_probe' }, order_id: 999_999 },
    });
    expect(missing.json()).toEqual({ error: { ...probe.json().error, message: 'order 999999 not found', request_id: missing.json().error.request_id } });
    const shop = (await t.request({ method: 'POST', url: '/api/v1/shops', auth: ADMIN_KEY, payload: { name: 'Elsewhere', currency: 'USD' } })).json();
    const foreign = (await t.request({ method: 'POST', url: '/api/v1/gateways', auth: ADMIN_KEY, payload: { shop_id: shop.id, kind: 'sandbox', name: 'Elsewhere sandbox' } })).json();
    const mine = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: buyer.id, lines: [{ product_id: 3 }] })).json();
    const crossShop = await t.request({
      method: 'POST', url: `/api/v1/customers/${buyer.id}/payment-sources`, auth: buyer.token,
      payload: { gateway_id: foreign.id, source: { type: 'card_token', token: 'tok_probe' }, order_id: mine.id },
    });
    expect(crossShop.statusCode).toBe(422);
    expect(crossShop.json().error.details).toEqual([{ field: '/gateway_id', message: 'is not a gateway of the order\'s shop' }]);
    expect(m.requests.length).toBe(before); // the merchant was never asked
  });

  it('concurrent captures and refunds of one order never exceed what was authorized or captured', async () => {
    const o = await order();
    await pay(o.id, false);
    const captures = await Promise.all(Array.from({ length: 6 }, () => api('POST', `/orders/${o.id}/capture`, { amount: 3000 })));
    expect(captures.filter((r) => r.statusCode === 200).length).toBe(Math.floor(o.total / 3000));
    const captured = (await api('GET', `/orders/${o.id}`)).json().transactions.filter((x: { kind: string; status: string }) => x.kind === 'capture' && x.status === 'succeeded');
    const total = captured.reduce((s: number, x: { amount: number }) => s + x.amount, 0);
    expect(total).toBeLessThanOrEqual(o.total);
    const refunds = await Promise.all(Array.from({ length: 6 }, () => api('POST', `/orders/${o.id}/refunds`, { amount: 2500 })));
    const refunded = refunds.filter((r) => r.statusCode === 200 && r.json().transaction.status === 'succeeded').length * 2500;
    expect(refunded).toBe(Math.floor(total / 2500) * 2500);
    expect(await t.deps.store.ledger.totals()).toEqual({ USD: 0 });
  });

  it('shops offer payment methods on their gateways', async () => {
    const created = await api('POST', `/shops/${t.shopId}/payment-methods`, { gateway_id: gw.id, instrument: 'card', two_stage: true }, ADMIN_KEY);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ instrument: 'card', currencies: ['USD'], two_stage: true, gateway_id: gw.id });
    // The shop's default (sandbox) gateway stays listed next to the new method: its own checkout pays with it.
    expect((await api('GET', `/shops/${t.shopId}/payment-methods`)).json().paymentMethods).toEqual([
      { id: created.json().id, paymentType: 'card', gatewayId: gw.id, gatewayKind: 'external', currencies: ['USD'], twoStage: true, default: false },
      { id: t.sandboxGatewayId, paymentType: 'card', gatewayId: t.sandboxGatewayId, gatewayKind: 'sandbox', currencies: ['USD'], twoStage: true, default: true },
    ]);
    const wrong = await api('POST', `/shops/${t.shopId}/payment-methods`, { gateway_id: 'gw_nope', instrument: 'card' }, ADMIN_KEY);
    expect(wrong.json().error.details[0].field).toBe('/gateway_id');
  });
});
