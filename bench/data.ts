/**
 * Data the bench writes straight into the database of the server under test (never through the API, so
 * it is fast): buyers with locally minted access tokens, the 1M-order growth set, webhook events; and the
 * end-of-run check that every checkout was fulfilled exactly once. Works on SQLite (a second connection
 * beside the server's, which WAL allows) and PostgreSQL.
 *
 * Rows are made by cloning template rows in one INSERT … SELECT per table, so the generator follows the
 * schema as it changes: every column keeps the template's value except the ids (suffixed with `_g<i>`,
 * also wherever another cloned row refers to them), the order id and the customer id.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { JwtSigner } from '../src/adapters/jwt-signer.js';
import { openDatabase } from '../src/adapters/store/kysely-store.js';
import { SystemClock } from '../src/adapters/system-clock.js';

export type Dialect = 'sqlite' | 'postgres';

export interface BenchDb {
  readonly db: Kysely<any>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export function openBenchDb(url: string): BenchDb {
  const { db, dialect } = openDatabase(url, 2);
  return { db, dialect, close: () => db.destroy() };
}

async function rows<T>(b: BenchDb, query: RawBuilder<unknown>): Promise<T[]> {
  return (await query.execute(b.db)).rows as T[];
}

interface TableShape {
  readonly columns: readonly { name: string; integerPk: boolean }[];
  readonly textKeys: ReadonlySet<string>;
}

/**
 * Columns, and the text columns that are unique on their own (a one-column primary key or unique index):
 * those get the `_g<i>` suffix. Columns of composite unique keys are left to the id-reference rule.
 */
