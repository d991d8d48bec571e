/**
 * A developer's lens on one checkout flow, in-process (Fastify `inject`, no sockets, no worker):
 *
 *   npx tsx bench/trace-sql.ts            the number of SQL statements and commits of each request of a
 *                                         checkout flow, then of the worker's share of it (its events fanned
 *                                         out to a platform endpoint subscribed to everything, its e-mail);
 *                                         the traced flow is the second one, so the figures are the steady
 *                                         state (the first flow also creates the ledger's accounts)
 *   npx tsx bench/trace-sql.ts -v         … and the statements themselves
 *   npx tsx bench/trace-sql.ts --loop 500 CPU time per whole flow over 500 flows, after 100 to warm up
 *   … --loop 500 --concurrency 16        the same with 16 flows under way at a time (commits are shared)
 *
 * `--loop` is steadier than the HTTP bench for comparing two versions of the code on a shared machine
 * (no load generator, no network), but it leaves out the HTTP parsing and the worker: use it to compare,
 * and `npm run bench` to report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Probe { source: string }
type Fn = (this: any, ...args: unknown[]) => unknown;

const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => { prepare(sql: string): object; close(): void };
const probe = new Database(':memory:');
const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Fn>;
const databaseProto = Object.getPrototypeOf(probe) as Record<string, Fn>;
probe.close();
let log: string[] | null = null;
for (const method of ['run', 'all', 'get']) {
  const original = statementProto[method]!;
  statementProto[method] = function logged(this: Probe, ...args: unknown[]) {
    log?.push(this.source.replace(/\s+/g, ' ').slice(0, 140));
    return original.apply(this, args);
  };
}
const exec = databaseProto['exec']!;
databaseProto['exec'] = function logged(this: unknown, source: unknown) {
  log?.push(`EXEC ${String(source)}`);
  return exec.call(this, source);
};

const { loadConfig } = await import('../src/config.js');
const { openRuntime } = await import('../src/main.js');
const { buildApp } = await import('../src/http/app.js');
const { createWorker } = await import('../src/main.js');

const args = process.argv.slice(2);
const verbose = args.includes('-v');
const loopAt = args.indexOf('--loop');
const loops = loopAt >= 0 ? Number(args[loopAt + 1] ?? 500) : 0;
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? Number(args[concurrencyAt + 1] ?? 16) : 1;

const ADMIN_KEY = 'pb_admin_trace_key_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'pb-trace-'));
const config = loadConfig({
  DATABASE_URL: `sqlite:${join(dir, 'trace.db')}`, PAYBRIDGE_ADMIN_KEY: ADMIN_KEY, PAYBRIDGE_DEMO: '1', LOG_LEVEL: 'warn', PAYBRIDGE_ALLOW_PRIVATE_URLS: '1',
});
const runtime = await openRuntime(config);
const app = await buildApp({ deps: runtime.deps, publicUrl: 'http://127.0.0.1:3000', tokenRateLimit: 1_000_000 });
await app.ready();

interface Call { method: 'GET' | 'POST'; url: string; auth?: string; headers?: Record<string, string>; payload?: unknown; remoteAddress?: string }
const call = ({ auth, headers, ...rest }: Call) => app.inject({ ...rest, headers: { ...headers, ...(auth ? { authorization: `Bearer ${auth}` } : {}) } } as never);

async function buyer(n: number): Promise<string> {
  const email = `trace-${n}@example.com`;
  await call({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email, password: 'correct horse battery' } });
  const token = await call({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: email, password: 'correct horse battery' } });
  return (token.json() as { access_token: string }).access_token;
}

/** Statements and commits per flow in a log of `flows` flows. */
function perFlow(lines: string[], flows: number): string {
  const statements = lines.filter((l) => !l.startsWith('EXEC')).length;
  const commits = lines.filter((l) => l === 'EXEC commit').length;
  return `${(statements / flows).toFixed(1)} statements and ${(commits / flows).toFixed(2)} commits per flow`;
}

async function step<T>(name: string, fn: () => Promise<T>, trace: boolean): Promise<T> {
  if (!trace) return fn();
  log = [];
  const result = await fn();
  const lines = log;
  log = null;
  const commits = lines.filter((s) => s === 'EXEC commit').length;
  process.stdout.write(`=== ${name}: ${lines.filter((s) => !s.startsWith('EXEC')).length} statements, ${commits} commits\n`);
  if (verbose) for (const s of lines) process.stdout.write(`  ${s}\n`);
  return result;
}

