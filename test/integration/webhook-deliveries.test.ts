/**
 * GET /api/v1/webhook-deliveries lists newest first and filters by status, endpoint and event type (each
 * alone and combined), with cursor pagination that walks the filtered list without gaps or repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit, type EventType } from '../../src/app/events.js';
import type { HttpClient } from '../../src/ports/http-client.js';
import { Worker } from '../../src/worker/worker.js';
import { INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

/** Answers each endpoint with the status its URL names: /200 delivered, /400 failed for good, /500 retried later. */
const scripted: HttpClient = {
  post: async ({ url }) => ({ status: Number(url.slice(url.lastIndexOf('/') + 1)), headers: {}, body: '' }),
};

interface Delivery { id: string; endpoint_id: string; event_id: string; status: string }

describe.each(DIALECTS)('webhook delivery list (%s)', (dialect) => {
  let t: TestApp;
  const endpoints: Record<'ok' | 'broken' | 'flaky', string> = { ok: '', broken: '', flaky: '' };
  /** Event ids in the order they were emitted, with their types. */
  const events: { id: string; type: EventType }[] = [];

  beforeAll(async () => {
    t = await testApp(dialect);
    const deps = t.deps;
    for (const [name, status] of [['ok', 200], ['broken', 400], ['flaky', 500]] as const) {
      endpoints[name] = (await deps.store.webhooks.insertEndpoint({
        id: deps.ids.next('we'), shopId: null, url: `https://hooks.example.com/${name}/${status}`, secret: deps.signer.newSecret(),
        eventTypes: ['*'], description: null, enabled: true, disabledReason: null, consecutiveFailures: 0,
      })).id;
    }
    const types: EventType[] = ['order.created', 'payment.captured', 'order.created', 'payment.refunded', 'payment.captured', 'order.created', 'payment.captured'];
    for (const type of types) {
      const event = await deps.store.tx((tx) => emit(deps, tx, { type, shopId: null, data: {} }));
      events.push({ id: event.id, type });
      t.clock.advance(1_000); // each event's deliveries are created a second after the previous one's
      await new Worker(deps, { http: scripted, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5, endpointFailureLimit: 1_000 }).runOnce();
    }
  });
  afterAll(async () => { await t?.close(); });

  const list = async (query: string): Promise<{ data: Delivery[]; has_more: boolean; next_cursor: string | null }> => {
    const res = await t.request({ method: 'GET', url: `/api/v1/webhook-deliveries?${query}`, auth: INTEGRATION_KEY });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  /** Every page of a query, following next_cursor. */
  const all = async (query: string, limit: number): Promise<Delivery[]> => {
    const out: Delivery[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`${query}&limit=${limit}${cursor ? `&starting_after=${cursor}` : ''}`);
      out.push(...page.data);
      cursor = page.next_cursor;
      expect(page.has_more).toBe(cursor !== null);
    } while (cursor);
    return out;
  };

  const newestFirst = (ids: string[]) => [...ids].reverse();

  it('lists newest first', async () => {
    const page = await list(`endpoint_id=${endpoints.ok}`);
    expect(page.data.map((d) => d.event_id)).toEqual(newestFirst(events.map((e) => e.id)));
  });

  it.each([
    ['delivered', 'ok'], ['failed', 'broken'], ['pending', 'flaky'],
  ] as const)('filters by status=%s', async (status, endpoint) => {
    const found = await all(`status=${status}`, 100);
    expect(found.length).toBeGreaterThanOrEqual(events.length);
    expect(new Set(found.map((d) => d.status))).toEqual(new Set([status]));
    expect(found.filter((d) => d.endpoint_id === endpoints[endpoint]).map((d) => d.event_id)).toEqual(newestFirst(events.map((e) => e.id)));
  });

  it('filters by event type, and by event type, endpoint and status together', async () => {
    const captured = events.filter((e) => e.type === 'payment.captured').map((e) => e.id);
    const byType = await all('event_type=payment.captured', 100);
    expect(byType.filter((d) => Object.values(endpoints).includes(d.endpoint_id))).toHaveLength(captured.length * 3);
    for (const d of byType) expect(events.find((e) => e.id === d.event_id)?.type ?? 'payment.captured').toBe('payment.captured');

    const combined = await all(`event_type=payment.captured&endpoint_id=${endpoints.broken}&status=failed`, 100);
    expect(combined.map((d) => d.event_id)).toEqual(newestFirst(captured));
    expect(await all(`event_type=payment.captured&endpoint_id=${endpoints.broken}&status=delivered`, 100)).toEqual([]);
  });

  it('pages through a filtered list with the cursor, one or two at a time, without gaps or repeats', async () => {
    const whole = (await list(`endpoint_id=${endpoints.flaky}&limit=100`)).data.map((d) => d.id);
    expect(whole).toHaveLength(events.length);
    for (const limit of [1, 2, 3]) expect((await all(`endpoint_id=${endpoints.flaky}`, limit)).map((d) => d.id)).toEqual(whole);
    const created = events.filter((e) => e.type === 'order.created').map((e) => e.id);
    expect((await all(`event_type=order.created&status=pending`, 1)).filter((d) => d.endpoint_id === endpoints.flaky).map((d) => d.event_id))
      .toEqual(newestFirst(created));
  });

  it('refuses an unknown status with a 422 naming the field', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/webhook-deliveries?status=lost', auth: INTEGRATION_KEY });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toContainEqual({ field: expect.stringContaining('status'), message: expect.any(String) });
  });
});
