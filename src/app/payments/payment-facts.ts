/**
 * The log line of a payment transaction's outcome, written once, after the commit that recorded it.
 * A refusal by the processor (a decline: card_declined, insufficient_funds, a merchant's error code) is
 * `declined`; a fault on our side of the wire (timeout, unreachable processor, open circuit, unreadable
 * answer, amount mismatch, given up by the janitor) is `failed` and logged as a warning.
 */
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';

/** Reason codes that mean the processor never gave an answer we could use. */
export const FAULT_CODES: ReadonlySet<string> = new Set(['timeout', 'gateway_unavailable', 'invalid_response', 'circuit_open', 'expired', 'amount_mismatch']);

export function logOutcome(deps: Pick<Deps, 'log'>, txn: PaymentTransaction, actor: string): void {
  if (txn.status === 'pending') return;
  const subject = txn.kind === 'refund' ? 'refund' : 'payment';
  const fields = {
    transaction_id: txn.id, order_id: txn.orderId, kind: txn.kind, gateway_id: txn.gatewayId,
    amount: txn.amount, currency: txn.currency, actor,
  };
  if (txn.status === 'succeeded') {
    deps.log.info(`${subject}.succeeded`, `${txn.kind} of ${txn.amount} ${txn.currency} succeeded`, fields);
    return;
  }
  const code = txn.errorCode ?? 'failed';
  const outcome = FAULT_CODES.has(code) ? 'failed' : 'declined';
  const line = outcome === 'failed' ? deps.log.warn.bind(deps.log) : deps.log.info.bind(deps.log);
  line(`${subject}.${outcome}`, `${txn.kind} of ${txn.amount} ${txn.currency} ${outcome}: ${code}`, { ...fields, reason_code: code });
}
