/**
 * A Kysely dialect for better-sqlite3 that keeps every prepared statement (Kysely's own re-prepares each
 * query, ~0.2 ms of CPU apiece), opens transactions with BEGIN IMMEDIATE, so a transaction that reads
 * and then writes never fails half-way with SQLITE_BUSY when another process holds the write lock, and
 * commits concurrent transactions in groups (one fsync for many; see GroupCommitDriver).
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult,
} from 'kysely';
import { startCheckpointer, type Checkpointer } from './wal-checkpointer.js';

const STATEMENT_CACHE_SIZE = 1000;
/** The main connection checkpoints by itself only past this many WAL pages (16 MiB): see wal-checkpointer.ts. */
const BACKSTOP_CHECKPOINT_PAGES = 4_000;

/** The one better-sqlite3 connection, with its prepared statements; users reach it through a Lease. */
class CachingConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly beforeWrite: (lease: Lease) => void,
  ) {}

  private statement(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery, lease: Lease): Promise<QueryResult<R>> {
    const stmt = this.statement(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (!stmt.readonly) this.beforeWrite(lease);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(...params) as R[] }); // a read, or a write with RETURNING
    const { changes, lastInsertRowid } = stmt.run(...params);
    return Promise.resolve({
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
    });
  }
}

/** A FIFO lock: `lock()` resolves with the function that releases it. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => { release = resolve; });
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return acquired;
  }
}

/**
 * One user's hold on the connection, from acquireConnection to releaseConnection. A transaction hands the
 * lock on at its COMMIT and Kysely releases the connection after that; the lease makes the second
 * release a no-op, where releasing "the current holder" would free the next user's lock.
 */
class Lease implements DatabaseConnection {
  /** This user wrote outside a transaction: its answer waits for the group's COMMIT. */
  loneWrite = false;

  constructor(private readonly connection: CachingConnection, private release: (() => void) | undefined) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.connection.executeQuery<R>(compiled, this);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by the SQLite store');
  }

  /** Lets the next user in; only the first call does anything. */
  handOff(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One connection, handed to one user at a time (better-sqlite3 is synchronous), with GROUP COMMIT:
 * a transaction runs as a savepoint inside a shared outer transaction (BEGIN IMMEDIATE), and its commit
 * resolves only once that outer transaction has committed — so it is exactly as durable as a COMMIT of
 * its own, but the transactions queued behind it share one fsync. A rolled-back transaction rolls back to
 * its savepoint and touches no other. A single write outside any transaction joins the group the same way
 * (SQLite undoes a failed statement alone) and is answered after the group's COMMIT too.
 *
 * The group commits once nobody is queued for the connection, after the event loop has taken in the I/O
 * that is ready (`setImmediate`): requests that arrived meanwhile join it. Under load that is many
 * transactions per fsync; alone, a transaction waits for no timer.
 *
 * Reads by other users may see a transaction of the open group before its COMMIT (one connection). If
 * that COMMIT fails, every transaction of the group is answered with the error, and nothing of it stays.
 */
class GroupCommitDriver implements Driver {
  private readonly connection: CachingConnection;
  private readonly mutex = new Mutex();
  private outerOpen = false;
  private inTransaction = false;
  private waiters: Waiter[] = [];
  private flushQueued = false;
  private checkpointer: Checkpointer | undefined;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.connection = new CachingConnection(db, (lease) => {
      if (this.inTransaction) return;
      this.openGroup();
      lease.loneWrite = true;
    });
  }

  async init(): Promise<void> {
    if (!this.db.memory && this.db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      this.checkpointer = startCheckpointer(this.db.name);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Lease(this.connection, await this.mutex.lock());
  }

  async beginTransaction(): Promise<void> {
    this.openGroup();
    this.db.exec('savepoint pb_tx');
    this.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.db.exec('release pb_tx');
    this.inTransaction = false;
    const committed = this.joinGroup();
    // Let the next user in now (it joins this group), and answer once the group is on disk.
    (connection as Lease).handOff();
    this.queueFlush();
    await committed;
  }

  async rollbackTransaction(): Promise<void> {
    if (this.db.inTransaction) {
      this.db.exec('rollback to pb_tx');
      this.db.exec('release pb_tx');
    }
    this.inTransaction = false;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    const committed = lease.loneWrite ? this.joinGroup() : undefined;
    lease.loneWrite = false;
    lease.handOff();
    if (this.outerOpen) this.queueFlush();
    await committed;
  }

  async destroy(): Promise<void> {
    const release = await this.mutex.lock();
    this.commitGroup();
    await this.checkpointer?.stop();
    this.db.close();
    release();
  }

  /** Opens the outer transaction unless it is open. Holder of the lock only. */
  private openGroup(): void {
    if (this.outerOpen && !this.db.inTransaction) {
      // SQLite rolled the whole group back (an I/O error, a full disk): its members did not commit.
      this.settle(new Error('the database rolled back the transaction group; nothing of it was saved'));
    }
    if (this.outerOpen) return;
    this.db.exec('begin immediate');
    this.outerOpen = true;
  }

  private joinGroup(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      void this.mutex.lock().then((release) => {
        this.flushQueued = false;
        this.commitGroup();
        release();
      });
    });
  }

  /** Commits the outer transaction and answers every transaction waiting on it. Holder of the lock only. */
  private commitGroup(): void {
    if (!this.outerOpen) return;
    try {
      this.db.exec('commit');
      this.settle(null);
    } catch (error) {
      try { this.db.exec('rollback'); } catch { /* already rolled back by SQLite */ }
      this.settle(error);
    }
  }

  private settle(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.outerOpen = false;
    for (const w of waiters) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
  }
}

/**
 * SQLite's DDL is transactional. Saying so makes Kysely's migrator run all pending migrations in one
 * transaction — BEGIN IMMEDIATE here — so two processes starting on a fresh database at once do not both
 * create the tables: the second waits for the first and then finds nothing left to do.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class CachingSqliteDialect implements Dialect {
  constructor(private readonly db: BetterSqlite3.Database) {}
  createAdapter() { return new TransactionalDdlSqliteAdapter(); }
  createDriver(): Driver { return new GroupCommitDriver(this.db); }
  createQueryCompiler() { return new SqliteQueryCompiler(); }
  createIntrospector(db: Kysely<unknown>) { return new SqliteIntrospector(db); }
}
