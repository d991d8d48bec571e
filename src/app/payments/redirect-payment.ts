/**
 * Paying on the processor's own page (Stripe Checkout): the authorization is recorded pending (intent,
 * commit), the processor makes its page (outside any transaction) and the buyer is sent there; the outcome
 * arrives by the processor's event, the buyer's return (which re-reads it from the processor, never from the
 * redirect) or the janitor. While one such payment is open, the buyer is sent back to the same page.
 */
import { processorMetadata } from '../../domain/processor-details.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { payOrder } from './pay-order.js';
import { resolveWithProcessor } from './resolve-pending.js';
import type { OrderContext } from './transactions.js';

/** Source type of a payment made on the processor's hosted page. */
const REDIRECT_SOURCE = 'stripe_checkout';

interface RedirectInput {
  readonly orderId: number;
  readonly gatewayId: string;
  readonly capture: boolean;
  readonly actor: string;
  /** Where the processor sends the buyer back: after paying, after giving up. */
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** Paybridge's checkout session, named in the processor's metadata. */
  readonly checkoutSessionId: string;
  readonly known?: Partial<OrderContext> | undefined;
}

/** The processor's page for the order, or null with the transaction when the payment failed at once. */
export async function startRedirectPayment(deps: Deps, input: RedirectInput): Promise<{ url: string | null; transaction: PaymentTransaction }> {
  const open = await openRedirectPayment(deps, input.orderId, input.gatewayId, input.actor);
  if (open) return open;
  const paid = await payOrder(deps, {
    orderId: input.orderId, gatewayId: input.gatewayId, capture: input.capture, actor: input.actor, known: input.known,
    source: { type: REDIRECT_SOURCE, token: input.checkoutSessionId, metadata: { success_url: input.successUrl, cancel_url: input.cancelUrl, checkout_session_id: input.checkoutSessionId } },
  });
  const transaction = paid.transactions[0]!;
  return { url: transaction.status === 'pending' ? nextActionUrl(transaction) : null, transaction };
}

const nextActionUrl = (t: PaymentTransaction) => {
  const url = processorMetadata(t.metadata)['next_action_url'];
  return typeof url === 'string' ? url : null;
};

/** The order's pending payment on the processor's page, re-read first: still open, its URL; else null. */
async function openRedirectPayment(deps: Deps, orderId: number, gatewayId: string, actor: string): Promise<{ url: string; transaction: PaymentTransaction } | null> {
  const pending = (await deps.store.transactions.listByOrder(orderId))
    .filter((t) => t.kind === 'authorization' && t.status === 'pending' && t.gatewayId === gatewayId && (t.metadata['source'] as { type?: string } | undefined)?.type === REDIRECT_SOURCE);
  for (const txn of pending) {
    if (await resolveWithProcessor(deps, txn, actor)) continue;
    const url = nextActionUrl(txn);
    if (url) return { url, transaction: txn };
  }
  return null;
}

/**
 * The buyer is back from the processor's page (or waits on the processing page): re-reads the order's
 * pending payments on processors that pay on their own page (Stripe) from the processor — what the redirect
 * itself says is never trusted.
 */
export async function returnFromRedirect(deps: Deps, orderId: number, actor: string): Promise<void> {
  const pending = (await deps.store.transactions.listByOrder(orderId)).filter((t) => t.kind !== 'token' && t.status === 'pending' && t.gatewayId !== null);
  for (const txn of pending) {
    if ((await deps.store.gateways.get(txn.gatewayId!))?.kind !== 'stripe') continue;
    try {
      await resolveWithProcessor(deps, txn, actor);
    } catch {
      // The processor did not answer: its event or the janitor will tell.
    }
  }
}
