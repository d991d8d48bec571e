/**
 * Scheduled task: a two-stage authorization not captured within its capture window (`timeLimit` minutes
 * after the authorization, 7 days without one) is voided — what is left of it, after a partial capture.
 * The void goes through the ordinary transaction steps: intent, processor call outside any database
 * transaction, result; `startTransaction`'s limits keep two workers from voiding twice.
 */
import { DomainError } from '../../domain/errors.js';
import { deriveAmounts } from '../../domain/payment.js';
import type { Deps } from '../deps.js';
import { runTransaction, startTransaction } from '../payments/transactions.js';
import { RECHECK_MS } from './expire-unpaid.js';
import { runTimers, TIMER, type TimerOutcome } from './timers.js';
import { captureDeadline, currentSnapshot } from './view.js';

const ACTOR = 'system:payment-orders-capture-deadline';

async function voidIfStale(deps: Deps, orderId: number, now: number): Promise<TimerOutcome> {
  const order = await deps.store.orders.get(orderId);
  if (!order || order.status === 'cancelled') return { done: true, changed: false };
  const snapshot = await currentSnapshot(deps, order);
  const a = deriveAmounts(snapshot.transactions);
  if (a.pendingAuthorization > 0 || a.pendingCapture > 0 || a.pendingVoid > 0) return { done: false, at: now + RECHECK_MS };
  const deadline = captureDeadline(snapshot);
  if (deadline === null) {
    // Not paid yet (look again until it is paid or expires), or nothing is left open: finished.
    return order.paymentStatus === 'unpaid' ? { done: false, at: now + RECHECK_MS } : { done: true, changed: false };
  }
  if (deadline > now) return { done: false, at: deadline };
  let intent;
  try {
    intent = await startTransaction(deps, { orderId, kind: 'void', actor: ACTOR });
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'internal_error') return { done: false, at: now + RECHECK_MS }; // someone acted first
    throw error;
  }
  const { transaction } = await runTransaction(deps, intent, ACTOR);
  if (transaction.status === 'failed') throw new Error(`the processor refused to void: ${transaction.errorMessage ?? 'no reason given'}`);
  return transaction.status === 'succeeded' ? { done: true, changed: true } : { done: false, at: now + RECHECK_MS };
}

/**
 * Voids up to `limit` two-stage authorizations whose capture window ended at `now` (epoch ms). Safe to run
 * from several workers at once (leased timers; the void's intent is taken under the order's row lock).
 * Returns how many authorizations it voided.
 */
export function voidStaleAuthorizations(deps: Deps, now: number, limit = 20): Promise<number> {
  return runTimers(deps, TIMER.captureDeadline, now, limit, (orderId) => voidIfStale(deps, orderId, now));
}