/**
 * The bench's checkout flow: checkout → payment page → pay with the success card → receipt. Flow `n`
 * pays from an address of its own (the page allows 30 payments a minute per address).
 */
async function checkout(token: string, course: number, n: number, trace: boolean): Promise<void> {
  const placed = await step('POST /api/v1/checkout', () => call({ method: 'POST', url: '/api/v1/checkout', auth: token, payload: { courses: [course] } }), trace);
  if (placed.statusCode !== 200) throw new Error(`checkout: ${placed.statusCode} ${placed.body}`);
  const { checkout_url: url, order_id: orderId } = placed.json() as { checkout_url: string; order_id: number };
  const page = `/pay/${url.split('/pay/')[1]}`;
  const form = await step('GET /pay/{session}', () => call({ method: 'GET', url: page }), trace);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const cookie = String(form.headers['set-cookie']).split(';')[0]!;
  const body = new URLSearchParams({ _csrf: csrf, number: '4242 4242 4242 4242', expiry: '12/39', cvc: '123', name: 'Trace' }).toString();
  const remoteAddress = `127.2.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  const paid = await step('POST /pay/{session}', () => call({ method: 'POST', url: page, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body, remoteAddress }), trace);
  if (paid.statusCode !== 303) throw new Error(`pay: ${paid.statusCode} ${paid.body.slice(0, 200)}`);
  await step('GET /pay/{session}/done', () => call({ method: 'GET', url: String(paid.headers['location']), headers: { cookie } }), trace);
  if (trace) await step('GET /api/v1/orders/{id}', () => call({ method: 'GET', url: `/api/v1/orders/${orderId}`, auth: ADMIN_KEY }), trace);
}

// The platform's endpoint, subscribed to every event, on a receiver of our own that answers 204.
const receiver = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const port = (receiver.address() as { port: number }).port;
const endpoint = await call({ method: 'POST', url: '/api/v1/webhook-endpoints', auth: ADMIN_KEY, payload: { url: `http://127.0.0.1:${port}/webhooks`, event_types: ['*'] } });
if (endpoint.statusCode !== 201) throw new Error(`webhook endpoint: ${endpoint.statusCode} ${endpoint.body}`);

if (loops > 0) {
  // Each buyer buys courses 1, 2 and 3 once: enough buyers for the warm-up and the measured flows.
  const warmup = 100;
  const tokens = await Promise.all(Array.from({ length: Math.ceil((warmup + loops) / 3) }, (_, i) => buyer(i)));
  const run = (i: number) => checkout(tokens[Math.floor(i / 3)]!, (i % 3) + 1, i, false);
  for (let i = 0; i < warmup; i++) await run(i);
  log = [];
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let next = warmup;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < warmup + loops) await run(next++);
  }));
  const used = process.cpuUsage(cpu);
  const ms = (performance.now() - wall) / loops;
  const requestLog = log;
  log = null;
  process.stdout.write(`${loops} checkout flows, ${concurrency} at a time: ${((used.user + used.system) / 1000 / loops).toFixed(3)} ms CPU (${(used.system / 1000 / loops).toFixed(3)} ms of it in the kernel) and ${ms.toFixed(3)} ms wall per flow; ${perFlow(requestLog, loops)}\n`);
  // What the worker then spends on each flow's outbox: its events fanned out to the endpoint, and e-mail.
  const background = createWorker(config, runtime);
  log = [];
  const before = process.cpuUsage();
  const started = performance.now();
  await background.worker.drain(10_000);
  const worker = process.cpuUsage(before);
  const workerLog = log;
  log = null;
  process.stdout.write(`the worker, draining the outbox of ${warmup + loops} flows: ${((worker.user + worker.system) / 1000 / (warmup + loops)).toFixed(3)} ms CPU and ${((performance.now() - started) / (warmup + loops)).toFixed(3)} ms wall per flow; ${perFlow(workerLog, warmup + loops)}\n`);
  await background.close();
} else {
  const background = createWorker(config, runtime);
  const token = await buyer(0);
  await checkout(token, 1, 0, false);
  await background.worker.drain(100);
  await checkout(token, 2, 1, true);
  await step('the worker: events, deliveries, e-mail', () => background.worker.drain(100), true);
  await background.close();
}
receiver.close();
await app.close();
await runtime.deps.store.close();
rmSync(dir, { recursive: true, force: true });
