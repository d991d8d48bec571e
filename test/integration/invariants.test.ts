/**
 * The invariant checker finds nothing after real flows, and finds each kind of corruption planted in the
 * database behind Paybridge's back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/store/kysely-store.js';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('the invariant checker (%s)', (dialect) => {
  let t: TestApp;
  let raw: ReturnType<typeof openDatabase>;
  beforeAll(async () => {
    t = await testApp(dialect, { sqliteFile: join(mkdtempSync(join(tmpdir(), 'pb-check-')), 'check.db') });
    raw = openDatabase(t.databaseUrl);
  });
  afterAll(async () => { await raw?.db.destroy(); await t?.close(); });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, auth: INTEGRATION_KEY, ...(payload ? { payload } : {}) });
  const rules = async () => (await checkInvariants(t.deps)).map((v) => v.rule).sort();

  it('reports nothing after payments, captures, refunds and cancellations once the worker drained', async () => {
    const gatewayId = t.sandboxGatewayId;
    const buyer = await t.customerToken('checked@example.com');
    for (const [i, token] of ['tok_sandbox_success_4242', 'tok_sandbox_decline_0002', 'tok_sandbox_success_4242'].entries()) {
      const o = (await api('POST', '/orders', { shop_id: t.shopId, customer_id: buyer.id, lines: [{ product_id: 1 + i, quantity: i === 2 ? 3 : 1 }] })).json();
      await api('POST', `/orders/${o.id}/payments`, { gateway_id: gatewayId, source: { type: 'card_token', token } });
      if (i === 0) await api('POST', `/orders/${o.id}/refunds`, { amount: 1000 });
      if (i === 1) await api('POST', `/orders/${o.id}/cancel`, {});
    }
    const worker = new Worker(t.deps, { http: { post: async () => ({ status: 200, headers: {}, body: '' }) }, mailer: { send: async () => {} } }, { id: 'c', random: () => 0.5 });
    await worker.drain();
    expect(await checkInvariants(t.deps)).toEqual([]);
  });

  it('finds an unbalanced ledger, a negative account and a balance out of sync', async () => {
    const account = await t.deps.store.ledger.account('customer:planted:USD', 'USD', false);
    await sql`update ledger_accounts set balance = -500 where id = ${account.id}`.execute(raw.db);
    expect(await rules()).toEqual(expect.arrayContaining(['account_below_zero', 'balance_out_of_sync', 'ledger_unbalanced']));
    await sql`update ledger_accounts set balance = 0 where id = ${account.id}`.execute(raw.db);
    expect(await rules()).toEqual([]);
  });

  it('finds a capture above the authorization, access kept after a refund, and a history that went backwards', async () => {
    const orders = (await api('GET', '/orders?limit=100')).json().data as { id: number; payment_status: string }[];
    const paid = orders.find((o) => o.payment_status === 'partially_refunded')!;
    await sql`update payment_transactions set amount = amount * 10 where order_id = ${paid.id} and kind = 'capture'`.execute(raw.db);
    await sql`update orders set payment_status = 'refunded' where id = ${paid.id}`.execute(raw.db);
    await sql`insert into order_status_changes (id, order_id, axis, from_status, to_status, actor, reason, created_at) values ('chg_planted', ${paid.id}, 'payment_status', 'paid', 'unpaid', 'test', null, 0)`.execute(raw.db);
    expect(await rules()).toEqual(expect.arrayContaining(['captured_exceeds_authorized', 'grant_of_void_order', 'history_went_backwards', 'history_inconsistent']));
  });
});