async function shapeOf(b: BenchDb, table: string): Promise<TableShape> {
  if (b.dialect === 'sqlite') {
    const info = await rows<{ name: string; type: string; pk: number }>(b, sql`select * from pragma_table_info(${table})`);
    const isInt = (name: string) => /int/i.test(info.find((i) => i.name === name)?.type ?? 'int');
    const pk = info.filter((c) => c.pk > 0);
    const keys = new Set(pk.length === 1 && !isInt(pk[0]!.name) ? [pk[0]!.name] : []);
    const indexes = await rows<{ name: string; unique: number }>(b, sql`select * from pragma_index_list(${table})`);
    for (const index of indexes.filter((i) => i.unique === 1)) {
      const cols = await rows<{ name: string }>(b, sql`select name from pragma_index_info(${index.name})`);
      if (cols.length === 1 && !isInt(cols[0]!.name)) keys.add(cols[0]!.name);
    }
    return { columns: info.map((c) => ({ name: c.name, integerPk: pk.length === 1 && c.pk > 0 && isInt(c.name) })), textKeys: keys };
  }
  const info = await rows<{ name: string; type: string; identity: string }>(b, sql`select column_name as name, data_type as type, is_identity as identity
    from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`);
  const unique = await rows<{ name: string }>(b, sql`select a.attname as name from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
    where i.indrelid = to_regclass(${table}) and i.indisunique and i.indnatts = 1`);
  const keys = new Set(unique.map((u) => u.name).filter((n) => info.find((c) => c.name === n)?.type === 'text'));
  return { columns: info.map((c) => ({ name: c.name, integerPk: c.identity === 'YES' })), textKeys: keys };
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

interface CloneSpec {
  readonly table: string;
  /** Selects the template rows (alias `tpl`). */
  readonly where: RawBuilder<unknown>;
  /** Column → SQL expression over `tpl` and the row number `g.i`. */
  readonly set?: Readonly<Record<string, RawBuilder<unknown>>>;
}

/**
 * Copies the template rows `count` times (g.i = `from` … `from + count - 1`) in one statement. Text ids in
 * `ids` (the template rows' own keys) are suffixed wherever they appear, so references stay consistent.
 */
async function cloneRows(b: BenchDb, spec: CloneSpec, from: number, count: number, ids: readonly string[]): Promise<void> {
  const shape = await shapeOf(b, spec.table);
  const sample = await rows<Record<string, unknown>>(b, sql`select * from ${ident(spec.table)} as tpl where ${spec.where}`);
  if (sample.length === 0) return;
  const idList = sql.join(ids.map((id) => sql`${id}`));
  // Zero-padded, so the clones of one row sort (and are inserted into every index) in order.
  const suffix = b.dialect === 'sqlite' ? sql`'_g' || printf('%08d', g.i)` : sql`'_g' || lpad(g.i::text, 8, '0')`;
  const cols: RawBuilder<unknown>[] = [];
  const exprs: RawBuilder<unknown>[] = [];
  for (const c of shape.columns) {
    const override = spec.set?.[c.name];
    let expr: RawBuilder<unknown> | null;
    if (override) expr = override;
    else if (c.integerPk) expr = null; // a fresh rowid / identity
    else if (shape.textKeys.has(c.name)) expr = sql`${sql.ref(`tpl.${c.name}`)} || ${suffix}`;
    else if (ids.length > 0 && sample.some((r) => typeof r[c.name] === 'string' && ids.includes(r[c.name] as string))) {
      expr = sql`case when ${sql.ref(`tpl.${c.name}`)} in (${idList}) then ${sql.ref(`tpl.${c.name}`)} || ${suffix} else ${sql.ref(`tpl.${c.name}`)} end`;
    } else expr = sql.ref(`tpl.${c.name}`);
    if (expr === null) continue;
    cols.push(ident(c.name));
    exprs.push(expr);
  }
  const last = from + count - 1;
  const target = sql`${ident(spec.table)} (${sql.join(cols)})`;
  if (b.dialect === 'sqlite') {
    await sql`with recursive g(i) as (select ${sql.lit(from)} union all select i + 1 from g where i < ${sql.lit(last)})
      insert into ${target} select ${sql.join(exprs)} from ${ident(spec.table)} as tpl, g where ${spec.where}`.execute(b.db);
  } else {
    await sql`insert into ${target} select ${sql.join(exprs)}
      from ${ident(spec.table)} as tpl, generate_series(${sql.lit(from)}::bigint, ${sql.lit(last)}::bigint) as g(i) where ${spec.where}`.execute(b.db);
  }
}

/** The demo customer, the template of every generated customer. */
async function demoCustomerId(b: BenchDb): Promise<string> {
  const [row] = await rows<{ id: string }>(b, sql`select id from customers where email_lower = 'learner@example.com'`);
  if (!row) throw new Error('the demo customer is missing (is PAYBRIDGE_DEMO on?)');
  return row.id;
}

async function cloneCustomers(b: BenchDb, prefix: string, from: number, count: number): Promise<void> {
  const template = await demoCustomerId(b);
  const email = sql`${prefix} || g.i || '@bench.example.com'`;
  await cloneRows(b, {
    table: 'customers', where: sql`tpl.id = ${template}`,
    set: { id: sql`${`cus_${prefix}_`} || g.i`, email, email_lower: email },
  }, from, count, []);
}

/** One buyer and the course it will buy (it owns none of the demo courses yet). */
export interface Buyer {
  readonly customerId: string;
  readonly token: string;
  readonly courseId: number;
}

/**
 * Creates `count` customers (`cus_buyer_<i>`) and mints an hour-long access token for each with the
 * server's own JWT secret. Each buyer can check out courses 1, 2 and 3 once each: 3 × count flows.
 */
export async function createBuyers(b: BenchDb, count: number): Promise<Buyer[]> {
  await b.db.transaction().execute(async (trx) => cloneCustomers({ ...b, db: trx }, 'buyer', 0, count));
  const [secret] = await rows<{ value: string }>(b, sql`select value from settings where name = 'jwt_secret'`);
  if (!secret) throw new Error('no jwt_secret in the settings table');
  const signer = new JwtSigner(secret.value, new SystemClock());
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await signer.sign({ role: 'customer', subject: `cus_buyer_${i}` }, 3600));
  const buyers: Buyer[] = [];
  for (const courseId of [1, 2, 3]) tokens.forEach((token, i) => buyers.push({ customerId: `cus_buyer_${i}`, token, courseId }));
  return buyers;
}

/**
 * Append-only logs get one row per generated order instead of the template's 4–5: they are only ever
 * appended to and read by order id, and cloning them in full would triple the generation time.
 */
const LOGS = new Set(['events', 'order_status_changes']);

export interface GrowthResult {
  readonly orders: number;
  readonly rows: number;
  readonly seconds: number;
}

/**
 * Adds `count` orders cloned from `templateOrderId` (a paid, fulfilled checkout) with every row that hangs
 * off it: lines, transactions, checkout session, enrollments, ledger transfers and postings, and one
 * history row and one event (see LOGS). They belong to 100,000 generated customers. Chunks of 250,000 orders per transaction.
 */
