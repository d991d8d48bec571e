/**
 * The Store over Kysely: better-sqlite3 (WAL, synchronous=FULL) for `sqlite:<path>`, node-postgres for
 * `postgres://…`. One migration set, one query layer.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import type { Clock } from '../../ports/clock.js';
import type { Ids } from '../../ports/ids.js';
import type { Repos, Store } from '../../ports/store.js';
import type { Db } from './mapping.js';
import type { Database as Tables } from './schema.js';
import { core } from './migrations/001-core.js';
import { auditRepo } from './repos/audit.js';
import { operationsRepo } from './repos/operations.js';
import { dashboardRepo, operatorRepo } from './repos/operators.js';
import { apiKeyRepo, idempotencyRepo, refreshTokenRepo, settingsRepo } from './repos/access.js';
import { customerRepo, gatewayRepo, productRepo, promoCodeRepo, shopRepo, taxRateRepo } from './repos/catalog.js';
import { ledgerRepo, type BeforeCommit } from './repos/ledger.js';
import { orderRepo, transactionRepo } from './repos/orders.js';
import { eventRepo, jobRepo, webhookRepo } from './repos/outbox.js';
import { outbox } from './migrations/002-outbox.js';
import { payments } from './migrations/003-payments.js';
import { invoices } from './migrations/005-invoices.js';
import { inboundWebhookRepo, internalAccountRepo, invoicePaymentRepo, invoiceRepo } from './repos/invoices.js';
import { externalGateways } from './migrations/004-external-gateways.js';
import { orderCallbacks } from './migrations/006-order-callbacks.js';
import { securityReview } from './migrations/007-security.js';
import { productNames } from './migrations/008-product-names.js';
import { platformCustomers } from './migrations/009-platform-customers.js';
import { operators } from './migrations/010-operators.js';
import { externalGatewayRepo, paymentMethodRepo } from './repos/gateways-external.js';
import { checkoutSessionRepo, fulfillmentRepo, orderNoteRepo, paymentSourceRepo } from './repos/fulfillment.js';
import { CachingSqliteDialect } from './sqlite-dialect.js';

// bigint columns hold minor units and epoch milliseconds: both fit a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
  return { '001-core': core(dialect), '002-outbox': outbox(dialect), '003-payments': payments(dialect), '004-external-gateways': externalGateways(dialect),
    '005-invoices': invoices(dialect), '006-order-callbacks': orderCallbacks(dialect),
    '007-security': securityReview(dialect), '008-product-names': productNames(dialect),
    '009-platform-customers': platformCustomers(dialect), '010-operators': operators(dialect) };
}

interface RepoContext {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly now: () => number;
  readonly ids: Ids;
  /** Inside `tx`: queues work to run after the transaction's function and before its COMMIT. */
  readonly beforeCommit?: BeforeCommit;
  /** Inside `tx`: queues work to run once the transaction has committed. */
  readonly afterCommit?: (action: () => void) => void;
}

const FACTORIES: { readonly [K in keyof Repos]: (c: RepoContext) => Repos[K] } = {
  shops: (c) => shopRepo(c.db, c.now),
  products: (c) => productRepo(c.db, c.now, c.dialect),
  customers: (c) => customerRepo(c.db, c.now),
  promoCodes: (c) => promoCodeRepo(c.db, c.now),
  taxRates: (c) => taxRateRepo(c.db, c.now),
  apiKeys: (c) => apiKeyRepo(c.db, c.now),
  refreshTokens: (c) => refreshTokenRepo(c.db),
  orders: (c) => orderRepo(c.db, c.now, c.dialect),
  transactions: (c) => transactionRepo(c.db, c.now),
  gateways: (c) => gatewayRepo(c.db, c.now),
  ledger: (c) => ledgerRepo(c.db, c.now, (p) => c.ids.next(p), c.beforeCommit),
  idempotency: (c) => idempotencyRepo(c.db),
  settings: (c) => settingsRepo(c.db),
  events: (c) => eventRepo(c.db, c.now, c.dialect),
  webhooks: (c) => webhookRepo(c.db, c.now, c.dialect),
  jobs: (c) => jobRepo(c.db, c.now, c.dialect),
  checkoutSessions: (c) => checkoutSessionRepo(c.db, c.now, c.dialect),
  fulfillment: (c) => fulfillmentRepo(c.db, c.now),
  orderNotes: (c) => orderNoteRepo(c.db),
  paymentSources: (c) => paymentSourceRepo(c.db, c.now),
  invoices: (c) => invoiceRepo(c.db, c.now, c.dialect),
  invoicePayments: (c) => invoicePaymentRepo(c.db, c.now),
  internalAccounts: (c) => internalAccountRepo(c.db, c.now),
  inboundWebhooks: (c) => inboundWebhookRepo(c.db),
  audit: (c) => auditRepo(c.db),
  operations: (c) => operationsRepo(c.db),
  operators: (c) => operatorRepo(c.db),
  dashboard: (c) => dashboardRepo(c.db, c.dialect),
  onCommit: (c) => c.afterCommit ?? ((action) => action()),
  externalGateways: (c) => externalGatewayRepo(c.db, c.now),
  paymentMethods: (c) => paymentMethodRepo(c.db, c.now),
};

