/** Events, webhook endpoints and deliveries, and jobs: the outbox the worker drains. */
import { sql } from 'kysely';
import type {
  DomainEvent, EventRepo, Job, JobRepo, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookRepo,
} from '../../../ports/events.js';
import { cachedRows, changed, crud, fromRow, insertRow, insertRows, pageBy, slot, toRow, updateWhere, type Columns, type Db, type Row, type NewRow } from '../mapping.js';

type Dialect = 'sqlite' | 'postgres';

const EVENT: Columns<DomainEvent> = {
  id: ['id'], type: ['type'], shopId: ['shop_id'], orderId: ['order_id'], sequence: ['sequence'],
  data: ['data', 'json'], createdAt: ['created_at'],
};

/** Row-locking select for work queues: SKIP LOCKED on PostgreSQL; SQLite already holds the write lock. */
function locked(q: any, dialect: Dialect) {
  return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
}

export function eventRepo(db: Db, now: () => number, dialect: Dialect): EventRepo {
  const map = (row: Row) => fromRow(EVENT, row);
  return {
    async appendAll(events) {
      if (events.length === 0) return [];
      // Each order's sequence numbers are taken with one atomic increment by its number of events.
      const perOrder = new Map<number, number>();
      for (const e of events) if (e.orderId !== null) perOrder.set(e.orderId, (perOrder.get(e.orderId) ?? 0) + 1);
      const next = new Map<number, number>();
      for (const [orderId, count] of perOrder) {
        const [row] = await cachedRows(db, 'orders.takeEventSequence', [count, orderId],
          () => db.updateTable('orders').set({ event_seq: sql`event_seq + ${slot(0)}` }).where('id', '=', slot(1)).returning('event_seq'));
        if (!row) throw new Error(`order ${orderId} does not exist`);
        next.set(orderId, Number(row['event_seq']) - count + 1);
      }
      const createdAt = now();
      const records = events.map((event): DomainEvent => {
        if (event.orderId === null) return { ...event, sequence: null, createdAt };
        const sequence = next.get(event.orderId)!;
        next.set(event.orderId, sequence + 1);
        return { ...event, sequence, createdAt };
      });
      await insertRows(db, 'events', records.map((r) => ({ ...toRow(EVENT, r), dispatched: 0 })));
      return records;
    },
    async get(id) {
      const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? map(row) : undefined;
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('events').selectAll().where('id', 'in', [...ids]).execute();
      return rows.map(map);
    },
    async claimUndispatched(limit) {
      const q = db.selectFrom('events').selectAll().where('dispatched', '=', 0).orderBy('id').limit(limit);
      return (await locked(q, dialect).execute()).map(map);
    },
    async markDispatched(ids) {
      if (ids.length > 0) await db.updateTable('events').set({ dispatched: 1 }).where('id', 'in', [...ids]).execute();
    },
    list(filter, page) {
      let q = db.selectFrom('events').selectAll();
      if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
      if (filter.type !== undefined) q = q.where('type', '=', filter.type);
      return pageBy(q, page, map);
    },
    async countUndelivered() {
      const a = await db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('dispatched', '=', 0).executeTakeFirstOrThrow();
      const b = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
      return Number(a.n) + Number(b.n);
    },
  };
}

