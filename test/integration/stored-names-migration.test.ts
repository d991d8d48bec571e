/**
 * Migration 008 renames the stored values that carried internal specification labels: a database written
 * by an earlier version (payment-order callback endpoints of format `seed004`, payment-order timers of the
 * kinds `seed004.*`) keeps working after the upgrade — its callbacks keep their body format and its timers
 * are still claimed by the worker's payment-order tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { productNames } from '../../src/adapters/store/migrations/008-product-names.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, openDatabase } from '../../src/adapters/store/kysely-store.js';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { SystemClock } from '../../src/adapters/system-clock.js';
import { TIMER } from '../../src/app/payment-orders/timers.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

describe.each(DIALECTS)('stored names of an earlier version (%s)', (dialect) => {
  let database: TestDatabase | undefined;
  let folder: string | undefined;
  afterEach(async () => {
    await database?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('renames seed-labelled endpoint formats and timer kinds once, and leaves everything else alone', async () => {
    folder = mkdtempSync(join(tmpdir(), 'paybridge-names-'));
    database = await testDatabase(dialect, join(folder, 'old.db'));
    const clock = new SystemClock();
    const store = createStore({ url: database.url, clock, ids: new RandomIds(clock) });
    const { db } = openDatabase(database.url, 1);
    try {
      await store.migrate();
      const endpoint = (id: string, format: string) => store.webhooks.insertEndpoint({
        id, shopId: null, url: 'https://merchant.example/hook', secret: 'whsec_c2VjcmV0', eventTypes: ['*'], description: null,
        enabled: true, disabledReason: null, consecutiveFailures: 0, orderId: null, format: format as 'native',
      });
      await endpoint('we_old', 'seed004');
      await endpoint('we_native', 'native');
      const now = Date.now();
      await store.jobs.enqueue({ id: 'job_1', kind: 'seed004.expire', dedupeKey: 'seed004.expire:7', payload: { order_id: 7 }, nextAttemptAt: now });
      await store.jobs.enqueue({ id: 'job_2', kind: 'seed004.capture-deadline', dedupeKey: 'seed004.capture-deadline:7', payload: { order_id: 7 }, nextAttemptAt: now });
      await store.jobs.enqueue({ id: 'job_3', kind: 'seed004.clearing', dedupeKey: 'seed004.clearing:7', payload: { order_id: 7 }, nextAttemptAt: now });
      await store.jobs.enqueue({ id: 'job_4', kind: 'email', dedupeKey: 'email:seed004.expire', payload: {}, nextAttemptAt: now });

      // As if written before migration 008: run it over these rows, twice (it must change them once).
      const migration = productNames(dialect);
      await migration.up(db as never);
      await migration.up(db as never);
      await store.migrate();

      const formats = await sql<{ id: string; format: string }>`SELECT id, format FROM webhook_endpoints ORDER BY id`.execute(db);
      expect(formats.rows).toEqual([{ id: 'we_native', format: 'native' }, { id: 'we_old', format: 'payment_order' }]);
      const jobs = await sql<{ id: string; kind: string; dedupe_key: string }>`SELECT id, kind, dedupe_key FROM jobs ORDER BY id`.execute(db);
      expect(jobs.rows).toEqual([
        { id: 'job_1', kind: TIMER.expire, dedupe_key: `${TIMER.expire}:7` },
        { id: 'job_2', kind: TIMER.captureDeadline, dedupe_key: `${TIMER.captureDeadline}:7` },
        { id: 'job_3', kind: TIMER.clearing, dedupe_key: `${TIMER.clearing}:7` },
        { id: 'job_4', kind: 'email', dedupe_key: 'email:seed004.expire' },
      ]);
      expect(Object.values(TIMER)).toEqual(['payment-order.expire', 'payment-order.capture-deadline', 'payment-order.clearing']);
    } finally {
      await db.destroy();
      await store.close();
    }
  });
});
