/** Sends an order's confirmation e-mail again (an operator's request): only for an order that was confirmed, i.e. paid or free. */
import { DomainError } from '../../domain/errors.js';
import type { Deps } from '../deps.js';
import { orderMails } from '../payments/order-mails.js';
import { found } from '../validate.js';

const CONFIRMED = new Set(['paid', 'partially_refunded', 'free']);

export async function resendConfirmation(deps: Deps, orderId: number, actor: string): Promise<void> {
  await deps.store.tx(async (tx) => {
    const order = found(await tx.orders.get(orderId), 'order', orderId);
    if (!CONFIRMED.has(order.paymentStatus)) {
      throw new DomainError('invalid_transition', `order ${orderId} has payment status ${order.paymentStatus}; only a paid or free order has a confirmation to resend`);
    }
    const customer = order.customerId ? await tx.customers.get(order.customerId) : undefined;
    if (!order.email && !customer?.email) throw new DomainError('invalid_transition', `order ${orderId} has no e-mail address to send to`);
    await orderMails(deps, tx, order, await tx.orders.lines(orderId), { customer: customer ?? null }, { confirmation: { resend: deps.ids.next('resend') } });
  });
  deps.log.info('order.confirmation_resent', `order ${orderId} confirmation queued again`, { order_id: orderId, actor });
}
