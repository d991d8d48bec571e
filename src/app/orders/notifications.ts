/**
 * Order notifications: "If you specify the `messages` key a notification with the related information is
 * automatically attached to the associated order" (Commerce Layer external gateways). Each message of a
 * processor's reply becomes one notification on the order, remembering the transaction it came from; each
 * is announced by an `order.notification_added` event in the same database transaction.
 */
import type { Order, OrderNote } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { emitAll } from '../events.js';
import { notificationJson, orderJson } from '../representations.js';

/** At most this many messages of one reply are kept. */
const MAX_MESSAGES_PER_REPLY = 20;

/** Attaches `messages` (as the processor sent them) to the order, in the caller's transaction. */
export async function attachMessages(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, txn: PaymentTransaction, messages: readonly unknown[],
): Promise<OrderNote[]> {
  const now = deps.clock.now();
  const notes: OrderNote[] = [];
  for (const body of messages.slice(0, MAX_MESSAGES_PER_REPLY)) {
    notes.push(await tx.orderNotes.add({ orderId: order.id, source: `transaction:${txn.id}`, body, createdAt: now }));
  }
  if (notes.length > 0) {
    await emitAll(deps, tx, notes.map((note) => ({
      type: 'order.notification_added' as const, shopId: order.shopId, orderId: order.id,
      data: { order: orderJson(order), notification: notificationJson(note) },
    })));
  }
  return notes;
}
