/**
 * The timers of a payment order: when to expire it unpaid, when to void an uncaptured two-stage
 * authorization, when to complete it after clearing. A timer is a row of the jobs outbox, of a kind no job
 * handler claims; the scheduled tasks claim their own kind with a lease (SKIP LOCKED on PostgreSQL), so two
 * workers never hold the same timer, look at the order under its row lock, and either finish the timer or
 * re-arm it for a later time. Written in the transaction that creates the order.
 */
import { retryDelay } from '../../domain/retry.js';
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

export const TIMER = {
  expire: 'payment-order.expire',
  captureDeadline: 'payment-order.capture-deadline',
  clearing: 'payment-order.clearing',
} as const;
type TimerKind = (typeof TIMER)[keyof typeof TIMER];

export const DAY_MS = 24 * 3600_000;
/** How long a worker holds a claimed timer before another may take it over (a void may call a processor). */
const TIMER_LEASE_MS = 5 * 60_000;

/** Arms the order's timers; each is keyed by (kind, order), so arming twice arms once. Times in epoch ms. */
export async function armTimers(
  deps: Pick<Deps, 'ids'>, tx: Repos, order: Order, at: { expire: number; captureDeadline: number | null; clearing: number },
): Promise<void> {
  const arm = (kind: TimerKind, nextAttemptAt: number) => tx.jobs.enqueue({
    id: deps.ids.next('job'), kind, dedupeKey: `${kind}:${order.id}`, payload: { order_id: order.id }, nextAttemptAt,
  });
  await arm(TIMER.expire, at.expire);
  if (at.captureDeadline !== null) await arm(TIMER.captureDeadline, at.captureDeadline);
  await arm(TIMER.clearing, at.clearing);
}

/** What a timer's check decided: finished (and whether it changed the order), or look again at `at`. */
export type TimerOutcome =
  | { readonly done: true; readonly changed: boolean }
  | { readonly done: false; readonly at: number };

/**
 * Claims up to `limit` timers of `kind` due at `now` and runs `check` on each order, one after the other.
 * A check that throws is retried on the outbox's backoff schedule. Returns how many orders were changed.
 */
export async function runTimers(
  deps: Deps, kind: TimerKind, now: number, limit: number, check: (orderId: number) => Promise<TimerOutcome>,
): Promise<number> {
  const owner = deps.ids.next('timer');
  const jobs = await deps.store.tx((tx) => tx.jobs.claimDue(now, limit, { owner, until: now + TIMER_LEASE_MS }, [kind]));
  let changed = 0;
  for (const job of jobs) {
    try {
      const outcome = await check(job.payload['order_id'] as number);
      if (outcome.done && outcome.changed) changed++;
      await deps.store.jobs.finish(job.id, owner, outcome.done
        ? { status: 'done', attempts: job.attempts, nextAttemptAt: job.nextAttemptAt, lastError: null }
        : { status: 'pending', attempts: job.attempts, nextAttemptAt: outcome.at, lastError: null });
    } catch (error) {
      const attempts = job.attempts + 1;
      const delay = retryDelay(attempts, 0.5);
      await deps.store.jobs.finish(job.id, owner, {
        status: delay === null ? 'failed' : 'pending', attempts, nextAttemptAt: delay === null ? job.nextAttemptAt : now + delay,
        lastError: (error instanceof Error ? error.message : String(error)).slice(0, 500),
      });
    }
  }
  return changed;
}
