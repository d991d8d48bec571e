/**
 * After a transaction completes: recompute the order's payment status from its transactions (Saleor-style,
 * so duplicates and out-of-order results are harmless), move the order (never backwards, DESIGN rule 5),
 * fulfill a paid order or revoke a refunded one, post the ledger, and write events and e-mails — all in
 * the caller's transaction.
 */
import { deriveAmounts, derivePaymentStatus, nextPaymentStatus } from '../../domain/payment.js';
import type { Shop } from '../../ports/catalog.js';
import type { Customer } from '../../ports/customers.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { emitAll, type EventType, type NewEvent } from '../events.js';
import { grantOrder, needsFulfillment } from '../fulfillment/grant.js';
import { revokeGrants } from '../fulfillment/revoke.js';
import { settleInvoicePaymentForOrder } from '../invoices/settle.js';
import { moveOrder, type Move } from '../orders/move-order.js';
import { releaseOrSchedule } from '../orders/release-holds.js';
import { orderJson, transactionJson } from '../representations.js';
import { postSettlement } from './ledger-postings.js';
import { orderMails } from './order-mails.js';
import { completeSessionOf } from '../checkout/checkout-sessions.js';

const EVENT_OF: Record<string, EventType> = {
  'authorization:succeeded': 'payment.authorized', 'capture:succeeded': 'payment.captured', 'void:succeeded': 'payment.voided',
  'refund:succeeded': 'payment.refunded', 'authorization:pending': 'payment.pending', 'capture:pending': 'payment.pending',
};

/** What `settleLoaded` works from: the order, read with its lock held, and all of its transactions as they now stand. */
interface LoadedOrder {
  readonly order: Order;
  readonly txns: readonly PaymentTransaction[];
  /** The order's shop and customer, when the caller holds them (for the e-mails). */
  readonly shop?: Shop | undefined;
  readonly customer?: Customer | null | undefined;
}

/** Re-derives and applies the order's state. `txn` is the transaction that just changed (for events), if any. */
export async function settleOrder(deps: Deps, tx: Repos, orderId: number, actor: string, txn: PaymentTransaction | null): Promise<Order> {
  const order = (await tx.orders.getForUpdate(orderId))!;
  return settleLoaded(deps, tx, { order, txns: await tx.transactions.listByOrder(orderId) }, actor, txn);
}

/** `settleOrder` for a caller that already holds the order locked and has read its transactions. */
export async function settleLoaded(deps: Deps, tx: Repos, loaded: LoadedOrder, actor: string, txn: PaymentTransaction | null): Promise<Order> {
  const { order, txns } = loaded;
  const orderId = order.id;
  const amounts = deriveAmounts(txns);
  const payment = nextPaymentStatus(order.paymentStatus, derivePaymentStatus(order.total, amounts));
  const lines = await tx.orders.lines(orderId);
  const moves: Move[] = [{ axis: 'payment_status', to: payment }];
  const committed = payment !== 'unpaid' || amounts.pendingAuthorization > 0;
  if (order.status === 'pending' && committed) moves.unshift({ axis: 'status', to: 'placed' });

  const paid = payment === 'paid' || payment === 'free';
  let fulfilledNow = false;
  if (paid && order.status !== 'cancelled' && order.fulfillmentStatus === 'unfulfilled') {
    moves.push({ axis: 'fulfillment_status', to: needsFulfillment(lines) ? 'fulfilled' : 'not_required' });
    fulfilledNow = needsFulfillment(lines);
  }
  let revokedNow = false;
  if (payment === 'refunded' && order.fulfillmentStatus === 'fulfilled') {
    moves.push({ axis: 'fulfillment_status', to: 'revoked' });
    revokedNow = true;
  }
  const failed = txn?.status === 'failed' ? txn.errorMessage ?? 'the payment failed' : undefined;
  const patch: Partial<Order> = {
    // A cancelled order gives back what it holds (DESIGN rule 16), and then its promo and seat codes.
    ...(order.status === 'cancelled' ? await releaseOrSchedule(deps, tx, order, txns, txn?.id ?? 'settle') : {}),
    ...(order.placedAt === null && committed ? { placedAt: deps.clock.now() } : {}),
    ...(failed !== undefined && txn?.kind === 'authorization' ? { statusMessage: failed } : {}),
    ...(txn?.status === 'succeeded' && txn.kind === 'authorization' ? { statusMessage: null } : {}),
  };
  const reason = txn ? `${txn.kind} ${txn.id} ${txn.status}` : null;
  const moved = await moveOrder(deps, tx, order, moves, { actor, reason }, patch);
  await settleInvoicePaymentForOrder(deps, tx, moved); // an order paying an invoice payment settles it with the order

  // The events of this change, appended together at the end (one sequence update, one insert).
  const events: EventType[] = [];
  if (order.status === 'pending' && moved.status === 'placed') events.push('order.placed');
  if (txn) {
    const type = txn.status === 'failed' ? 'payment.failed' : EVENT_OF[`${txn.kind}:${txn.status}`];
    if (type) events.push(type);
    if (txn.status === 'succeeded') await postSettlement(deps, tx, order, txn);
  }
  if (fulfilledNow) {
    const granted = await grantOrder(deps, tx, moved, lines);
    events.push('purchase.fulfilled');
    await orderMails(deps, tx, moved, lines, loaded, { confirmation: true, seatCodes: granted.seatCodes });
  } else if (paid && moved.fulfillmentStatus === 'not_required' && order.fulfillmentStatus === 'unfulfilled') {
    await orderMails(deps, tx, moved, lines, loaded, { confirmation: true, seatCodes: [] });
  }
  let othersRevoked: NewEvent[] = [];
  if (revokedNow) {
    othersRevoked = await revokeGrants(deps, tx, moved, actor, 'was refunded in full');
    events.push('fulfillment.revoked');
  }
  if (txn?.kind === 'refund' && txn.status === 'succeeded') {
    await orderMails(deps, tx, moved, lines, loaded, { refund: { amount: txn.amount, id: txn.id, totalRefunded: amounts.refunded } });
  }
  if (events.length > 0) {
    const data = { order: orderJson(moved), ...(txn ? { transaction: transactionJson(txn) } : {}) };
    await emitAll(deps, tx, [...events.map((type) => ({ type, shopId: order.shopId, orderId, data })), ...othersRevoked]);
  }
  if (moved.paymentStatus !== order.paymentStatus && checkoutSucceeded(moved, txns)) {
    // A checkout session opened by a platform ends with the payment, in its transaction, announced once.
    const session = await tx.checkoutSessions.latestForOrder(orderId);
    if (session?.native) await completeSessionOf(deps, tx, moved, session);
  }
  return moved;
}

/** Paid (or free), or authorized with no capture to follow (a two-stage shop): the buyer's checkout is done. */
function checkoutSucceeded(order: Order, txns: readonly PaymentTransaction[]): boolean {
  if (order.paymentStatus === 'paid' || order.paymentStatus === 'free') return true;
  if (order.paymentStatus !== 'authorized') return false;
  const authorization = txns.filter((t) => t.kind === 'authorization' && t.status === 'succeeded').at(-1);
  return authorization?.metadata['auto_capture'] !== true;
}
