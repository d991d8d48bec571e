import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { startFakeMerchant, success, type FakeMerchant, type Reply } from '../helpers/fake-merchant.js';
import { DIALECTS } from '../helpers/stores.js';

const TIMEOUT_MS = 200;

describe.each(DIALECTS)('an external gateway that misbehaves (%s)', (dialect) => {
  let t: TestApp;
  let m: FakeMerchant;
  let gwId: string;
  let secret: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    m = await startFakeMerchant();
    const gw = (await t.request({
      method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, name: 'Flaky PSP', authorize_url: `${m.url}/authorize`, capture_url: `${m.url}/capture`, refund_url: `${m.url}/refund`, timeout_ms: TIMEOUT_MS, circuit_cooldown_ms: 60_000 },
    })).json();
    gwId = gw.id;
    m.secret.value = gw.shared_secret;
    secret = gw.shared_secret;
  });
  afterEach(async () => {
    expect(m.problems).toEqual([]);
    await t.request({ method: 'POST', url: `/api/v1/external-gateways/${gwId}/reset-circuit`, auth: ADMIN_KEY });
  });
  afterAll(async () => { await m?.close(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  const circuit = async () => (await api('GET', `/external-gateways/${gwId}`)).json() as { circuit_state: string; circuit_failure_count: number };
  const order = async () => (await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }] })).json() as { id: number; total: number };
  const pay = (id: number, capture = false) => api('POST', `/orders/${id}/payments`, { gateway_id: gwId, source: { type: 'card_token', token: 'tok_x' }, capture });
  async function payOnce(reply: Reply | ((req: never) => Reply)) {
    const o = await order();
    m.script('/authorize', reply as Reply);
    const res = await pay(o.id);
    expect(res.statusCode, res.body).toBe(200);
    return { o, ...res.json() as { transaction: { status: string; error_code: string | null; error_message: string | null; id: string }; order: { status: string; payment_status: string } } };
  }

  const faults: [string, Reply, string][] = [
    ['a timeout', { delayMs: TIMEOUT_MS * 3, body: {} }, 'timeout'],
    ['an HTTP 500 whose body says nothing', { status: 500, body: { success: false } }, 'gateway_unavailable'],
    ['an HTTP 503 with an HTML page', { status: 503, raw: '<html>down</html>' }, 'gateway_unavailable'],
    ['malformed JSON', { raw: '{"success": true, "data": ' }, 'invalid_response'],
    ['a JSON array', { raw: '[1, 2]' }, 'invalid_response'],
    ['a success without amount_cents', { body: { success: true, data: { transaction_token: 'mt' } } }, 'invalid_response'],
    ['202 without action_id', { status: 202, body: { success: true, data: { transaction_token: 'mt', amount_cents: 4999 } } }, 'invalid_response'],
    ['a redirect', { status: 302, raw: '' }, 'invalid_response'],
    ['a 404 page that is not JSON', { status: 404, raw: 'Not Found' }, 'invalid_response'],
  ];
  it.each(faults)('%s is a failed transaction, answered 200, and counts against the circuit', async (_name, reply, code) => {
    const { o, transaction, order: after } = await payOnce(reply);
    expect(transaction).toMatchObject({ status: 'failed', error_code: code });
    expect(after).toMatchObject({ status: 'pending', payment_status: 'unpaid' });
    expect(await circuit()).toMatchObject({ circuit_state: 'closed', circuit_failure_count: 1 });
    expect((await pay(o.id)).json().order.payment_status).toBe('authorized');
    expect(await circuit()).toMatchObject({ circuit_failure_count: 0 });
  });

  it('a 5xx carrying the documented error body keeps the merchant\'s code and message, and still counts against the circuit', async () => {
    const { transaction } = await payOnce({ status: 500, body: { success: false, data: { transaction_token: 'mt_500', amount_cents: 4999 }, error: { code: 'PSP-DOWN', message: 'Acquirer unreachable' } } });
    expect(transaction).toMatchObject({ status: 'failed', error_code: 'PSP-DOWN', error_message: 'Acquirer unreachable' });
    expect(await circuit()).toMatchObject({ circuit_failure_count: 1 });
    const bare = await payOnce({ status: 502, raw: '<html>bad gateway</html>' });
    expect(bare.transaction).toMatchObject({ error_code: 'gateway_unavailable', error_message: 'the gateway answered HTTP 502' });
    expect(await circuit()).toMatchObject({ circuit_failure_count: 2 });
  });

  it('without circuit_cooldown_ms (the default) an open circuit stays open until the explicit reset, which takes an empty JSON body', async () => {
    const created = await t.request({
      method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY,
      payload: { shop_id: t.shopId, name: 'Manual-reset PSP', authorize_url: `${m.url}/authorize`, timeout_ms: TIMEOUT_MS },
    });
    const gw = created.json() as { id: string; circuit_cooldown_ms: number | null };
    expect(gw.circuit_cooldown_ms).toBeNull();
    const repo = t.deps.store.externalGateways;
    for (let i = 0; i < 31; i++) await repo.recordFailure(gw.id, 30, t.clock.now(), false);
    t.clock.advance(7 * 24 * 3600_000);
    const calls = m.requests.length;
    const o = await order();
    const skipped = await api('POST', `/orders/${o.id}/payments`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_x' } });
    expect(skipped.json().transaction).toMatchObject({ status: 'failed', error_code: 'circuit_open' });
    expect(m.requests.length).toBe(calls);
    const reset = await t.request({ method: 'POST', url: `/api/v1/external-gateways/${gw.id}/reset-circuit`, auth: ADMIN_KEY, headers: { 'content-type': 'application/json' }, payload: '' });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ circuit_state: 'closed', circuit_failure_count: 0 });
    m.secret.value = (await t.request({ method: 'GET', url: `/api/v1/external-gateways/${gw.id}/secret`, auth: ADMIN_KEY })).json().shared_secret;
    const paid = await api('POST', `/orders/${o.id}/payments`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_x' }, capture: false });
    m.secret.value = secret;
    expect(paid.json().transaction.status).toBe('succeeded');
  });

  it('a slow reply within the timeout succeeds', async () => {
    const { transaction } = await payOnce((req: never) => ({ ...success(req), delayMs: TIMEOUT_MS / 4 }));
    expect(transaction.status).toBe('succeeded');
  });

  it('a decline with an error body fails the transaction and ends a run of failures', async () => {
    await payOnce({ status: 500, raw: 'oops' });
    const { transaction } = await payOnce({ status: 422, body: { success: false, data: { transaction_token: 'mt_d', amount_cents: 4999 }, error: { code: 'INSUFFICIENT', message: 'Not enough funds' } } });
    expect(transaction).toMatchObject({ status: 'failed', error_code: 'INSUFFICIENT', error_message: 'Not enough funds' });
    expect(await circuit()).toMatchObject({ circuit_failure_count: 0 });
  });

  it('an amount in the reply that differs from the request fails the transaction (amount_mismatch)', async () => {
    const { transaction, order: after } = await payOnce((req: never) => success(req, { amount_cents: 1 }));
    expect(transaction).toMatchObject({ status: 'failed', error_code: 'amount_mismatch' });
    expect(after.payment_status).toBe('unpaid');
    const async = await payOnce((req: never) => ({ status: 202, body: { success: true, data: { amount_cents: 2, action_id: `a-${(req as { json: { data: { id: string } } }).json.data.id}` } } }));
    expect(async.transaction).toMatchObject({ status: 'failed', error_code: 'amount_mismatch' });
  });

  it('opens after 31 consecutive failures: calls are skipped and fail until the explicit reset', async () => {
    const o = await order();
    for (let i = 0; i < 31; i++) {
      m.script('/authorize', { status: 500, raw: 'down' });
      expect((await pay(o.id)).json().transaction.error_code).toBe('gateway_unavailable');
      expect((await circuit()).circuit_state).toBe(i < 30 ? 'closed' : 'open');
    }
    expect(await circuit()).toMatchObject({ circuit_state: 'open', circuit_failure_count: 31 });
    const calls = m.requests.length;
    const skipped = (await pay(o.id)).json();
    expect(skipped.transaction).toMatchObject({ status: 'failed', error_code: 'circuit_open' });
    expect(m.requests.length).toBe(calls);
    expect(await circuit()).toMatchObject({ circuit_state: 'open', circuit_failure_count: 31 });

    const reset = await t.request({ method: 'POST', url: `/api/v1/external-gateways/${gwId}/reset-circuit`, auth: ADMIN_KEY });
    expect(reset.json()).toMatchObject({ circuit_state: 'closed', circuit_failure_count: 0 });
    expect((await pay(o.id)).json().transaction.status).toBe('succeeded');
    const txns = (await api('GET', `/orders/${o.id}`)).json().transactions as { status: string }[];
    expect(txns).toHaveLength(33);
    expect(txns.filter((x) => x.status === 'pending')).toEqual([]);
  });

  it('half-open: after the cool-down one probe goes through; a failed probe re-opens, a good one closes', async () => {
    const o = await order();
    for (let i = 0; i < 31; i++) { m.script('/authorize', { status: 500, raw: 'down' }); await pay(o.id); }
    expect((await circuit()).circuit_state).toBe('open');
    t.clock.advance(60_000);
    m.script('/authorize', { status: 500, raw: 'still down' });
    expect((await pay(o.id)).json().transaction.error_code).toBe('gateway_unavailable');
    expect((await circuit()).circuit_state).toBe('open');
    expect((await pay(o.id)).json().transaction.error_code).toBe('circuit_open');
    t.clock.advance(60_000);
    expect((await pay(o.id)).json().transaction.status).toBe('succeeded');
    expect(await circuit()).toMatchObject({ circuit_state: 'closed', circuit_failure_count: 0 });
  });

  it('of concurrent callers on an open circuit past its cool-down, exactly one gets the probe', async () => {
    const repo = t.deps.store.externalGateways;
    for (let i = 0; i < 31; i++) await repo.recordFailure(gwId, 30, t.clock.now(), false);
    expect((await repo.circuit(gwId))!.state).toBe('open');
    const now = t.clock.now() + 60_000;
    const admissions = await Promise.all(Array.from({ length: 8 }, () => repo.admit(gwId, now, 60_000, 5_000)));
    expect(admissions.filter((a) => a === 'probe')).toHaveLength(1);
    expect(await repo.admit(gwId, now + 5_001, 60_000, 5_000)).toBe('probe');
  });

  it('concurrent failures are all counted', async () => {
    const repo = t.deps.store.externalGateways;
    await Promise.all(Array.from({ length: 20 }, () => repo.recordFailure(gwId, 30, t.clock.now(), false)));
    expect(await repo.circuit(gwId)).toMatchObject({ state: 'closed', failureCount: 20 });
  });

  it('a failed refund leaves the captured money refundable; none of the failures lose a transaction', async () => {
    const o = await order();
    expect((await pay(o.id, true)).json().order.payment_status).toBe('paid');
    m.script('/refund', { delayMs: TIMEOUT_MS * 3, body: {} });
    expect((await api('POST', `/orders/${o.id}/refunds`, { amount: 1000 })).json().transaction).toMatchObject({ status: 'failed', error_code: 'timeout' });
    expect((await api('POST', `/orders/${o.id}/refunds`)).json()).toMatchObject({ transaction: { status: 'succeeded', amount: o.total }, order: { payment_status: 'refunded' } });
    const kinds = (await api('GET', `/orders/${o.id}`)).json().transactions.map((x: { kind: string; status: string }) => `${x.kind}:${x.status}`);
    expect(kinds).toEqual(['authorization:succeeded', 'capture:succeeded', 'refund:failed', 'refund:succeeded']);
  });

  const webhook = (raw: string) => t.request({
    method: 'POST', url: `/webhooks/external/${gwId}`, payload: raw,
    headers: { 'content-type': 'application/json', 'x-commercelayer-signature': createHmac('sha256', secret).update(raw).digest('base64') },
  });
  async function pendingPayment() {
    const { o, transaction } = await payOnce((req: never) => ({ status: 202, body: { success: true, data: { action_id: `w-${(req as { json: { data: { id: string } } }).json.data.id}` } } }));
    expect(transaction.status).toBe('pending');
    return { o, actionId: `w-${transaction.id}`, id: transaction.id };
  }

  it('refuses webhooks that are not the documented JSON, naming what is wrong', async () => {
    const { actionId } = await pendingPayment();
    expect((await webhook('{"success": tru')).json().error.code).toBe('malformed_request');
    const noAction = await webhook(JSON.stringify({ success: true, data: {} }));
    expect(noAction.statusCode).toBe(422);
    expect(noAction.json().error.details[0].field).toBe('/data/action_id');
    const noFlag = await webhook(JSON.stringify({ data: { action_id: actionId } }));
    expect(noFlag.json().error.details[0].field).toBe('/success');
    const forged = await t.request({ method: 'POST', url: `/webhooks/external/${gwId}`, payload: JSON.stringify({ success: true, data: { action_id: actionId } }), headers: { 'content-type': 'text/plain', 'x-commercelayer-signature': 'AAAA' } });
    expect(forged.statusCode).toBe(401);
    expect((await webhook(JSON.stringify({ success: true, data: { action_id: actionId } }))).json()).toMatchObject({ status: 'processed', transaction_status: 'succeeded' });
  });

  it('out of order: a success arriving after the failure never turns the failed payment into a paid one', async () => {
    const { o, actionId, id } = await pendingPayment();
    expect((await webhook(JSON.stringify({ success: false, data: { action_id: actionId, error_code: 'EXPIRED', error_detail: '3DS abandoned' } }))).json().transaction_status).toBe('failed');
    expect((await webhook(JSON.stringify({ success: true, data: { action_id: actionId } }))).json()).toMatchObject({ status: 'ignored', transaction_status: 'failed' });
    expect((await t.deps.store.transactions.get(id))).toMatchObject({ status: 'failed', errorCode: 'EXPIRED', errorMessage: '3DS abandoned' });
    expect((await api('GET', `/orders/${o.id}`)).json()).toMatchObject({ status: 'placed', payment_status: 'unpaid' });
    expect((await pay(o.id)).json().order.payment_status).toBe('authorized');
  });

  it('concurrent copies of one webhook complete the transaction once', async () => {
    const { o, actionId } = await pendingPayment();
    const raw = JSON.stringify({ success: true, data: { action_id: actionId, message: 'ok' } });
    const answers = await Promise.all(Array.from({ length: 5 }, () => webhook(raw)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect((await api('GET', `/events?order_id=${o.id}&type=payment.authorized`)).json().data).toHaveLength(1);
    expect((await api('GET', `/orders/${o.id}`)).json().payment_status).toBe('authorized');
  });

  it('a 202 reusing another transaction\'s action_id fails instead of hijacking that payment', async () => {
    await payOnce({ status: 202, body: { success: true, data: { action_id: 'same-action' } } });
    const { transaction } = await payOnce({ status: 202, body: { success: true, data: { action_id: 'same-action' } } });
    expect(transaction).toMatchObject({ status: 'failed', error_code: 'invalid_response' });
  });
});
