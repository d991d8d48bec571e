/**
 * The work a flow leaves to the worker: events not yet fanned out, webhook deliveries due and not yet
 * made, and jobs due and not yet run (confirmation e-mails are jobs). A cell counts as finished only when
 * this is back to nothing — the figures are then sustained, not a burst the worker pays for later.
 * Jobs and deliveries scheduled for later (a session's expiry, a retry in an hour) are not backlog.
 */
import { sql } from 'kysely';
import type { BenchDb } from './data.js';

export interface Backlog {
  readonly events: number;
  readonly deliveries: number;
  readonly jobs: number;
}

export const isEmpty = (b: Backlog) => b.events + b.deliveries + b.jobs === 0;
export const describe = (b: Backlog) => `${b.events} events, ${b.deliveries} deliveries, ${b.jobs} jobs`;

export async function backlogOf(db: BenchDb): Promise<Backlog> {
  const now = Date.now();
  const { rows } = await sql<{ events: number | string; deliveries: number | string; jobs: number | string }>`select
      (select count(*) from events where dispatched = 0) as events,
      (select count(*) from webhook_deliveries where status = 'pending' and next_attempt_at <= ${now}) as deliveries,
      (select count(*) from jobs where status = 'pending' and next_attempt_at <= ${now}) as jobs`.execute(db.db);
  const r = rows[0]!;
  return { events: Number(r.events), deliveries: Number(r.deliveries), jobs: Number(r.jobs) };
}

/** Waits until the backlog is empty; returns whether it got there before the timeout. */
export async function drained(db: BenchDb, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (isEmpty(await backlogOf(db))) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