export async function growOrders(b: BenchDb, templateOrderId: number, count: number, log: (s: string) => void): Promise<GrowthResult> {
  const started = performance.now();
  // The server is stopped meanwhile: a crash here only means generating again, so no fsync per chunk.
  if (b.dialect === 'sqlite') await sql`pragma cache_size = -1000000`.execute(b.db);
  if (b.dialect === 'sqlite') await sql`pragma synchronous = OFF`.execute(b.db);
  const withOrderId = b.dialect === 'sqlite'
    ? await rows<{ name: string }>(b, sql`select m.name from sqlite_master m, pragma_table_info(m.name) c where m.type = 'table' and c.name = 'order_id'`)
    : await rows<{ name: string }>(b, sql`select table_name as name from information_schema.columns where table_schema = current_schema() and column_name = 'order_id'`);
  const [maxRow] = await rows<{ m: number | string }>(b, sql`select max(id) as m from orders`);
  const base = Number(maxRow?.m ?? 0) + 1;
  const customers = Math.min(100_000, count);
  const specs: CloneSpec[] = [{ table: 'orders', where: sql`tpl.id = ${templateOrderId}` }];
  for (const { name } of withOrderId) {
    const where = LOGS.has(name)
      ? sql`tpl.order_id = ${templateOrderId} and tpl.id = (select min(id) from ${ident(name)} where order_id = ${templateOrderId})`
      : sql`tpl.order_id = ${templateOrderId}`;
    specs.push({ table: name, where });
  }
  const txnIds = (await rows<{ id: string }>(b, sql`select id from payment_transactions where order_id = ${templateOrderId}`)).map((r) => r.id);
  const transfers = txnIds.length === 0 ? [] : (await rows<{ id: string }>(b, sql`select id from ledger_transfers where reference in (${sql.join(txnIds)})`)).map((r) => r.id);
  if (transfers.length > 0) {
    specs.push({ table: 'ledger_transfers', where: sql`tpl.id in (${sql.join(transfers)})` });
    specs.push({ table: 'ledger_postings', where: sql`tpl.transfer_id in (${sql.join(transfers)})` });
  }
  // Every text id of a template row: references to them are rewritten in the clones.
  const ids: string[] = [...txnIds, ...transfers];
  for (const { name } of withOrderId) {
    const shape = await shapeOf(b, name);
    if (!shape.columns.some((c) => c.name === 'id') || shape.columns.find((c) => c.name === 'id')!.integerPk) continue;
    ids.push(...(await rows<{ id: string }>(b, sql`select id from ${ident(name)} where order_id = ${templateOrderId}`)).map((r) => String(r.id)));
  }
  const set = {
    order_id: sql`${sql.lit(base)} + g.i`, customer_id: sql`'cus_hist_' || (g.i % ${sql.lit(customers)})`,
  };
  await b.db.transaction().execute(async (trx) => cloneCustomers({ ...b, db: trx }, 'hist', 0, customers));
  const chunk = 250_000;
  const timings: string[] = [];
  let cloned = 0;
  for (let from = 0; from < count; from += chunk) {
    const n = Math.min(chunk, count - from);
    await b.db.transaction().execute(async (trx) => {
      const t = { ...b, db: trx };
      for (const spec of specs) {
        const own = spec.table === 'orders' ? { ...set, id: sql`${sql.lit(base)} + g.i` } : set;
        const t0 = performance.now();
        await cloneRows(t, { ...spec, set: own }, from, n, ids);
        if (from === 0) timings.push(`${spec.table} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      }
      // Keep every ledger balance equal to the sum of its postings (the invariant `paybridge check` verifies).
      if (transfers.length > 0) {
        await sql`update ledger_accounts set balance = balance + ${sql.lit(n)} * coalesce((select sum(p.amount) from ledger_postings p
          where p.transfer_id in (${sql.join(transfers)}) and p.account_id = ledger_accounts.id), 0)`.execute(trx);
      }
    });
    cloned += n;
    if (from === 0) log(`  growth, first chunk by table: ${timings.join(', ')}`);
    log(`  growth: ${cloned.toLocaleString('en-US')} orders (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (b.dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence('orders', 'id'), (select max(id) from orders))`.execute(b.db);
    await sql`analyze`.execute(b.db);
  }
  const perOrder = await Promise.all(specs.map(async (s) => Number((await rows<{ n: number | string }>(b, sql`select count(*) as n from ${ident(s.table)} as tpl where ${s.where}`))[0]?.n ?? 0)));
  return { orders: count, rows: perOrder.reduce((a, n) => a + n, 0) * count, seconds: (performance.now() - started) / 1000 };
}

/** Orders among `orderIds` that are not paid and fulfilled with exactly `courses` active enrollments. */
export async function notFulfilledExactlyOnce(b: BenchDb, orderIds: readonly number[], courses = 1): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < orderIds.length; i += 500) {
    const ids = orderIds.slice(i, i + 500);
    const found = await rows<{ id: number | string; payment_status: string; fulfillment_status: string; n: number | string }>(b, sql`
      select o.id, o.payment_status, o.fulfillment_status, count(e.id) as n from orders o
      left join enrollments e on e.order_id = o.id and e.status = 'active'
      where o.id in (${sql.join(ids)}) group by o.id, o.payment_status, o.fulfillment_status`);
    if (found.length !== ids.length) problems.push(`${ids.length - found.length} orders missing`);
    for (const r of found) {
      if (r.payment_status !== 'paid' || r.fulfillment_status !== 'fulfilled' || Number(r.n) !== courses) {
        problems.push(`order ${r.id}: ${r.payment_status}/${r.fulfillment_status} with ${r.n} enrollments`);
      }
    }
  }
  return problems;
}
