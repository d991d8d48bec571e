/**
 * Generic jobs from the outbox (e-mails now; fulfillment and callbacks register their own handlers).
 * A handler that throws is retried on the shared schedule; one that keeps failing ends `failed`.
 */
import type { Deps } from '../app/deps.js';
import { retryDelay } from '../domain/retry.js';
import type { Job } from '../ports/events.js';

export type JobHandler = (job: Job) => Promise<void>;

interface JobOptions {
  readonly owner: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly random: () => number;
}

export async function runDueJobs(deps: Deps, handlers: ReadonlyMap<string, JobHandler>, opts: JobOptions): Promise<number> {
  const now = deps.clock.now();
  const jobs = await deps.store.tx((tx) => tx.jobs.claimDue(now, opts.batchSize, { owner: opts.owner, until: now + opts.leaseMs }, [...handlers.keys()]));
  const outcomes = await Promise.all(jobs.map(async (job) => {
    const attempts = job.attempts + 1;
    try {
      await handlers.get(job.kind)!(job);
      return { job, patch: { status: 'done', attempts, nextAttemptAt: job.nextAttemptAt, lastError: null } as const };
    } catch (error) {
      const delay = retryDelay(attempts, opts.random());
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      return {
        job, patch: { status: delay === null ? 'failed' : 'pending', attempts, nextAttemptAt: delay === null ? job.nextAttemptAt : deps.clock.now() + delay, lastError: message } as const,
      };
    }
  }));
  // The batch's outcomes in one transaction (a job whose lease ran out meanwhile is left to its new owner).
  await deps.store.tx(async (tx) => {
    for (const { job, patch } of outcomes) await tx.jobs.finish(job.id, opts.owner, patch);
  });
  return jobs.length;
}
