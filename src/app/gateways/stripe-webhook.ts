/**
 * A Stripe event (`POST /webhooks/stripe/{gatewayId}`): verified by the adapter with the SDK's
 * `constructEvent` over the raw bytes, stored once per Stripe event id (DESIGN rule 8), then applied.
 *
 * An event is a reason to look, not a state to copy: the order's pending transactions on this gateway are
 * re-read from Stripe (the adapter's `status`, as the janitor does) and completed through
 * completeTransaction. So a duplicate changes nothing, an out-of-order event (a `payment_failed` after the
 * retry that succeeded, an `amount_capturable_updated` after the capture) can only confirm what Stripe says
 * now, and a completed transaction never moves back (DESIGN rule 5). A refund made in Stripe's dashboard is
 * recorded as a refund; a dispute becomes a notification on the order and a `payment.disputed` event.
 */
import { DomainError } from '../../domain/errors.js';
import type { ProcessorEvent } from '../../ports/payment-gateway.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { emitAll } from '../events.js';
import { attachMessages } from '../orders/notifications.js';
import { orderJson } from '../representations.js';
import { resolveWithProcessor } from '../payments/resolve-pending.js';
import { completeTransaction, startTransaction } from '../payments/transactions.js';

export interface StripeEventOutcome {
  /** `processed`: applied now; `duplicate`: this event id was applied before; `ignored`: not about a Paybridge payment of this gateway. */
  readonly status: 'processed' | 'duplicate' | 'ignored';
  readonly eventId: string;
  readonly orderId: number | null;
  /** Transactions this event completed. */
  readonly completed: readonly PaymentTransaction[];
}

export async function receiveStripeEvent(deps: Deps, gatewayId: string, raw: Buffer, signature: string | undefined): Promise<StripeEventOutcome> {
  const gateway = await deps.store.gateways.get(gatewayId);
  if (!gateway || gateway.kind !== 'stripe') throw new DomainError('not_found', `Stripe gateway ${gatewayId} not found`);
  const adapter = await deps.gateways.resolve(gatewayId);
  if (!adapter.readEvent) throw new DomainError('not_found', `gateway ${gatewayId} takes no events`);
  const event = await adapter.readEvent(raw, signature, deps.clock.now());

  const text = raw.toString('utf8');
  const { inserted, webhook } = await deps.store.externalGateways.insertInbound({
    // The key is the event id alone: Stripe re-sends an event with a new signature, and the body may differ in `pending_webhooks`.
    id: deps.ids.next('whin'), gatewayId, actionId: event.id, bodyHash: deps.hasher.hashToken(`stripe-event:${event.id}`), body: text.slice(0, 100_000),
    status: 'received', transactionId: null, outcome: null, createdAt: deps.clock.now(),
  });
  const outcome = (status: StripeEventOutcome['status'], completed: readonly PaymentTransaction[] = []): StripeEventOutcome =>
    ({ status, eventId: event.id, orderId: event.orderId, completed });
  if (!inserted && (webhook.status === 'processed' || webhook.status === 'ignored')) return outcome('duplicate');
  const finish = (status: 'processed' | 'ignored', transactionId: string | null, note: string) =>
    deps.store.externalGateways.finishInbound(webhook.id, { status, transactionId, outcome: `${event.type}: ${note}`.slice(0, 500) }, deps.clock.now());

  const txns = event.orderId === null ? [] : (await deps.store.transactions.listByOrder(event.orderId)).filter((t) => t.gatewayId === gatewayId);
  if (txns.length === 0) {
    await finish('ignored', null, 'not a Paybridge payment of this gateway');
    return outcome('ignored');
  }
  if (event.dispute) await recordDispute(deps, event, txns);
  const outside: PaymentTransaction[] = [];
  for (const refund of event.outsideRefunds ?? []) {
    if (txns.some((t) => t.processorToken === refund.id || t.actionId === refund.id)) continue;
    const recorded = await recordOutsideRefund(deps, event.orderId!, refund, `gateway:${gatewayId}`, event.id);
    if (recorded) outside.push(recorded);
  }
  const completed: PaymentTransaction[] = [];
  for (const txn of txns.filter((t) => t.status === 'pending')) {
    const done = await resolveWithProcessor(deps, txn, `gateway:${gatewayId}`, { stripe_event: event.id });
    if (done) completed.push(done);
  }
  completed.push(...outside);
  await finish('processed', completed[0]?.id ?? txns[0]!.id, completed.length ? completed.map((t) => `${t.kind} ${t.id} ${t.status}`).join(', ') : 'nothing pending changed');
  return outcome('processed', completed);
}

/**
 * A refund made in Stripe's dashboard: the money went back, so Paybridge records it as a refund of the
 * order (intent keyed by Stripe's refund id under the order's lock, so two events record it once; then its
 * result, with the ledger, events and a revocation when it refunds everything). Null when the order has no
 * capture it fits (the refund is then only in the inbound webhook's log).
 */
async function recordOutsideRefund(deps: Deps, orderId: number, refund: { id: string; amount: number }, actor: string, eventId: string): Promise<PaymentTransaction | null> {
  let intent: PaymentTransaction;
  try {
    intent = await startTransaction(deps, { orderId, kind: 'refund', amount: refund.amount, processorReference: refund.id, actor });
  } catch (error) {
    if (error instanceof DomainError) return null; // recorded by a concurrent event, or more than Paybridge counts as captured
    throw error;
  }
  const { transaction } = await completeTransaction(deps, intent, {
    outcome: 'succeeded', processorToken: refund.id, amount: refund.amount, metadata: { refund: refund.id, made_in: 'stripe_dashboard', stripe_event: eventId },
  }, actor);
  return transaction;
}

/** A dispute: a notification on the order (with the transaction that took the money) and `payment.disputed`. */
async function recordDispute(deps: Deps, event: ProcessorEvent, txns: readonly PaymentTransaction[]): Promise<void> {
  const dispute = event.dispute!;
  const charged = txns.filter((t) => t.status === 'succeeded' && (t.kind === 'capture' || t.kind === 'authorization')).at(-1) ?? txns[0]!;
  await deps.store.tx(async (tx) => {
    const order = (await tx.orders.getForUpdate(charged.orderId))!;
    // Once per dispute, even when its event is processed again after a crash (or Stripe reports it twice).
    const notes = await tx.orderNotes.list(order.id);
    if (notes.some((n) => (n.body as { dispute_id?: unknown } | null)?.dispute_id === dispute.id)) return;
    const [note] = await attachMessages(deps, tx, order, charged, [{
      code: 'dispute', severity: 'error', dispute_id: dispute.id, amount: dispute.amount, currency: dispute.currency, reason: dispute.reason, status: dispute.status,
      message: `The buyer's bank opened a dispute (${dispute.reason}) for ${dispute.amount} ${dispute.currency}: respond in the Stripe dashboard`,
    }]);
    await emitAll(deps, tx, [{
      type: 'payment.disputed', shopId: order.shopId, orderId: order.id,
      data: { order: orderJson(order), dispute: { id: dispute.id, amount: dispute.amount, currency: dispute.currency, reason: dispute.reason, status: dispute.status, transaction_id: charged.id, notification_id: note?.id ?? null } },
    }]);
  });
}