const ENDPOINT: Columns<WebhookEndpoint> = {
  id: ['id'], shopId: ['shop_id'], url: ['url'], secret: ['secret'], eventTypes: ['event_types', 'json'],
  description: ['description'], enabled: ['enabled', 'bool'], disabledReason: ['disabled_reason'],
  consecutiveFailures: ['consecutive_failures'], orderId: ['order_id'], format: ['format'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};
const DELIVERY: Columns<WebhookDelivery> = {
  id: ['id'], endpointId: ['endpoint_id'], eventId: ['event_id'], status: ['status'], attempts: ['attempts'],
  nextAttemptAt: ['next_attempt_at'], lastStatusCode: ['last_status_code'], lastError: ['last_error'],
  deliveredAt: ['delivered_at'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};
const ATTEMPT: Columns<WebhookAttempt> = {
  id: ['id'], deliveryId: ['delivery_id'], attempt: ['attempt'], statusCode: ['status_code'], latencyMs: ['latency_ms'],
  error: ['error'], createdAt: ['created_at'],
};

export function webhookRepo(db: Db, now: () => number, dialect: Dialect): WebhookRepo {
  const endpoints = crud(db, 'webhook_endpoints', ENDPOINT);
  const deliveries = crud(db, 'webhook_deliveries', DELIVERY);
  return {
    insertEndpoint: (e) => endpoints.insert({ ...e, createdAt: now(), updatedAt: now() }),
    updateEndpoint: (id, patch) => endpoints.update(id, { ...patch, updatedAt: now() }),
    getEndpoint: (id) => endpoints.get(id),
    async deleteEndpoint(id) {
      const found = await endpoints.get(id);
      if (!found) return false;
      const ids = db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id);
      await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      return true;
    },
    listEndpoints: (page) => pageBy(db.selectFrom('webhook_endpoints').selectAll().where('order_id', 'is', null), page, endpoints.map),
    async matchingEndpoints(events) {
      if (events.length === 0) return [];
      const shops = [...new Set(events.map((e) => e.shopId).filter((s): s is string => s !== null))];
      const orders = [...new Set(events.map((e) => e.orderId).filter((o): o is number => o !== null))];
      let q = db.selectFrom('webhook_endpoints').selectAll().where('enabled', '=', 1);
      q = q.where((eb) => eb.or([eb('shop_id', 'is', null), ...(shops.length > 0 ? [eb('shop_id', 'in', shops)] : [])]));
      q = q.where((eb) => eb.or([eb('order_id', 'is', null), ...(orders.length > 0 ? [eb('order_id', 'in', orders)] : [])]));
      const candidates = (await q.execute()).map(endpoints.map);
      return events.map((event) => candidates.filter((e) => (e.shopId === null || e.shopId === event.shopId)
        && ((e.orderId ?? null) === null || e.orderId === event.orderId)
        && (e.eventTypes.includes('*') || e.eventTypes.includes(event.type)
          || e.eventTypes.some((t) => t.endsWith('.*') && event.type.startsWith(t.slice(0, -1))))));
    },
    async createDeliveries(list) {
      for (let at = 0; at < list.length; at += 500) { // well within both databases' limits on bound values
        await db.insertInto('webhook_deliveries').values(list.slice(at, at + 500).map((d) => toRow(DELIVERY, {
          ...d, status: 'pending', attempts: 0, lastStatusCode: null, lastError: null, deliveredAt: null,
          createdAt: now(), updatedAt: now(),
        }) as NewRow<'webhook_deliveries'>)).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).execute();
      }
    },
    async claimDue(at, limit, lease) {
      const q = db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending')
        .where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .orderBy('next_attempt_at').orderBy('id').limit(limit);
      const ids = (await locked(q, dialect).execute()).map((r: Row) => r['id'] as string);
      if (ids.length === 0) return [];
      const rows = await db.updateTable('webhook_deliveries').set({ lease_owner: lease.owner, lease_until: lease.until })
        .where('id', 'in', ids).returningAll().execute();
      return rows.map(deliveries.map);
    },
    async finishAttempt(id, owner, patch) {
      const r = await db.updateTable('webhook_deliveries')
        .set({ ...toRow(DELIVERY, { ...patch, updatedAt: now() }), lease_owner: null, lease_until: null })
        .where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async recordAttempts(attempts) {
      await insertRows(db, 'webhook_attempts', attempts.map((a) => toRow(ATTEMPT, a)));
    },
    getDelivery: (id) => deliveries.get(id),
    listDeliveries(filter, page) {
      let q = db.selectFrom('webhook_deliveries as d').selectAll('d');
      if (filter.endpointId !== undefined) q = q.where('d.endpoint_id', '=', filter.endpointId);
      if (filter.eventId !== undefined) q = q.where('d.event_id', '=', filter.eventId);
      if (filter.status !== undefined) q = q.where('d.status', '=', filter.status);
      // Newest first: each page walks the primary key down and looks up each delivery's event by its key.
      if (filter.eventType !== undefined) q = q.innerJoin('events as e', 'e.id', 'd.event_id').where('e.type', '=', filter.eventType);
      return pageBy(q, page, deliveries.map, 'd.id', 'desc');
    },
    async attempts(deliveryId) {
      const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
      return rows.map((r: Row) => fromRow(ATTEMPT, r));
    },
    async requeue(id, at) {
      const r = await db.updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: at, lease_owner: null, lease_until: null, updated_at: now() })
        .where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async endpointFailed(id, failures) {
      const row = await db.updateTable('webhook_endpoints').set({ consecutive_failures: sql`consecutive_failures + ${failures}` })
        .where('id', '=', id).returning('consecutive_failures').executeTakeFirst();
      return Number(row?.consecutive_failures ?? 0);
    },
    async endpointSucceeded(id) {
      await db.updateTable('webhook_endpoints').set({ consecutive_failures: 0 }).where('id', '=', id)
        .where('consecutive_failures', '>', 0).execute();
    },
  };
}

const JOB: Columns<Job> = {
  id: ['id'], kind: ['kind'], dedupeKey: ['dedupe_key'], payload: ['payload', 'json'], status: ['status'],
  attempts: ['attempts'], nextAttemptAt: ['next_attempt_at'], lastError: ['last_error'],
  createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function jobRepo(db: Db, now: () => number, dialect: Dialect): JobRepo {
  const base = crud(db, 'jobs', JOB);
  return {
    async enqueue(job) {
      const row = toRow(JOB, {
        ...job, dedupeKey: job.dedupeKey ?? null, status: 'pending', attempts: 0, lastError: null, createdAt: now(), updatedAt: now(),
      });
      return changed(await insertRow(db, 'jobs', row, { ignoreConflictOn: ['dedupe_key'] })) > 0;
    },
    async claimDue(at, limit, lease, kinds) {
      let q = db.selectFrom('jobs').select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
        .orderBy('next_attempt_at').limit(limit);
      if (kinds) q = q.where('kind', 'in', [...kinds]);
      const ids = (await locked(q, dialect).execute()).map((r: Row) => r['id'] as string);
      if (ids.length === 0) return [];
      const rows = await db.updateTable('jobs').set({ lease_owner: lease.owner, lease_until: lease.until })
        .where('id', 'in', ids).returningAll().execute();
      return rows.map(base.map);
    },
    async finish(id, owner, patch) {
      const values = { ...toRow(JOB, { ...patch, updatedAt: now() }), lease_owner: null, lease_until: null };
      return changed(await updateWhere(db, 'jobs', values, { id, lease_owner: owner })) > 0;
    },
    get: (id) => base.get(id),
    list: (filter, page) => base.list({ kind: filter.kind, status: filter.status }, page),
  };
}
