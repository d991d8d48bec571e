/**
 * SQLite group commit: concurrent transactions share one commit, yet each is all-or-nothing on its own and
 * is on disk before its caller hears it committed. And the WAL is checkpointed off the server's thread.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/system-clock.js';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { createStore } from '../../src/adapters/store/kysely-store.js';
import { CachingSqliteDialect } from '../../src/adapters/store/sqlite-dialect.js';

describe('SQLite group commit', () => {
  it('commits concurrent transactions independently: a failing one rolls back alone, the others are durable', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-group-')), 'group.db');
    const clock = new FakeClock();
    const store = createStore({ url: `sqlite:${file}`, clock, ids: new RandomIds(clock) });
    await store.migrate();
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => store.tx(async (tx) => {
      await tx.settings.putIfAbsent(`key-${i}`, `value-${i}`);
      await new Promise((r) => setImmediate(r)); // let other transactions queue up behind this one
      if (i % 3 === 0) throw new Error(`transaction ${i} fails`);
      await tx.settings.putIfAbsent(`second-${i}`, 'ok');
    })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(26);
    // Read through a separate connection: only what was committed is there.
    const other = new Database(file, { readonly: true });
    const keys = (other.prepare("select name from settings where name like 'key-%' or name like 'second-%'").all() as { name: string }[]).map((r) => r.name);
    for (let i = 0; i < 40; i++) {
      expect(keys.includes(`key-${i}`), `key-${i}`).toBe(i % 3 !== 0);
      expect(keys.includes(`second-${i}`), `second-${i}`).toBe(i % 3 !== 0);
    }
    other.close();
    await store.close();
  });

  it('a write outside any transaction joins the group: answered only once on disk, and a failing one spoils nothing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-group-')), 'autocommit.db');
    const clock = new FakeClock();
    const store = createStore({ url: `sqlite:${file}`, clock, ids: new RandomIds(clock) });
    await store.migrate();
    const key = { id: 'key_dup', name: 'k', role: 'admin' as const, prefix: 'pb_', hash: 'h1', createdAt: 0, revokedAt: null };
    await store.apiKeys.insert(key);
    const other = new Database(file, { readonly: true });
    const onDisk = (name: string) => other.prepare('select value from settings where name = ?').get(name) as { value: string } | undefined;
    const seenWhenAnswered: Record<string, string | undefined> = {};
    const answered = (name: string) => () => { seenWhenAnswered[name] = onDisk(name)?.value; };
    const results = await Promise.allSettled([
      store.tx(async (tx) => {
        await tx.settings.putIfAbsent('in-tx', '1');
        await new Promise((r) => setImmediate(r));
      }).then(answered('in-tx')),
      store.settings.putIfAbsent('outside', '1').then(answered('outside')),
      store.apiKeys.insert({ ...key, hash: 'h2' }), // the same id again: SQLite undoes this statement alone
      store.tx(async (tx) => { await tx.settings.putIfAbsent('also-in-tx', '1'); }).then(answered('also-in-tx')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // Each caller heard "done" only when another connection could already read its row.
    expect(seenWhenAnswered).toEqual({ 'in-tx': '1', outside: '1', 'also-in-tx': '1' });
    expect(other.prepare('select hash from api_keys where id = ?').all('key_dup')).toEqual([{ hash: 'h1' }]);
    other.close();
    await store.close();
  });
});

describe('SQLite WAL checkpoints', () => {
  it('are made by a thread of their own, not inside a COMMIT on the server\'s thread', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-wal-')), 'wal.db');
    const clock = new FakeClock();
    const store = createStore({ url: `sqlite:${file}`, clock, ids: new RandomIds(clock) });
    await store.migrate();
    const before = statSync(file).size;
    // Fewer WAL pages than even SQLite's default threshold (1,000) for checkpointing inside a COMMIT, so
    // only the checkpointing thread can have copied these rows into the database file.
    for (let i = 0; i < 150; i++) await store.settings.putIfAbsent(`wal-${i}`, 'x'.repeat(3000));
    const deadline = Date.now() + 5_000;
    while (statSync(file).size < before + 400_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBeGreaterThan(before + 400_000);
    await store.close();
  });
});

describe('SQLite connection lock', () => {
  it('a user releasing its lease twice (at COMMIT, then at release) never frees the next user\'s lock', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-lease-')), 'lease.db');
    const driver = new CachingSqliteDialect(new Database(file)).createDriver();
    await driver.init();
    const a = await driver.acquireConnection();
    await driver.beginTransaction(a, {});
    const nextB = driver.acquireConnection();
    const committedA = driver.commitTransaction(a); // hands the lock on at once, answers after the group's COMMIT
    const b = await nextB;
    let cGotIn = false;
    const nextC = driver.acquireConnection().then((c) => { cGotIn = true; return c; });
    await driver.releaseConnection(a); // Kysely releases A after its COMMIT: this must not release B's lock
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(cGotIn).toBe(false);
    await driver.releaseConnection(b);
    await driver.releaseConnection(await nextC);
    await committedA; // the group commits once nobody holds the lock
    await driver.destroy();
  });
});
