/**
 * Worker processes over a shared database: two workers deliver a batch between them with nothing lost
 * and nothing sent twice; a worker killed mid-batch loses nothing once a worker runs again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emit } from '../../src/app/events.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime, type Runtime } from '../../src/main.js';
import { startCli, waitFor, type Proc } from '../helpers/processes.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

const EVENTS = 150;

describe.each(DIALECTS)('worker processes (%s)', (dialect) => {
  const procs: Proc[] = [];
  let receiver: Receiver | undefined;
  let runtime: Runtime | undefined;
  let db: TestDatabase | undefined;

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.kill()));
    await receiver?.close();
    await runtime?.deps.store.close();
    await db?.drop();
  });

  async function setUp() {
    db = await testDatabase(dialect, join(mkdtempSync(join(tmpdir(), 'pb-')), 'workers.db'));
    runtime = await openRuntime(loadConfig({ DATABASE_URL: db.url, PAYBRIDGE_DEMO: '0', PAYBRIDGE_ADMIN_KEY: 'pb_admin_workers_test_key_123' }));
    receiver = await startReceiver();
    const deps = runtime.deps;
    await deps.store.webhooks.insertEndpoint({
      id: deps.ids.next('we'), shopId: null, url: receiver.url, secret: deps.signer.newSecret(), eventTypes: ['*'],
      description: null, enabled: true, disabledReason: null, consecutiveFailures: 0,
    });
    const ids: string[] = [];
    await deps.store.tx(async (tx) => {
      for (let i = 0; i < EVENTS; i++) ids.push((await emit(deps, tx, { type: 'webhook.test', shopId: null, data: { n: i } })).id);
    });
    return { url: db.url, ids };
  }

  const receivedIds = () => receiver!.received.map((r) => String(r.headers['webhook-id']));

  it('two workers share a batch: every event delivered, none twice', async () => {
    const { url, ids } = await setUp();
    procs.push(startCli(['worker', '--poll-ms', '20'], { DATABASE_URL: url }), startCli(['worker', '--poll-ms', '20'], { DATABASE_URL: url }));
    await waitFor(() => new Set(receivedIds()).size >= EVENTS, 60_000, 'all events delivered');
    // The receiver answers before the worker records the delivery: wait for the outbox to say so. Once
    // every delivery is recorded as delivered, nothing more is sent, so a duplicate would be here by now.
    await waitFor(async () => (await runtime!.deps.store.events.countUndelivered()) === 0, 30_000, 'every delivery recorded');
    expect(new Set(receivedIds())).toEqual(new Set(ids));
    expect(receivedIds()).toHaveLength(EVENTS);
  }, 90_000);

  it('a worker killed mid-batch loses nothing: the next worker delivers the rest', async () => {
    const { url, ids } = await setUp();
    const first = startCli(['worker', '--poll-ms', '20', '--lease-ms', '1500'], { DATABASE_URL: url });
    procs.push(first);
    await waitFor(() => receivedIds().length >= 20, 60_000, 'first deliveries');
    await first.kill();
    expect(new Set(receivedIds()).size).toBeLessThan(EVENTS);
    procs.push(startCli(['worker', '--poll-ms', '20', '--lease-ms', '1500'], { DATABASE_URL: url }));
    await waitFor(() => new Set(receivedIds()).size >= EVENTS, 60_000, 'the rest delivered');
    expect(new Set(receivedIds())).toEqual(new Set(ids));
    await waitFor(async () => (await runtime!.deps.store.events.countUndelivered()) === 0, 10_000, 'the outbox drained');
  }, 90_000);
});
