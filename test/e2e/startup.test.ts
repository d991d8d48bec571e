/** Several processes starting at once on a fresh database migrate it once and all come up. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, type Proc } from '../helpers/processes.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

describe.each(DIALECTS)('concurrent first start (%s)', (dialect) => {
  const procs: Proc[] = [];
  let db: TestDatabase | undefined;
  afterEach(async () => { await Promise.all(procs.splice(0).map((p) => p.kill())); await db?.drop(); });

  it('four processes migrating and creating demo data in a fresh database at the same moment all succeed, creating it once', async () => {
    db = await testDatabase(dialect, join(mkdtempSync(join(tmpdir(), 'pb-start-')), 'start.db'));
    const env = { DATABASE_URL: db.url, PAYBRIDGE_ADMIN_KEY: 'pb_admin_startup_test_key_1234' };
    procs.push(...['migrate', 'demo-data', 'demo-data', 'migrate'].map((command) => startCli([command], env)));
    const codes = await Promise.all(procs.map((p) => new Promise<number | null>((resolve) => {
      if (p.child.exitCode !== null) resolve(p.child.exitCode);
      else p.child.once('exit', (code) => resolve(code));
    })));
    expect(codes, procs.map((p) => p.output()).join('\n---\n')).toEqual([0, 0, 0, 0]);
    const created = procs.map((p) => p.output()).filter((o) => o.includes('demo data created'));
    expect(created).toHaveLength(1);
  }, 60_000);
});
