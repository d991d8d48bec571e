/**
 * The worker: drains the outbox (event fan-out, webhook deliveries, jobs) and runs scheduled tasks.
 * `serve` runs one in-process; `paybridge worker` runs one alone. Several workers share the work through
 * leases taken with SKIP LOCKED (PostgreSQL), so each item is worked on by one worker at a time; an item
 * whose worker died is taken over when its lease expires. Delivery is at least once.
 */
import type { Deps } from '../app/deps.js';
import { serverId, withServerId } from '../app/emails/message-id.js';
import { RELEASE_JOB } from '../app/orders/release-holds.js';
import { releaseCancelledOrder } from '../app/payments/release-cancelled.js';
import { AUTO_CAPTURE_JOB, autoCapture } from '../app/payments/transactions.js';
import type { HttpClient } from '../ports/http-client.js';
import type { Mailer } from '../ports/mailer.js';
import { deliverDue, fanOut } from './deliver-webhooks.js';
import { runDueJobs, type JobHandler } from './run-jobs.js';
import { scheduledTasks, type ScheduledTask } from './schedule.js';

interface WorkerOptions {
  readonly id: string;
  readonly batchSize?: number;
  readonly leaseMs?: number;
  readonly webhookTimeoutMs?: number;
  readonly endpointFailureLimit?: number;
  readonly random?: () => number;
}

export class Worker {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly tasks: ScheduledTask[];
  private readonly lastRun = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly opts: Required<WorkerOptions>;
  private server: Promise<string> | undefined;

  constructor(private readonly deps: Deps, private readonly io: { http: HttpClient; mailer: Mailer }, options: WorkerOptions) {
    this.opts = {
      batchSize: 50, leaseMs: 60_000, webhookTimeoutMs: 10_000, endpointFailureLimit: 20, random: Math.random, ...options,
    };
    this.handlers.set('email', async (job) => {
      const p = job.payload as { to: string; subject: string; text: string; html: string; messageId: string };
      const server = await (this.server ??= serverId(this.deps).catch((error: unknown) => { this.server = undefined; throw error; }));
      const messageId = withServerId(p.messageId, server);
      await this.io.mailer.send({ ...p, messageId });
      this.deps.log.info('email.sent', `e-mail ${job.id} sent`, { job_id: job.id, message_id: messageId, subject: p.subject });
    });
    this.handlers.set(AUTO_CAPTURE_JOB, async (job) => autoCapture(this.deps, job.payload['order_id'] as number));
    this.handlers.set(RELEASE_JOB, async (job) => releaseCancelledOrder(this.deps, job.payload['order_id'] as number));
    this.tasks = scheduledTasks(deps);
  }

  /** Lets a later feature handle its own job kind. */
  handle(kind: string, handler: JobHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** One round of everything that is due; returns how many items it worked on. */
  async runOnce(): Promise<number> {
    const { owner, ...o } = { owner: this.opts.id, ...this.opts };
    let done = await fanOut(this.deps, o.batchSize);
    done += await deliverDue(this.deps, this.io.http, {
      owner, batchSize: o.batchSize, leaseMs: o.leaseMs, timeoutMs: o.webhookTimeoutMs,
      endpointFailureLimit: o.endpointFailureLimit, random: o.random,
    });
    done += await runDueJobs(this.deps, this.handlers, { owner, batchSize: o.batchSize, leaseMs: o.leaseMs, random: o.random });
    const now = this.deps.clock.now();
    for (const task of this.tasks) {
      if ((this.lastRun.get(task.name) ?? -Infinity) + task.everyMs > now) continue;
      this.lastRun.set(task.name, now);
      try {
        done += await task.run(now);
      } catch (error) {
        // One failing task must not stop the others (nor the outbox): it is tried again next time.
        this.deps.log.warn('worker.task_failed', `scheduled task ${task.name} failed; tried again next time`, { task: task.name, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return done;
  }

  /** Runs rounds until one finds nothing to do (tests and `check`). */
  async drain(maxRounds = 100): Promise<void> {
    for (let i = 0; i < maxRounds; i++) if ((await this.runOnce()) === 0) return;
  }

  start(pollMs = 250): void {
    const loop = async () => {
      if (this.stopped) return;
      let busy = false;
      try {
        this.running = this.runOnce();
        busy = ((await this.running) as number) > 0;
      } catch (error) {
        this.deps.log.warn('worker.round_failed', 'worker round failed; trying again', { error: error instanceof Error ? error.message : String(error) });
      }
      if (!this.stopped) this.timer = setTimeout(loop, busy ? 0 : pollMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