interface LazyRepos {
  readonly context: RepoContext;
  readonly built: Partial<Record<keyof Repos, unknown>>;
}

/**
 * The repositories over `db`, each made on first use: a transaction touches a handful of them, and
 * making all of them for every transaction showed in the checkout's CPU profile.
 */
const LAZY: object = Object.create(null, Object.fromEntries((Object.keys(FACTORIES) as (keyof Repos)[]).map((key) => [key, {
  enumerable: true,
  get(this: LazyRepos) { return (this.built[key] ??= FACTORIES[key](this.context as never)); },
}])));

function repos(db: Db, dialect: Dialect, clock: Clock, ids: Ids, queues?: Pick<RepoContext, 'beforeCommit' | 'afterCommit'>): Repos {
  const context: RepoContext = { db, dialect, now: () => clock.now(), ids, ...queues };
  const lazy: LazyRepos = Object.assign(Object.create(LAZY) as LazyRepos, { context, built: {} });
  return lazy as unknown as Repos;
}

/** Runs `fn` in a transaction, then the work it queued for just before the COMMIT (ledger balance moves). */
async function inTransaction<T>(
  trx: Db, dialect: Dialect, clock: Clock, ids: Ids, fn: (r: Repos) => Promise<T>, afterCommit: (action: () => void) => void,
): Promise<T> {
  const queued: (() => Promise<void>)[] = [];
  const result = await fn(repos(trx, dialect, clock, ids, { beforeCommit: (action) => queued.push(action), afterCommit }));
  while (queued.length > 0) await queued.shift()!();
  return result;
}

interface StoreOptions {
  /** `sqlite:<path>` (`sqlite::memory:` for tests) or `postgres://…`. */
  readonly url: string;
  readonly clock: Clock;
  readonly ids: Ids;
  /** PostgreSQL pool size; default 10. */
  readonly poolSize?: number;
}

function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', target: url.slice('sqlite:'.length) || './data/paybridge.db' };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', target: url };
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:…")`);
}

export function openDatabase(url: string, poolSize = 10): { db: Db; dialect: Dialect } {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    const sqlite = new Database(target);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 10000');
    // 64 MiB of page cache (SQLite's default is 2 MiB): with a million orders the checkout's index pages
    // no longer fit the default, and each miss is a read() of the file (bench/README.md, "Growth").
    sqlite.pragma('cache_size = -65536');
    return { db: new Kysely<Tables>({ dialect: new CachingSqliteDialect(sqlite) }), dialect };
  }
  const pool = new pg.Pool({ connectionString: target, max: poolSize });
  return { db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }), dialect };
}

export function createStore(options: StoreOptions): Store {
  const { db, dialect } = openDatabase(options.url, options.poolSize);
  const rest: Omit<Store, keyof Repos> = {
    dialect,
    async tx(fn) {
      const committed: (() => void)[] = [];
      const result = await db.transaction().execute((trx) => inTransaction(trx, dialect, options.clock, options.ids, fn, (action) => committed.push(action)));
      for (const action of committed) action();
      return result;
    },
    async migrate() {
      // Kysely looks for its bookkeeping tables in `public` unless told otherwise; use the connection's schema.
      const schema = dialect === 'postgres'
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
        : undefined;
      const migrator = new Migrator({
        db, provider: { getMigrations: async () => migrations(dialect) }, ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    close: () => db.destroy(),
  };
  return Object.assign(repos(db, dialect, options.clock, options.ids), rest);
}
