/**
 * Crash test: the API and the worker run as real processes under a mixed load (orders; payments through the
 * sandbox — successful, declined, asynchronous — through two reference external gateways
 * (examples/external-gateway/server.ts, as processes that are never killed: one completes `async` tokens by
 * signed webhook, the other completes every action that way), and through Stripe (the official SDK against the
 * local Stripe-compatible server, never killed: successes, declines, 3-D Secure completed after the load, its
 * signed events sent to the API whether it is up or not); captures, refunds, cancels racing slow payments,
 * outgoing webhooks) and are SIGKILLed at random moments, many times, and restarted. Afterwards a worker drains the outbox, the sandbox
 * and the reference gateways' retried webhooks resolve what they can, the janitor reads Stripe's payments
 * (finding a PaymentIntent whose create was cut off by its metadata, failing one Stripe never received) and gives
 * up on what no one can resolve (a crash between the intent and the recorded reply of an external call: the
 * protocol has no status call). Then the invariant checker must find nothing, and everything answered 2xx must be stored.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../src/app/check/invariants.js';
import { resolvePendingTransactions } from '../../src/app/payments/janitor.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime, type Runtime } from '../../src/main.js';
import { freePort } from '../helpers/ports.js';
import { printedDemoKey, startCli, waitFor, type Proc } from '../helpers/processes.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';
import { startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';

const ADMIN = 'pb_admin_crash_test_key_0123456789';
const KILLS = Number(process.env['PAYBRIDGE_CRASH_KILLS'] ?? 8);
const TOKENS = ['tok_sandbox_success_4242', 'tok_sandbox_success_4242', 'tok_sandbox_decline_0002', 'tok_sandbox_async_success_0077', 'tok_sandbox_async_failure_0085', 'tok_sandbox_timeout_0119'];
/** The reference gateway declines tokens containing "decline" and completes those containing "async" by webhook. */
const EXTERNAL_TOKENS = ['tok_visa', 'tok_visa', 'tok_decline', 'tok_async'];
/** Stripe's test payment methods: success, decline, 3-D Secure (completed, or failed, after the load). */
const STRIPE_PMS = ['pm_card_visa', 'pm_card_visa', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_card_threeDSecure2Required'];
/** Stands in for the janitor's 24 hours: older than any external call (timeout 3 s) can still be in flight. */
const GIVE_UP_MS = 10_000;

/** Starts examples/external-gateway/server.ts on `port`; resolves once it listens. */
async function startReference(port: number, env: Record<string, string>): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/external-gateway/server.ts'], {
    cwd: new URL('../../', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'],
    // The webhook is retried every 500 ms at most, for longer than the test runs: Paybridge is down often.
    env: { ...process.env, PORT: String(port), ASYNC_DELAY_MS: '300', WEBHOOK_ATTEMPTS: '1000', WEBHOOK_MAX_DELAY_MS: '500', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  child.stderr.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    child, output: () => out,
    async kill() { if (child.exitCode === null) child.kill('SIGKILL'); await exited; },
    async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
  await waitFor(() => out.includes('listening on'), 30_000, `the reference gateway to listen:\n${out}`);
  return proc;
}

/** A seeded pseudo-random source, so a failing run can be repeated with PAYBRIDGE_CRASH_SEED. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

describe.each(DIALECTS)('crash test (%s)', (dialect) => {
  const procs: Proc[] = [];
  let receiver: Receiver | undefined;
  let stripe: StripeTestServer | undefined;
  let db: TestDatabase | undefined;
  let runtime: Runtime | undefined;

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await receiver?.close();
    await stripe?.close();
    await runtime?.deps.store.close();
    await db?.drop();
  });

  it(`survives ${KILLS} SIGKILLs under load with zero violations and nothing acknowledged lost`, async () => {
    const seed = Number(process.env['PAYBRIDGE_CRASH_SEED'] ?? Date.now() % 100000);
    const random = rng(seed);
    db = await testDatabase(dialect, join(mkdtempSync(join(tmpdir(), 'pb-crash-')), 'crash.db'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, PORT: String(port), PAYBRIDGE_DEMO: '1', PAYBRIDGE_ADMIN_KEY: ADMIN };
    receiver = await startReceiver();
    // A receiver that fails now and then, so retries are part of the picture.
    receiver.fallback = 200;

    let api = startCli(['serve', '--no-worker'], env);
    let worker = startCli(['worker', '--poll-ms', '50', '--lease-ms', '2000'], env);
    procs.push(api, worker);
    const up = async () => waitFor(async () => {
      try { return (await request(`${base}/health`)).statusCode === 200; } catch { return false; }
    }, 30_000, 'the API to answer').catch((error: Error) => { throw new Error(`${error.message}\nAPI output:\n${api.output()}\nworker output:\n${worker.output()}`); });
    await up();
    await waitFor(() => printedDemoKey(api.output()) !== null, 10_000, `the demo key in the start output:\n${api.output()}`);
    const KEY = printedDemoKey(api.output())!;

    const call = async (method: 'GET' | 'POST', path: string, body?: object, auth = KEY) => {
      const res = await request(`${base}${path}`, {
        method, headers: { authorization: `Bearer ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}), headersTimeout: 10_000, bodyTimeout: 10_000,
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text.startsWith('{') ? JSON.parse(text) : null };
    };
    const shops = await call('GET', '/api/v1/shops', undefined, ADMIN);
    const shopId = shops.json.data[0].id as string;
    const gatewayId = (await call('GET', '/api/v1/gateways')).json.data[0].id as string;
    await call('POST', '/api/v1/webhook-endpoints', { url: receiver.url, event_types: ['*'] });
    const external = async (name: string, env: Record<string, string>) => {
      const refPort = await freePort();
      const urls = Object.fromEntries(['authorize', 'capture', 'void', 'refund'].map((a) => [`${a}_url`, `http://127.0.0.1:${refPort}/${a}`]));
      const gw = await call('POST', '/api/v1/external-gateways', { shop_id: shopId, name, ...urls, timeout_ms: 3000 }, ADMIN);
      expect(gw.status, JSON.stringify(gw.json)).toBe(201);
      procs.push(await startReference(refPort, { SHARED_SECRET: gw.json.shared_secret, WEBHOOK_URL: gw.json.webhook_endpoint_url, ...env }));
      return gw.json.id as string;
    };
    const referenceId = await external('Reference', {});
    const asyncReferenceId = await external('Reference, always asynchronous', { ASYNC: '1' });
    stripe = await startStripeServer();
    const stripeGw = await call('POST', '/api/v1/gateways', {
      shop_id: shopId, kind: 'stripe', secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret, api_base: stripe.url, timeout_ms: 3000,
    }, ADMIN);
    expect(stripeGw.status, JSON.stringify(stripeGw.json)).toBe(201);
    const stripeId = stripeGw.json.id as string;
    stripe.webhookUrl = stripeGw.json.stripe.webhook_endpoint_url as string;
    const sourceFor = (gateway: string, token: string) => ({ type: gateway === stripeId ? 'stripe_payment_method' : 'card_token', token });

    const acknowledged = { orders: new Set<number>(), transactions: new Set<string>(), cancelled: new Set<number>() };
    const payable: number[] = [];
    const captured: number[] = [];
    let stop = false;
    let ok = 0;

    async function client() {
      while (!stop) {
        try {
          const roll = random();
          if (roll < 0.4 || payable.length === 0) {
            const o = await call('POST', '/api/v1/orders', { shop_id: shopId, lines: [{ product_id: 1 + Math.floor(random() * 4), quantity: random() < 0.2 ? 2 : 1 }] });
            if (o.status === 201) { acknowledged.orders.add(o.json.id); payable.push(o.json.id); ok++; }
          } else if (roll < 0.75) {
            const id = payable.splice(Math.floor(random() * payable.length), 1)[0]!;
            const via = random();
            const [gateway, tokens] = via < 0.4 ? [gatewayId, TOKENS] : via < 0.6 ? [referenceId, EXTERNAL_TOKENS] : via < 0.75 ? [asyncReferenceId, EXTERNAL_TOKENS] : [stripeId, STRIPE_PMS];
            const token = tokens[Math.floor(random() * tokens.length)]!;
            const p = await call('POST', `/api/v1/orders/${id}/payments`, { gateway_id: gateway, source: sourceFor(gateway, token), capture: random() < 0.7 });
            if (p.status === 200) {
              acknowledged.transactions.add(p.json.transaction.id); ok++;
              if (p.json.order.payment_status === 'authorized') captured.push(-id);
              if (p.json.order.payment_status === 'paid') captured.push(id);
            }
          } else if (roll < 0.85) {
            // A cancel racing a slow payment: whatever the payment takes afterwards must be given back.
            const id = payable.splice(Math.floor(random() * payable.length), 1)[0]!;
            const race = random();
            const [gateway, token] = race < 0.35 ? [gatewayId, 'tok_sandbox_async_success_0077'] : race < 0.7 ? [asyncReferenceId, 'tok_async'] : [stripeId, 'pm_card_threeDSecure2Required'];
            const [p, c] = await Promise.all([
              call('POST', `/api/v1/orders/${id}/payments`, { gateway_id: gateway, source: sourceFor(gateway, token), capture: random() < 0.5 }),
              call('POST', `/api/v1/orders/${id}/cancel`, {}),
            ]);
            if (p.status === 200) { acknowledged.transactions.add(p.json.transaction.id); ok++; }
            if (c.status === 200) { acknowledged.cancelled.add(id); ok++; }
          } else if (captured.length > 0) {
            const id = captured[Math.floor(random() * captured.length)]!;
            const path = id < 0 ? `/api/v1/orders/${-id}/capture` : `/api/v1/orders/${id}/refunds`;
            const r = await call('POST', path, { amount: 500 + Math.floor(random() * 2000) });
            if (r.status === 200) { acknowledged.transactions.add(r.json.transaction.id); ok++; }
          }
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // the server is down: a crash in progress
        }
      }
    }
    const clients = Array.from({ length: 6 }, client);

    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 600 + random() * 1400));
      const which = random();
      if (which < 0.45 || which >= 0.75) { await api.kill(); api = startCli(['serve', '--no-worker'], env); procs.push(api); }
      if (which >= 0.45) { await worker.kill(); worker = startCli(['worker', '--poll-ms', '50', '--lease-ms', '2000'], env); procs.push(worker); }
      await up();
    }
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(clients);
    expect(ok).toBeGreaterThan(50);

    // The buyers at Stripe's 3-D Secure pages finish: most authenticate, some fail; Stripe's events follow.
    for (const pi of [...stripe.paymentIntents.values()].filter((x) => x['status'] === 'requires_action')) await stripe.authenticate(pi['id'], random() < 0.8);

    runtime = await openRuntime(loadConfig({ DATABASE_URL: db.url, PAYBRIDGE_DEMO: '0', PAYBRIDGE_ADMIN_KEY: ADMIN }));
    const store = runtime.deps.store;
    const sandboxes = new Set([gatewayId, stripeId]);
    // Resolvable: the sandbox and Stripe answer the janitor (asynchronous payments 10 s after they started; the
    // janitor runs every 5 s; a Stripe payment is retrieved, or found by its metadata), and a recorded action_id gets the reference gateway's retried webhook. Left:
    // external transactions whose reply was never recorded (a crash during the call), once no call can be
    // in flight any more; the protocol offers no way to ask, so only the janitor's give-up ends them.
    let unresolvable: string[] = [];
    await waitFor(async () => {
      const pending = await store.transactions.listPending(Date.now(), 1000);
      const stuck = pending.filter((t) => !sandboxes.has(t.gatewayId ?? '') && t.actionId === null);
      unresolvable = stuck.map((t) => t.id);
      return stuck.length === pending.length && stuck.every((t) => Date.now() - t.createdAt > GIVE_UP_MS);
    }, 90_000, 'the sandbox and the webhooks to resolve every payment they can');
    // The janitor's give-up (24 h in production) with GIVE_UP_MS instead: each becomes failed, `expired`.
    expect(await resolvePendingTransactions(runtime.deps, { minAgeMs: GIVE_UP_MS, giveUpAfterMs: GIVE_UP_MS, limit: 1000 })).toBe(unresolvable.length);
    for (const id of unresolvable) {
      const txn = (await store.transactions.get(id))!;
      expect(txn).toMatchObject({ status: 'failed', errorCode: 'expired' });
      const failed = await store.events.list({ orderId: txn.orderId, type: 'payment.failed' }, { limit: 100 });
      expect(failed.items.some((e) => JSON.stringify(e).includes(id)), `payment.failed for ${id}`).toBe(true);
    }
    await waitFor(async () => (await store.transactions.listPending(Date.now(), 1)).length === 0
      && (await store.events.countUndelivered()) === 0
      && (await store.jobs.list({ status: 'pending' }, { limit: 1 })).items.length === 0, 90_000, 'the worker to drain and the janitor to resolve every payment');

    const violations = await checkInvariants(runtime.deps);
    expect(violations, `seed ${seed}`).toEqual([]);
    for (const id of acknowledged.orders) expect(await store.orders.get(id), `order ${id} was answered 201`).toBeDefined();
    for (const id of acknowledged.transactions) expect(await store.transactions.get(id), `transaction ${id} was answered 200`).toBeDefined();
    // Cancels raced payments; each acknowledged one stuck, and (checked above) no cancelled order holds money.
    expect(acknowledged.cancelled.size, 'cancels that raced a payment').toBeGreaterThan(0);
    for (const id of acknowledged.cancelled) expect((await store.orders.get(id))?.status, `order ${id} was answered cancelled`).toBe('cancelled');
    // The load did go through the reference gateways, and their webhooks completed payments.
    const txns = (await Promise.all([...acknowledged.orders].map((id) => store.transactions.listByOrder(id)))).flat();
    const viaReference = txns.filter((x) => x.gatewayId === referenceId || x.gatewayId === asyncReferenceId);
    expect(viaReference.filter((x) => x.status === 'succeeded' && x.actionId === null).length, 'synchronous external successes').toBeGreaterThan(0);
    expect(viaReference.filter((x) => x.status === 'succeeded' && x.actionId !== null).length, 'external successes by webhook').toBeGreaterThan(0);
    expect(viaReference.filter((x) => x.kind !== 'authorization' && x.status === 'succeeded').length, 'external captures and refunds').toBeGreaterThan(0);
    const viaStripe = txns.filter((x) => x.gatewayId === stripeId);
    expect(viaStripe.filter((x) => x.kind === 'authorization' && x.status === 'succeeded').length, 'Stripe payments').toBeGreaterThan(0);
    expect(viaStripe.filter((x) => x.kind === 'authorization' && x.errorCode === 'insufficient_funds').length, 'Stripe declines').toBeGreaterThan(0);
    if (process.env['PAYBRIDGE_CRASH_DEBUG']) console.log(`seed ${seed}: ${txns.length} transactions, ${viaReference.length} external, ${viaStripe.length} Stripe, ${unresolvable.length} given up`);
  }, 240_000);
});
