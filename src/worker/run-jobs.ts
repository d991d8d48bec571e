/**
 * Generic jobs from the outbox (e-mails now; fulfillment and callbacks register their own handlers).
 * A handler that throws is retried on the shared schedule; one that keeps failing ends `failed`.
 */
import type { Deps } from '../app/deps.js';
import { retryDelay } from '../domain/retry.js';
import type { Job } from '../ports/records.js';

export type JobHandler = (job: Job) => Promise<void>;

export interface JobOptions {
  readonly owner: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly random: () => number;
}

export async function runDueJobs(deps: Deps, handlers: ReadonlyMap<string, JobHandler>, opts: JobOptions): Promise<number> {
  const now = deps.clock.now();
  const jobs = await deps.store.tx((tx) => tx.jobs.claimDue(now, opts.batchSize, { owner: opts.owner, until: now + opts.leaseMs }, [...handlers.keys()]));
  await Promise.all(jobs.map(async (job) => {
    const attempts = job.attempts + 1;
    try {
      await handlers.get(job.kind)!(job);
      await deps.store.jobs.finish(job.id, opts.owner, { status: 'done', attempts, nextAttemptAt: job.nextAttemptAt, lastError: null });
    } catch (error) {
      const delay = retryDelay(attempts, opts.random());
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      await deps.store.jobs.finish(job.id, opts.owner, {
        status: delay === null ? 'failed' : 'pending', attempts, nextAttemptAt: delay === null ? job.nextAttemptAt : deps.clock.now() + delay, lastError: message,
      });
    }
  }));
  return jobs.length;
}
