/**
 * `npm run bench [-- --quick] [-- --pg] [-- --profile] [-- --only checkout,reads,…]`: starts a fresh
 * Paybridge server on a fresh database, drives the real flows over HTTP from this process, measures the
 * bare baseline in the same run, and prints (and writes to bench/results/latest.md) one table.
 * See bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { createBuyers, growOrders, notFulfilledExactlyOnce, openBenchDb, type BenchDb, type GrowthResult } from './data.js';
import { baselineFlow } from './flows/baseline.js';
import { checkoutFlow } from './flows/checkout.js';
import { BuyerPool } from './flows/common.js';
import { createExternalGateway, externalFlow } from './flows/external.js';
import { runFanOut } from './flows/fanout.js';
import { lifecycleFlow } from './flows/lifecycle.js';
import { createReadableOrders, readsFlow } from './flows/reads.js';
import { runCell, type CellResult, type Flow } from './load.js';
import { INTEGRATION_KEY, ROOT, startCluster, startHelper, type Cluster, type Proc } from './procs.js';
import { describe as describeBacklog } from './backlog.js';
import { profilesOf, summarise, summariseSql } from './profile.js';
import { machine, render, type Row } from './report.js';

const FLOWS = ['baseline', 'checkout', 'lifecycle', 'external', 'reads', 'fanout', 'growth'] as const;
type FlowKey = (typeof FLOWS)[number];

function options(argv: string[]) {
  const has = (flag: string) => argv.includes(flag);
  const value = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const quick = has('--quick');
  const only = value('--only')?.split(',').map((s) => s.trim()) ?? [...FLOWS];
  for (const f of only) if (!(FLOWS as readonly string[]).includes(f)) throw new Error(`--only: unknown flow "${f}" (${FLOWS.join(', ')})`);
  const growth = value('--growth');
  const processes = Number(value('--processes') ?? 1);
  if (!Number.isInteger(processes) || processes < 1 || processes > 8) throw new Error('--processes: a whole number from 1 to 8');
  return {
    processes, quick, pg: has('--pg'), profile: has('--profile'), only: new Set(only as FlowKey[]),
    sqlProbe: !has('--no-sql-probe'), // the probe's own cost shows in the CPU profile
    concurrency: value('--conc')?.split(',').map(Number) ?? (quick ? [1, 16] : [1, 16, 64]),
    warmupMs: quick ? 300 : 1000,
    durationMs: Number(value('--seconds') ?? (quick ? 1 : 6)) * 1000,
    growthOrders: growth ? Number(growth) : quick ? 10_000 : 1_000_000,
    buyers: quick ? 4_000 : 30_000,
    events: quick ? 3_000 : 20_000,
    readableOrders: quick ? 200 : 1_000,
  };
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database: a file in a temp dir, or a new PostgreSQL schema. */
async function freshDatabase(usePg: boolean, dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!usePg) return { url: `sqlite:${join(dir, 'paybridge.db')}`, drop: async () => {} };
  const schema = `bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * Whether a route exists yet: anything but the server's JSON 404 (an unauthenticated call answers 401; the
 * hosted page answers an unknown session with a 404 page in HTML).
 */
async function routeExists(origin: string, method: string, path: string): Promise<boolean> {
  const res = await fetch(`${origin}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? null : '{}' });
  const text = await res.text();
  return res.status !== 404 || !text.includes('route_not_found');
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'paybridge-bench-'));
  const m = machine(loadavg(), dir);
  log(`Paybridge bench (${o.quick ? 'quick' : 'full'}, ${o.pg ? 'PostgreSQL' : 'SQLite'}): ${m.cores} cores (${m.model}), ${m.memoryGiB} GiB, Node ${m.node}, load ${m.load}, fdatasync ${m.fsync}`);
  const profDir = o.profile ? join(ROOT, 'bench', 'results', 'profiles') : null;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const rows: Row[] = [];
  const checks: string[] = [];
  let growth: GrowthResult | null = null;
  const profiled: number[] = [];
  const sqlProfiles: { file: string; from: number }[] = [];
  const sqlProfile = (label: string) => {
    if (!profDir || o.pg || !o.sqlProbe) return null;
    const file = join(profDir, `sql-${label}-${Date.now()}.json`);
    sqlProfiles.push({ file, from: rows.length });
    return file;
  };
  const cells = async (target: Proc | Cluster, flow: Flow, ownAddresses = false, label?: string, drainDb?: BenchDb) => {
    const pids = 'pids' in target ? target.pids : [target.pid];
    const origins = 'urls' in target ? target.urls : [target.url];
    for (const concurrency of o.concurrency) {
      const r = await runCell({
        origin: target.url, origins, flow, concurrency, warmupMs: o.warmupMs, durationMs: o.durationMs, serverPids: pids, ownAddresses,
        ...(drainDb ? { drainDb } : {}),
      });
      const row: CellResult = label ? { ...r, flow: label } : r;
      rows.push(row);
      const s = row.sustained;
      log(`  ${row.flow.padEnd(30)} c=${String(concurrency).padStart(2)}  ${(s?.throughput ?? row.throughput).toFixed(0).padStart(6)}/s${s ? ` sustained (${row.throughput.toFixed(0)}/s during the load; backlog at its end ${describeBacklog(s.backlogAtEnd)}, drained in ${s.drainSeconds.toFixed(1)} s${s.drained ? '' : ' — NOT drained'})` : ''}  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  rss ${row.rssMiB?.toFixed(0) ?? '—'} MiB  server cpu ${row.serverCpuMs?.toFixed(2) ?? '—'} ms/flow (${row.serverCores?.toFixed(2) ?? '—'} cores)  errors ${row.errors}${row.firstErrors[0] ? ` (${row.firstErrors[0]})` : ''}`);
      if (row.exhausted && row.errors === 0) log('    (prepared data used up: the cell ended early)');
    }
  };
  const unavailable = (flow: string, why: string) => { for (const c of o.concurrency) rows.push({ flow, concurrency: c, unavailable: why }); };

  if (o.only.has('baseline')) {
    log('baseline: bare Fastify + one better-sqlite3 INSERT in a transaction (WAL, synchronous=FULL)');
    const base = await startHelper('baseline-server.ts', { BASELINE_DB: join(dir, 'baseline.db') });
    try { await cells(base, baselineFlow()); } finally { await base.stop(); }
  }

  const database = await freshDatabase(o.pg, dir);
  let server: Cluster | null = null;
  let db: BenchDb | null = null;
  let merchant: Proc | null = null;
  let platform: Proc | null = null;
  try {
    const shape = o.processes > 1 ? `${o.processes} API processes and ${o.processes} worker processes` : 'one process (API + in-process worker)';
    log(`starting Paybridge on ${o.pg ? 'PostgreSQL' : 'SQLite'}: ${shape}…`);
    server = await startCluster({ databaseUrl: database.url, cwd: dir, cpuProfDir: profDir, sqlProfile: sqlProfile('empty') }, o.processes);
    profiled.push(server.pids[0]!);
    db = openBenchDb(database.url);
    // A real platform has a webhook endpoint subscribed to every event: every event of every flow is
    // delivered to it, and that work is part of each cell (which ends when the worker has caught up).
    platform = await startHelper('receiver-server.ts');
    const platformEndpoint = await createEndpoint(server.url, `${platform.url}/webhooks`, ['*'], 'the platform (every event)');
    const setPlatformEndpoint = (enabled: boolean) => patchEndpoint(server!.url, platformEndpoint, { enabled });
    const shopId = String((await sql<{ value: string }>`select value from settings where name = 'demo_shop_id'`.execute(db.db)).rows[0]?.value);
    const t = performance.now();
    const pool = new BuyerPool(await createBuyers(db, o.buyers));
    log(`  ${o.buyers.toLocaleString('en-US')} buyers with tokens (${pool.size.toLocaleString('en-US')} checkouts) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const checkoutOrders: number[] = [];
    const lifecycleOrders: number[] = [];
    const hasCheckout = await routeExists(server.url, 'POST', '/api/v1/checkout');
    const hasPage = hasCheckout && await routeExists(server.url, 'GET', '/pay/cs_none');

    if (o.only.has('checkout') || o.only.has('growth')) {
      if (hasCheckout && hasPage) await cells(server, checkoutFlow(pool, checkoutOrders), true, undefined, db);
      else unavailable('full checkout', hasCheckout ? 'no hosted page /pay yet' : 'no POST /api/v1/checkout yet');
    }
    if (o.only.has('lifecycle')) {
      if (hasCheckout && await routeExists(server.url, 'GET', '/v1/purchases/1')) await cells(server, lifecycleFlow(pool, lifecycleOrders), false, undefined, db);
      else unavailable('purchase lifecycle', 'no purchases API yet');
    }
    if (o.only.has('external')) {
      if (await routeExists(server.url, 'POST', '/api/v1/external-gateways')) {
        merchant = await startHelper('merchant-server.ts');
        const gatewayId = await createExternalGateway(server.url, shopId, merchant.url);
        await cells(server, externalFlow(shopId, gatewayId), false, undefined, db);
        await merchant.stop();
        merchant = null;
      } else unavailable('external authorize+capture', 'no external gateways yet');
    }
    if (o.only.has('reads')) {
      const ids = await createReadableOrders(server.url, shopId, o.readableOrders);
      await cells(server, readsFlow(ids), false, undefined, db);
    }
    if (o.only.has('fanout')) {
      log(`webhook fan-out: ${o.events.toLocaleString('en-US')} events`);
      // The fan-out measures its own endpoint alone: the platform's is paused meanwhile.
      await setPlatformEndpoint(false);
      const r = await runFanOut({ origin: server.url, databaseUrl: database.url, db, shopId, events: o.events, serverPids: server.pids, timeoutMs: o.quick ? 30_000 : 90_000 });
      await setPlatformEndpoint(true);
      rows.push(r);
      log(`  ${r.count} deliveries at ${r.throughput.toFixed(0)}/s; attempt p50 ${r.p50} ms p99 ${r.p99} ms; errors ${r.errors}`);
    }
    const verify = async (what: string, ids: number[]) => {
      if (ids.length === 0) return;
      const problems = await notFulfilledExactlyOnce(db!, ids);
      checks.push(problems.length === 0 ? `${what}: all ${ids.length.toLocaleString('en-US')} orders paid and fulfilled exactly once`
        : `${what}: ${problems.length} of ${ids.length} orders NOT fulfilled exactly once (${problems.slice(0, 3).join('; ')})`);
      log(`  check: ${checks.at(-1)}`);
    };
    await verify('full checkout', checkoutOrders);
    await verify('purchase lifecycle', lifecycleOrders);

    if (o.only.has('growth') && checkoutOrders.length > 0) {
      await server.stop();
      server = null;
      log(`growth: generating ${o.growthOrders.toLocaleString('en-US')} orders in the database…`);
      growth = await growOrders(db, checkoutOrders[0]!, o.growthOrders, log);
      log(`  ${growth.rows.toLocaleString('en-US')} rows in ${growth.seconds.toFixed(1)} s; restarting Paybridge on it`);
      server = await startCluster({ databaseUrl: database.url, cwd: dir, cpuProfDir: profDir, sqlProfile: sqlProfile('grown') }, o.processes);
      profiled.push(server.pids[0]!);
      const grownOrders: number[] = [];
      await cells(server, checkoutFlow(pool, grownOrders), true, `full checkout @ ${growthLabel(o.growthOrders)} orders`, db);
      await verify(`full checkout @ ${growthLabel(o.growthOrders)} orders`, grownOrders);
    }
    log(`  buyers used: ${pool.used.toLocaleString('en-US')} of ${pool.size.toLocaleString('en-US')}`);
    checks.push(await platformCheck(db, platform.url, platformEndpoint));
    log(`  check: ${checks.at(-1)}`);
  } finally {
    await merchant?.stop();
    await platform?.stop();
    await server?.stop();
    await db?.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }

  const report = render({
    machine: m, store: o.pg ? 'PostgreSQL' : 'SQLite', mode: o.quick ? 'quick' : 'full', rows, growth, checks,
    totalSeconds: (performance.now() - started) / 1000,
  });
  log('');
  log(report);
  const results = join(ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const name = `${o.quick ? 'quick' : 'latest'}${o.pg ? '-pg' : ''}`;
  writeFileSync(join(results, `${name}.md`), report);
  writeFileSync(join(results, `${name}.json`), JSON.stringify({ machine: m, rows, checks, growth }, null, 2));
  log(`written to bench/results/${name}.md`);
  if (profDir) {
    for (const file of profiled.flatMap((pid) => profilesOf(profDir, pid))) log(`\n${summarise(file, 20)}`);
    sqlProfiles.forEach(({ file, from }, i) => {
      const upTo = sqlProfiles[i + 1]?.from ?? rows.length;
      const flows = rows.slice(from, upTo).reduce((n, r) => n + ('completed' in r ? r.completed : 0), 0);
      if (existsSync(file)) log(`\n${summariseSql(file, flows)}`);
    });
  }
}

async function createEndpoint(origin: string, url: string, eventTypes: string[], description: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/webhook-endpoints`, {
    method: 'POST', headers: { authorization: `Bearer ${INTEGRATION_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, event_types: eventTypes, description }),
  });
  if (res.status !== 201) throw new Error(`creating the webhook endpoint: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function patchEndpoint(origin: string, id: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${origin}/api/v1/webhook-endpoints/${id}`, {
    method: 'PATCH', headers: { authorization: `Bearer ${INTEGRATION_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`updating the webhook endpoint: ${res.status} ${await res.text()}`);
}

/** Every delivery the outbox recorded for the platform's endpoint arrived, once, and none failed. */
async function platformCheck(db: BenchDb, receiverUrl: string, endpointId: string): Promise<string> {
  const got = (await (await fetch(receiverUrl)).json()) as { received: number; duplicates: number };
  const { rows } = await sql<{ status: string; n: number | string }>`select status, count(*) as n from webhook_deliveries
    where endpoint_id = ${endpointId} group by status`.execute(db.db);
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const delivered = by['delivered'] ?? 0;
  const other = Object.entries(by).filter(([k]) => k !== 'delivered').map(([k, n]) => `${n} ${k}`);
  const ok = got.received === delivered && got.duplicates === 0 && other.length === 0;
  return `platform webhook endpoint (every event): ${delivered.toLocaleString('en-US')} deliveries recorded, ${got.received.toLocaleString('en-US')} received`
    + `${got.duplicates ? `, ${got.duplicates} received twice` : ''}${other.length ? `, ${other.join(', ')}` : ''}${ok ? ' — all once' : ' — MISMATCH'}`;
}

const growthLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
