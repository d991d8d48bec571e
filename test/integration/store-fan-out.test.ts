/**
 * The outbox's fan-out works on batches: one query finds the endpoints of every event of a batch. Each
 * event must still reach exactly the endpoints that want it (shop, event type, order binding, enabled),
 * and the queries compiled once must bind each call's own values.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit, type EventType } from '../../src/app/events.js';
import { openDatabase } from '../../src/adapters/store/kysely-store.js';
import { cachedRows, slot } from '../../src/adapters/store/mapping.js';
import type { WebhookEndpoint } from '../../src/ports/events.js';
import { fanOut } from '../../src/worker/deliver-webhooks.js';
import { ADMIN_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('outbox fan-out and cached queries (%s)', (dialect) => {
  let t: TestApp;

  // A file, so that the cached-query test can open a second connection to the same SQLite database.
  beforeAll(async () => { t = await testApp(dialect, { sqliteFile: join(mkdtempSync(join(tmpdir(), 'pb-fanout-')), 'fanout.db') }); });
  afterAll(async () => { await t.close(); });

  async function endpoint(id: string, fields: Partial<WebhookEndpoint>): Promise<string> {
    await t.deps.store.webhooks.insertEndpoint({
      id, shopId: null, url: `http://127.0.0.1:9/${id}`, secret: `whsec_${id}`, eventTypes: ['*'], description: null,
      enabled: true, disabledReason: null, consecutiveFailures: 0, orderId: null, ...fields,
    });
    return id;
  }

  it('gives every event of a batch exactly the endpoints that want it', async () => {
    const other = 'shop_fanout_other';
    await t.deps.store.shops.insert({
      id: other, name: 'Other', currency: 'USD', remoteCheckoutUrl: null, successUrl: null, cancelUrl: null,
      autoCapture: true, clearingDays: 1, webhookSecret: 'whsec_other',
    });
    const [mine, theirs] = [t.shopId, other];
    const orderA = (await t.request({ method: 'POST', url: '/api/v1/orders', auth: ADMIN_KEY, payload: { shop_id: mine, lines: [{ product_id: 1 }] } })).json().id as number;
    await fanOut(t.deps, 1000); // the order's own events are not part of this test
    const ids = {
      ordersOfMine: await endpoint('we_orders_mine', { shopId: mine, eventTypes: ['order.*'] }),
      allOfTheirs: await endpoint('we_all_theirs', { shopId: theirs }),
      capturesEverywhere: await endpoint('we_captures', { eventTypes: ['payment.captured'] }),
      boundToOrderA: await endpoint('we_order_a', { shopId: mine, orderId: orderA }),
      disabled: await endpoint('we_disabled', { enabled: false }),
    };
    const sent: [string, EventType, string | null, number | null][] = [
      ['e1', 'order.created', mine, orderA],
      ['e2', 'payment.captured', mine, orderA],
      ['e3', 'order.created', theirs, null],
      ['e4', 'payment.captured', theirs, null],
      ['e5', 'invoice.created', mine, null],
    ];
    const events = await t.deps.store.tx(async (tx) => {
      const out: Record<string, string> = {};
      for (const [name, type, shopId, orderId] of sent) out[name] = (await emit(t.deps, tx, { type, shopId, orderId, data: { name } })).id;
      return out;
    });
    expect(await fanOut(t.deps, 1000)).toBe(5);
    const deliveries = await t.deps.store.webhooks.listDeliveries({}, { limit: 100 });
    const got = new Set(deliveries.items.map((d) => `${d.endpointId} ${d.eventId}`));
    const want = new Set([
      `${ids.ordersOfMine} ${events['e1']}`, `${ids.boundToOrderA} ${events['e1']}`,
      `${ids.capturesEverywhere} ${events['e2']}`, `${ids.boundToOrderA} ${events['e2']}`,
      `${ids.allOfTheirs} ${events['e3']}`,
      `${ids.allOfTheirs} ${events['e4']}`, `${ids.capturesEverywhere} ${events['e4']}`,
    ]);
    expect(got).toEqual(want);
  });

  it('compiles a cached query once per database, and binds each call\'s values', async () => {
    let builds = 0;
    const raw = openDatabase(t.databaseUrl);
    const names = async (db: typeof raw.db, like: string) => (await cachedRows(db, 'test.settingsLike', [like], () => {
      builds++;
      return db.selectFrom('settings').select('name').where('name', 'like', slot(0)).orderBy('name');
    })).map((r) => r['name']);
    await t.deps.store.settings.putIfAbsent('cached-a1', 'x');
    await t.deps.store.settings.putIfAbsent('cached-b1', 'x');
    expect(await names(raw.db, 'cached-a%')).toEqual(['cached-a1']);
    expect(await names(raw.db, 'cached-b%')).toEqual(['cached-b1']);
    expect(await raw.db.transaction().execute((trx) => names(trx, 'cached-%'))).toEqual(['cached-a1', 'cached-b1']);
    expect(builds).toBe(1);
    await raw.db.destroy();
  });
});
