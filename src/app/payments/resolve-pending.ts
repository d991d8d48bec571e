/**
 * Completes a pending transaction with what its processor says now (`status`), for a notification that
 * something changed (a Stripe event, a buyer back from the processor's page). The janitor does the same
 * on its rounds, and gives up on what stays unresolved.
 */
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { completeTransaction, gatewayRequest } from './transactions.js';

/** The transaction as completed now, or null when the processor still says pending (or cannot say). */
export async function resolveWithProcessor(
  deps: Deps, txn: PaymentTransaction, actor: string, metadata: Readonly<Record<string, unknown>> = {},
): Promise<PaymentTransaction | null> {
  if (!txn.gatewayId || txn.status !== 'pending') return null;
  const gateway = await deps.gateways.resolve(txn.gatewayId);
  const answer = await gateway.status(await gatewayRequest(deps, txn, null));
  if (!answer || answer.outcome === 'pending') {
    if (answer?.metadata || answer?.actionId || answer?.processorToken) await completeTransaction(deps, txn, answer, actor); // keeps what Stripe said meanwhile
    return null;
  }
  const { transaction } = await completeTransaction(deps, txn, { ...answer, metadata: { ...answer.metadata, ...metadata } }, actor);
  return transaction.status === 'pending' ? null : transaction;
}
