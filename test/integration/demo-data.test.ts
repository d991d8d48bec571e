/**
 * Demo data must not open a door: its integration key is random per database, shown once at the start that
 * created it, and the key earlier versions published is refused everywhere.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '../../src/adapters/store/kysely-store.js';
import { ensureApiKey } from '../../src/app/api-keys.js';
import { authenticate } from '../../src/app/authenticate.js';
import { LEGACY_DEMO_KEY } from '../../src/app/demo-data.js';
import { loadConfig } from '../../src/config.js';
import { openRuntime, type Runtime } from '../../src/main.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

describe.each(DIALECTS)('demo data (%s)', (dialect) => {
  const opened: Runtime[] = [];
  const dbs: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.deps.store.close()));
    await Promise.all(dbs.splice(0).map((d) => d.drop()));
  });

  const freshDatabase = async () => {
    const db = await testDatabase(dialect, join(mkdtempSync(join(tmpdir(), 'pb-demo-')), 'demo.db'));
    dbs.push(db);
    return db.url;
  };
  const start = async (url: string) => {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: url, PAYBRIDGE_ADMIN_KEY: 'pb_admin_demo_test_key_0123456789' }));
    opened.push(runtime);
    return runtime;
  };
  const role = async (runtime: Runtime, key: string) => (await authenticate(runtime.deps, `Bearer ${key}`))?.role ?? null;

  it('each database gets its own random integration key, shown only by the start that made it', async () => {
    const [a, b] = [await start(await freshDatabase()), await start(await freshDatabase())];
    const keyA = a.demo!.integrationKey!;
    const keyB = b.demo!.integrationKey!;
    expect(keyA).toMatch(/^pb_demo_[A-Za-z0-9_-]{32}$/);
    expect(keyB).not.toBe(keyA);
    expect(await role(a, keyA)).toBe('integration');
    expect(await role(a, keyB)).toBeNull();
    expect(await role(a, LEGACY_DEMO_KEY)).toBeNull();
  });

  it('a later start shows no key, and the first one keeps working', async () => {
    const url = await freshDatabase();
    const first = await start(url);
    const key = first.demo!.integrationKey!;
    await first.deps.store.close();
    opened.splice(opened.indexOf(first), 1);
    const again = await start(url);
    expect(again.demo).toMatchObject({ created: false, integrationKey: null });
    expect(await role(again, key)).toBe('integration');
  });

  it('a database whose demo data has the once-published demo key has it revoked at the next start, and gets a random one', async () => {
    const url = await freshDatabase();
    const old = await start(url);
    // What an older version left: the published key, and no random one.
    await ensureApiKey(old.deps, LEGACY_DEMO_KEY, 'Demo integration key', 'integration');
    await old.deps.store.apiKeys.revoke((await old.deps.store.apiKeys.getByHash(old.deps.hasher.hashToken(old.demo!.integrationKey!)))!.id, 0);
    const raw = openDatabase(url);
    await sql`delete from settings where name = 'demo_integration_key_id'`.execute(raw.db);
    await raw.db.destroy();
    expect(await role(old, LEGACY_DEMO_KEY)).toBe('integration');
    await old.deps.store.close();
    opened.splice(opened.indexOf(old), 1);
    const upgraded = await start(url);
    expect(await role(upgraded, LEGACY_DEMO_KEY)).toBeNull();
    expect(upgraded.demo).toMatchObject({ created: false, integrationKey: expect.stringMatching(/^pb_demo_/) });
    expect(await role(upgraded, upgraded.demo!.integrationKey!)).toBe('integration');
  });

  it('PAYBRIDGE_DEMO=0 creates no demo data and no key', async () => {
    const runtime = await openRuntime(loadConfig({ DATABASE_URL: await freshDatabase(), PAYBRIDGE_DEMO: '0', PAYBRIDGE_ADMIN_KEY: 'pb_admin_demo_test_key_0123456789' }));
    opened.push(runtime);
    expect(runtime.demo).toBeNull();
    expect((await runtime.deps.store.apiKeys.list({ limit: 10 })).items.map((k) => k.role)).toEqual(['admin']);
  });
});
