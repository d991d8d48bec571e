import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const Database = createRequire(import.meta.url)('better-sqlite3');
const probe = new Database(':memory:');
const proto = Object.getPrototypeOf(probe.prepare('select 1'));
const dbProto = Object.getPrototypeOf(probe);
let log: string[] | null = null;
for (const m of ['run', 'all', 'get']) { const o = proto[m]; proto[m] = function (...a: unknown[]) { log?.push(this.source.slice(0, 120)); return o.apply(this, a); }; }
const ex = dbProto.exec; dbProto.exec = function (s: string) { log?.push('EXEC ' + s); return ex.call(this, s); };
const { loadConfig } = await import('../src/config.js');
const { openRuntime } = await import('../src/main.js');
const { buildApp } = await import('../src/http/app.js');
const ADMIN_KEY = 'pb_admin_trace_key_0123456789abcdef';
const config = loadConfig({ DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'tr-')), 'x.db')}`, PAYBRIDGE_ADMIN_KEY: ADMIN_KEY, PAYBRIDGE_DEMO: '1', LOG_LEVEL: 'warn' });
const runtime = await openRuntime(config);
const app = await buildApp({ deps: runtime.deps, publicUrl: 'http://127.0.0.1:3000' });
await app.ready();
const t = {
  request: ({ auth, headers, ...rest }: any) => app.inject({ ...rest, headers: { ...headers, ...(auth ? { authorization: `Bearer ${auth}` } : {}) } }),
  close: async () => { await app.close(); await runtime.deps.store.close(); },
};
await t.request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email: 'trace@example.com', password: 'correct horse battery' } });
const buyer = { token: (await t.request({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username: 'trace@example.com', password: 'correct horse battery' } })).json().access_token };
async function step(name: string, fn: () => Promise<any>) {
  log = []; const r = await fn(); const l = log; log = null;
  await new Promise((r) => setTimeout(r, 50));
  console.log(`\n=== ${name}: ${l.filter((s) => !s.startsWith('EXEC')).length} statements, ${l.filter((s) => s === 'EXEC commit').length} commits`);
  if (process.argv.includes('-v')) for (const s of l) console.log('  ' + s);
  return r;
}
const placed = await step('POST /api/v1/checkout', () => t.request({ method: 'POST', url: '/api/v1/checkout', auth: buyer.token, payload: { courses: [1] } }));
const p = placed.json(); const sid = p.checkout_url?.split('/pay/')[1] ?? p.session_id;
const page = await step('GET /pay', () => t.request({ method: 'GET', url: `/pay/${sid}` }));
const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
const cookie = String(page.headers['set-cookie']).split(';')[0];
const paid = await step('POST /pay', () => t.request({ method: 'POST', url: `/pay/${sid}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: token, number: '4242 4242 4242 4242', expiry: '12/39', cvc: '123', name: 'B' }).toString() }));
await step('GET done', () => t.request({ method: 'GET', url: String(paid.headers.location), headers: { cookie } }));
const ord = await step('GET /api/v1/orders/{id}', () => t.request({ method: 'GET', url: `/api/v1/orders/${p.order_id ?? p.id}`, auth: ADMIN_KEY }));
console.log(paid.statusCode, paid.headers.location, ord.statusCode);
await t.close();
