/**
 * The pending-payment janitor. A transaction stays pending when the processor answered "later" (an
 * asynchronous payment) or did not answer at all (timeout, crash between intent and result). The janitor
 * asks the processor for the outcome where it can answer; a transaction nobody can resolve is failed after
 * `giveUpAfterMs`, which tells the merchant through a `payment.failed` event.
 */
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { completeTransaction, gatewayRequest } from './transactions.js';

interface JanitorOptions {
  /** Leave transactions younger than this alone: their processor call may still be in flight. */
  readonly minAgeMs: number;
  /** Fail a transaction still unresolved after this long. */
  readonly giveUpAfterMs: number;
  readonly limit: number;
}

export const JANITOR_DEFAULTS: JanitorOptions = { minAgeMs: 5_000, giveUpAfterMs: 24 * 3600_000, limit: 50 };

const ACTOR = 'system:janitor';

async function resolveOne(deps: Deps, txn: PaymentTransaction, now: number, options: JanitorOptions): Promise<boolean> {
  const expired = now - txn.createdAt >= options.giveUpAfterMs;
  let answer = null;
  if (txn.gatewayId) {
    try {
      const gateway = await deps.gateways.resolve(txn.gatewayId);
      answer = await gateway.status(await gatewayRequest(deps, txn, null));
    } catch {
      answer = null; // the processor is unreachable: ask again next round
    }
  }
  if (answer && answer.outcome !== 'pending') {
    await completeTransaction(deps, txn, answer, ACTOR);
    return true;
  }
  if (!expired) return false;
  await completeTransaction(deps, txn, {
    outcome: 'failed', errorCode: 'expired',
    errorMessage: `no outcome from the processor after ${Math.round(options.giveUpAfterMs / 60_000)} minutes`,
  }, ACTOR);
  return true;
}

/** One round: returns how many pending transactions it resolved. */
export async function resolvePendingTransactions(deps: Deps, options: JanitorOptions = JANITOR_DEFAULTS): Promise<number> {
  const now = deps.clock.now();
  const pending = await deps.store.transactions.listPending(now - options.minAgeMs, options.limit);
  let resolved = 0;
  for (const txn of pending) if (await resolveOne(deps, txn, now, options)) resolved++;
  return resolved;
}
