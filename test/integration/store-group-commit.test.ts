/**
 * SQLite group commit: concurrent transactions share one commit, yet each is all-or-nothing on its own and
 * is on disk before its caller hears it committed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/adapters/system-clock.js';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { createStore } from '../../src/adapters/store/kysely-store.js';

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

  it('a write outside any transaction never waits in an uncommitted group', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pb-group-')), 'autocommit.db');
    const clock = new FakeClock();
    const store = createStore({ url: `sqlite:${file}`, clock, ids: new RandomIds(clock) });
    await store.migrate();
    await Promise.all([
      store.tx(async (tx) => { await tx.settings.putIfAbsent('in-tx', '1'); }),
      store.settings.putIfAbsent('outside', '1'),
    ]);
    const other = new Database(file, { readonly: true });
    expect(other.prepare("select count(*) as n from settings where name in ('in-tx', 'outside')").get()).toEqual({ n: 2 });
    other.close();
    await store.close();
  });
});
