/**
 * Flow 5, webhook fan-out: a receiver in the bench process, one webhook endpoint for `webhook.test`
 * events, then N events written straight into the server's database in one transaction (through the
 * app's own `emit`, on a second connection). Measured: deliveries per second from that commit until the
 * receiver has them all, as the server's in-process worker drains the outbox; p50/p99 are those of one
 * delivery attempt as the worker recorded it (webhook_attempts.latency_ms).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createStore } from '../../src/adapters/store/kysely-store.js';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { SystemClock } from '../../src/adapters/system-clock.js';
import { emit } from '../../src/app/events.js';
import type { BenchDb } from '../data.js';
import type { CellResult } from '../load.js';
import { cpuMs, INTEGRATION_KEY, rssMiB } from '../procs.js';
import { jsonHeaders } from './common.js';

export interface FanOutOptions {
  readonly origin: string;
  readonly databaseUrl: string;
  readonly db: BenchDb;
  readonly shopId: string;
  readonly events: number;
  /** Every server process (API and workers): their CPU and RSS count. */
  readonly serverPids: readonly number[];
  readonly timeoutMs: number;
}

const sum = (values: (number | null)[]) => (values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + v!, 0));

export async function runFanOut(o: FanOutOptions): Promise<CellResult> {
  const seen = new Set<string>();
  let duplicates = 0;
  let last = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) duplicates++; else seen.add(id);
      last = performance.now();
      res.writeHead(204).end();
    });
  });
  receiver.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const created = await fetch(`${o.origin}/api/v1/webhook-endpoints`, {
    method: 'POST', headers: jsonHeaders(INTEGRATION_KEY), body: JSON.stringify({ url, event_types: ['webhook.test'], description: 'bench receiver' }),
  });
  if (created.status !== 201) throw new Error(`creating the webhook endpoint: ${created.status} ${await created.text()}`);
  const endpointId = ((await created.json()) as { id: string }).id;

  const clock = new SystemClock();
  const ids = new RandomIds(clock);
  const store = createStore({ url: o.databaseUrl, clock, ids, poolSize: 2 });
  let rssPeak: number | null = null;
  const sample = () => { const r = sum(o.serverPids.map(rssMiB)); if (r !== null) rssPeak = Math.max(rssPeak ?? 0, r); };
  const sampler = setInterval(sample, 250);
  await store.tx(async (tx) => {
    for (let i = 0; i < o.events; i++) {
      await emit({ ids }, tx, { type: 'webhook.test', shopId: o.shopId, data: { bench: true, n: i } });
    }
  });
  const committed = performance.now();
  const cpuFrom = sum(o.serverPids.map(cpuMs));
  await store.close();
  const deadline = committed + o.timeoutMs;
  while (seen.size < o.events && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const cpuTo = sum(o.serverPids.map(cpuMs));
  clearInterval(sampler);
  sample();
  receiver.closeAllConnections();
  receiver.close();

  const attempts = (await sql<{ ms: number }>`select a.latency_ms as ms from webhook_attempts a
    join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${endpointId}`.execute(o.db.db)).rows.map((r) => Number(r.ms));
  const sorted = Float64Array.from(attempts).sort();
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
  const seconds = Math.max(1e-9, ((seen.size === o.events ? last : performance.now()) - committed) / 1000);
  const missing = o.events - seen.size;
  return {
    flow: 'webhook fan-out', concurrency: 0, count: seen.size, completed: seen.size, errors: missing + duplicates,
    firstErrors: [...(missing > 0 ? [`${missing} of ${o.events} events not delivered within ${o.timeoutMs / 1000} s`] : []),
      ...(duplicates > 0 ? [`${duplicates} duplicate deliveries`] : [])],
    seconds, throughput: seen.size / seconds, p50: at(50), p99: at(99), rssMiB: rssPeak, exhausted: false,
    serverCpuMs: cpuFrom !== null && cpuTo !== null && seen.size > 0 ? (cpuTo - cpuFrom) / seen.size : null,
    serverCores: cpuFrom !== null && cpuTo !== null ? (cpuTo - cpuFrom) / 1000 / seconds : null,
  };
}
