/** Puts an e-mail in the outbox, inside the caller's transaction; the worker sends it at least once. */
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import type { RenderedMail } from './templates.js';

/**
 * `dedupeKey` names the reason for the mail (e.g. `order-confirmation:42`): enqueueing the same reason
 * twice sends one mail. It also makes the Message-ID, so a resend after a crash is recognisable; the worker
 * adds the server's own id to it (message-id.ts).
 */
export async function enqueueEmail(deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, to: string, mail: RenderedMail, dedupeKey: string): Promise<void> {
  await tx.jobs.enqueue({
    id: deps.ids.next('job'), kind: 'email', dedupeKey: `email:${dedupeKey}`, nextAttemptAt: deps.clock.now(),
    payload: { to, ...mail, messageId: `<${dedupeKey.replace(/[^A-Za-z0-9.-]/g, '.')}@paybridge>` },
  });
}
