/** The e-mails an order sends: confirmation with what was charged, seat codes, refund notice. */
import type { Shop } from '../../ports/catalog.js';
import type { Customer } from '../../ports/customers.js';
import type { Order, OrderLine } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { enqueueEmail } from '../emails/enqueue.js';
import { orderConfirmation, refundNotice, seatCodes as seatCodesMail, type OrderMailData } from '../emails/templates.js';
import { KEY } from '../payment-orders/order-settings.js';

/**
 * Whom an order's mails greet: the first name the merchant gave for this order's buyer (payment orders'
 * `customer.firstName`), else the Paybridge customer's name.
 */
function greetingName(order: Order, customer: Customer | undefined): string | null {
  const given = order.metadata[KEY.firstName];
  if (given) return given;
  return customer ? [customer.firstName, customer.lastName].filter(Boolean).join(' ') || null : null;
}

export async function orderMails(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, order: Order, lines: readonly OrderLine[],
  known: { readonly shop?: Shop | undefined; readonly customer?: Customer | null | undefined },
  what: { confirmation?: boolean | { resend: string }; seatCodes?: readonly { code: string; title: string }[]; refund?: { amount: number; id: string; totalRefunded: number } },
): Promise<void> {
  const customer = order.customerId === null ? undefined
    : known.customer?.id === order.customerId ? known.customer : await tx.customers.get(order.customerId);
  const to = order.email ?? customer?.email;
  if (!to) return; // Payment orders: no e-mail given, no e-mail sent
  const shop = known.shop?.id === order.shopId ? known.shop : (await tx.shops.get(order.shopId))!;
  const name = greetingName(order, customer);
  const orderNumber = order.number ?? String(order.id);
  const data: OrderMailData = {
    shopName: shop.name, orderNumber, customerName: name, currency: order.currency,
    lines: lines.map((l) => ({ title: l.title, quantity: l.quantity, total: l.total })),
    subtotal: order.subtotal, discount: order.discount, tax: order.tax, total: order.total, promoCode: order.promoCode,
  };
  if (what.confirmation) {
    // A resend is a new reason for the mail (its own dedupe key); the first confirmation is sent once.
    const reason = typeof what.confirmation === 'object' ? `order-confirmation.${order.id}.resend.${what.confirmation.resend}` : `order-confirmation.${order.id}`;
    await enqueueEmail(deps, tx, to, orderConfirmation(data), reason);
  }
  if (what.seatCodes && what.seatCodes.length > 0) await enqueueEmail(deps, tx, to, seatCodesMail({ ...data, codes: what.seatCodes }), `seat-codes.${order.id}`);
  if (what.refund) {
    await enqueueEmail(deps, tx, to, refundNotice({
      shopName: shop.name, orderNumber, customerName: name, currency: order.currency, refunded: what.refund.amount,
      totalRefunded: what.refund.totalRefunded, total: order.total,
    }), `refund.${what.refund.id}`);
  }
}
