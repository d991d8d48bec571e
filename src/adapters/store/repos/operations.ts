/** The figures behind `/metrics`: grouped counts over the payment, checkout and outbox tables. */
import { sql } from 'kysely';
import type { Backlog, OperationsRepo } from '../../../ports/operations.js';
import type { Db, Row } from '../mapping.js';

const num = (v: unknown): number => Number(v ?? 0);
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One query after the other: a scrape holds one pooled connection at a time, never the whole pool. */
async function inOrder<T extends readonly (() => Promise<unknown>)[]>(queries: T): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const query of queries) results.push(await query());
  return results as { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

function byKey(rows: readonly Row[], key: string): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [String(r[key]), num(r['n'])]));
}

export function operationsRepo(db: Db): OperationsRepo {
  return {
    async snapshot() {
      const janitor = sql<number>`case when t.metadata like ${sql.lit('%"resolved_by":"janitor"%')} then 1 else 0 end`;
      const [transactions, sessions, deliveries, attempts, endpoints, circuits, jobs, events, pendingWebhooks, pendingJobs] = await inOrder([
        () => db.selectFrom('payment_transactions as t').leftJoin('gateways as g', 'g.id', 't.gateway_id')
          .select([sql<string>`coalesce(g.kind, 'none')`.as('gateway'), 't.kind', 't.status', 't.currency', 't.error_code', janitor.as('janitor'),
            sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(t.amount), 0)`.as('amount')])
          .groupBy([sql`coalesce(g.kind, 'none')`, 't.kind', 't.status', 't.currency', 't.error_code', janitor]).execute(),
        () => db.selectFrom('checkout_sessions').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute(),
        () => db.selectFrom('webhook_deliveries').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute(),
        () => db.selectFrom('webhook_attempts').select([sql<string>`case when status_code is null then 'error' when status_code < 300 then '2xx'
          when status_code < 400 then '3xx' when status_code < 500 then '4xx' else '5xx' end`.as('result'), sql<number>`count(*)`.as('n')])
          .groupBy(sql`1`).execute(),
        () => db.selectFrom('webhook_endpoints').select(sql<number>`count(*)`.as('n')).where('enabled', '=', 0).executeTakeFirst(),
        () => db.selectFrom('gateway_circuits').select(['state', sql<number>`count(*)`.as('n')]).groupBy('state').execute(),
        () => db.selectFrom('jobs').select(['kind', 'status', sql<number>`count(*)`.as('n')]).groupBy(['kind', 'status']).execute(),
        () => db.selectFrom('events').select([sql<number>`count(*)`.as('n'), sql<number>`min(created_at)`.as('oldest')]).where('dispatched', '=', 0).executeTakeFirst(),
        () => db.selectFrom('webhook_deliveries').select([sql<number>`count(*)`.as('n'), sql<number>`min(created_at)`.as('oldest'), sql<number>`min(next_attempt_at)`.as('due')])
          .where('status', '=', 'pending').executeTakeFirst(),
        () => db.selectFrom('jobs').select(['kind', sql<number>`count(*)`.as('n'), sql<number>`min(created_at)`.as('oldest'), sql<number>`min(next_attempt_at)`.as('due')])
          .where('status', '=', 'pending').groupBy('kind').execute(),
      ] as const);
      const backlog = (r: Row | undefined): Backlog => ({ count: num(r?.['n']), oldestAt: orNull(r?.['oldest']), earliestDueAt: orNull(r?.['due']) });
      return {
        transactions: transactions.map((r: Row) => ({
          gateway: String(r['gateway']), kind: String(r['kind']), status: String(r['status']), currency: String(r['currency']),
          errorCode: (r['error_code'] as string | null) ?? null, byJanitor: num(r['janitor']) === 1, count: num(r['n']), amount: num(r['amount']),
        })),
        checkoutSessions: byKey(sessions, 'status'),
        webhookDeliveries: byKey(deliveries, 'status'),
        webhookAttempts: byKey(attempts, 'result'),
        endpointsDisabled: num(endpoints?.['n']),
        circuits: byKey(circuits, 'state'),
        jobs: jobs.map((r: Row) => ({ kind: String(r['kind']), status: String(r['status']), count: num(r['n']) })),
        backlog: {
          events: { ...backlog(events), earliestDueAt: orNull(events?.['oldest']) },
          webhooks: backlog(pendingWebhooks),
          jobs: Object.fromEntries(pendingJobs.map((r: Row) => [String(r['kind']), backlog(r)])),
        },
      };
    },
  };
}
