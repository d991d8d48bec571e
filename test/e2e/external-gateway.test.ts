/**
 * Paybridge and the reference external gateway (examples/external-gateway/server.ts) as separate processes
 * talking HTTP on 127.0.0.1: payments, refunds, declines, an asynchronous payment completed by the signed
 * webhook, a saved customer token; and `paybridge gateway check` run against the reference gateway (all
 * requirements pass) and against an endpoint that accepts forged requests (it fails, exit code 1).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFakeMerchant, type FakeMerchant } from '../helpers/fake-merchant.js';
import { freePort } from '../helpers/ports.js';
import { startCli, waitFor, type Proc } from '../helpers/processes.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN = 'pb_admin_external_e2e_key_0123456789';

/** Starts the reference gateway; resolves with its base URL once it listens. */
async function startReference(env: Record<string, string>): Promise<{ proc: Proc; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/external-gateway/server.ts'], {
    cwd: ROOT, env: { ...process.env, PORT: '0', ASYNC_DELAY_MS: '100', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    child, output: () => out,
    async kill() { if (child.exitCode === null) child.kill('SIGKILL'); await exited; },
    async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
  await waitFor(() => /listening on (http:\/\/\S+)/.test(out), 20_000, `the reference gateway to listen:\n${out}`);
  return { proc, url: /listening on (http:\/\/\S+)/.exec(out)![1]! };
}

async function exitCode(proc: Proc): Promise<number> {
  if (proc.child.exitCode === null) await new Promise((resolve) => proc.child.once('exit', resolve));
  return proc.child.exitCode ?? -1;
}

const procs: Proc[] = [];
afterEach(async () => { await Promise.all(procs.splice(0).map((p) => p.kill())); });

describe.each(DIALECTS)('Paybridge and the reference external gateway as processes (%s)', (dialect) => {
  let db: TestDatabase | undefined;
  afterAll(async () => { await db?.drop(); });

  it('pays, refunds, declines, completes an asynchronous payment by webhook and pays with a saved token', async () => {
    db = await testDatabase(dialect, join(mkdtempSync(join(tmpdir(), 'pb-ext-')), 'paybridge.db'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    procs.push(startCli(['serve'], { DATABASE_URL: db.url, PORT: String(port), PAYBRIDGE_ADMIN_KEY: ADMIN, PAYBRIDGE_DEMO: '1' }));
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.ok === true, 30_000, 'Paybridge to start');
    const api = async (method: string, path: string, body?: object) => {
      const res = await fetch(`${base}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, json: await res.json() as any };
    };
    const shopId = (await api('GET', '/shops')).json.data[0].id as string;
    const gw = (await api('POST', '/external-gateways', { shop_id: shopId, name: 'Reference', authorize_url: 'http://127.0.0.1:9/authorize', timeout_ms: 5000 })).json;
    expect(gw.webhook_endpoint_url).toBe(`${base}/webhooks/external/${gw.id}`);
    const reference = await startReference({ SHARED_SECRET: gw.shared_secret, WEBHOOK_URL: gw.webhook_endpoint_url });
    procs.push(reference.proc);
    const urls = Object.fromEntries(['authorize', 'capture', 'void', 'refund', 'token'].map((a) => [`${a}_url`, `${reference.url}/${a}`]));
    expect((await api('PATCH', `/external-gateways/${gw.id}`, urls)).status).toBe(200);

    const customer = (await api('POST', '/customers', { email: 'e2e-ext@example.com' })).json;
    const order = async (productId = 2) => (await api('POST', '/orders', { shop_id: shopId, customer_id: customer.id, lines: [{ product_id: productId }] })).json;
    const pay = async (id: number, token: string, capture = true, type = 'card_token') => (await api('POST', `/orders/${id}/payments`, { gateway_id: gw.id, source: { type, token }, capture })).json;

    const o1 = await order();
    expect((await pay(o1.id, 'tok_visa')).order).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect((await api('POST', `/orders/${o1.id}/refunds`, { amount: 1000 })).json.order.payment_status).toBe('partially_refunded');

    const o2 = await order(1);
    expect((await pay(o2.id, 'tok_decline')).transaction).toMatchObject({ status: 'failed', error_code: 'DECLINED' });

    const o3 = await order(3);
    const pending = await pay(o3.id, 'tok_async', false);
    expect(pending.transaction).toMatchObject({ status: 'pending', action_id: expect.stringMatching(/^act_/) });
    expect(pending.order).toMatchObject({ status: 'placed', payment_status: 'unpaid' });
    await waitFor(async () => (await api('GET', `/orders/${o3.id}`)).json.payment_status === 'authorized', 15_000, 'the webhook to authorize the order');
    expect((await api('POST', `/orders/${o3.id}/capture`)).json.order.payment_status).toBe('paid');

    const saved = await api('POST', `/customers/${customer.id}/payment-sources`, { gateway_id: gw.id, source: { type: 'card_token', token: 'tok_wallet' } });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({ customer_token: expect.stringMatching(/^cus_/), payment_source_token: 'pst_tok_wallet' });
    const o4 = await order(1); // declined before, so not owned: a course the customer owns is not sold again
    expect((await pay(o4.id, saved.json.id, true, 'customer_token')).order.payment_status).toBe('paid');
    const hooks = (await api('GET', `/external-gateways/${gw.id}/webhooks`)).json.data;
    expect(hooks).toMatchObject([{ status: 'processed', outcome: 'succeeded', action_id: pending.transaction.action_id }]);
  }, 90_000);
});

describe('paybridge gateway check', () => {
  let fake: FakeMerchant | undefined;
  afterAll(async () => { await fake?.close(); });

  it('passes every requirement against the reference gateway, asynchronous mode included', async () => {
    const webhookPort = await freePort();
    const secret = 'check-secret-0123456789';
    const reference = await startReference({ SHARED_SECRET: secret, ASYNC: '1', WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/webhook` });
    procs.push(reference.proc);
    const check = startCli(['gateway', 'check', reference.url, '--secret', secret, '--webhook-port', String(webhookPort), '--timeout-ms', '3000'], {});
    procs.push(check);
    expect(await exitCode(check), check.output()).toBe(0);
    const lines = check.output().split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    for (const what of ['authorize', 'authorize completion', 'capture completion', 'refund completion', 'void completion', 'token', 'authorize with a wrong signature', 'authorize with no signature']) {
      expect(lines.some((l) => l.startsWith(`PASS  ${what}:`)), `${what} in\n${lines.join('\n')}`).toBe(true);
    }
  }, 60_000);

  it('fails, with exit code 1, against an endpoint that accepts forged requests', async () => {
    fake = await startFakeMerchant('not-the-secret-it-checks');
    const check = startCli(['gateway', 'check', fake.url, '--secret', 'the-real-secret', '--timeout-ms', '3000'], {});
    procs.push(check);
    expect(await exitCode(check)).toBe(1);
    expect(check.output()).toMatch(/^FAIL {2}authorize with a wrong signature: answered HTTP 200/m);
    expect(check.output()).toMatch(/^PASS {2}capture: succeeded/m);
  }, 60_000);
});
