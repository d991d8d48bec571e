/**
 * The `release-cancelled-order` job (see `orders/release-holds.ts`): gives back the money a cancelled order
 * still holds through the usual three steps, a void of the open authorization, then a refund of what was
 * captured.
 */
import { DomainError } from '../../domain/errors.js';
import { deriveAmounts, heldAmount, inFlight } from '../../domain/payment.js';
import type { Deps } from '../deps.js';
import { runTransaction, startTransaction } from './transactions.js';

const ACTOR = 'system:cancellation';

/**
 * The job: takes the next release step of a cancelled order — a void of its open authorization, else a
 * refund of what it captured — and runs it. Its completion settles the order, which schedules the step
 * after it (or, when refused, the same step again later). Does nothing for an order that holds nothing,
 * has a payment in flight (its outcome triggers the next step), or whose step another caller started.
 */
export async function releaseCancelledOrder(deps: Deps, orderId: number): Promise<void> {
  const order = await deps.store.orders.get(orderId);
  if (!order || order.status !== 'cancelled') return;
  const amounts = deriveAmounts(await deps.store.transactions.listByOrder(orderId));
  if (inFlight(amounts) || heldAmount(amounts) === 0) return;
  const kind = amounts.authorized - amounts.captured - amounts.voided > 0 ? 'void' : 'refund';
  let intent;
  try {
    intent = await startTransaction(deps, { orderId, kind, actor: ACTOR });
  } catch (error) {
    if (error instanceof DomainError) return; // a concurrent void or refund got there first
    throw error;
  }
  await runTransaction(deps, intent, ACTOR);
}
