/**
 * What the CHECKOUT redirect pages show. The `cko-*` ids in the query string are only hints for finding
 * the payment: its state is always read from the database (the payment, its invoice), never taken from
 * the query string, so a forged or replayed redirect can only ever show the truth.
 */
import type { Shop } from '../../ports/catalog.js';
import type { Invoice, InvoicePayment } from '../../ports/invoices.js';
import type { Deps } from '../deps.js';
import { INVOICE_PAYMENT_KEY } from './settle.js';

export interface CheckoutReturn {
  readonly payment: InvoicePayment;
  readonly invoice: Invoice;
  readonly shop: Shop;
  /** The hosted page of the session, while the buyer may still pay there. */
  readonly payAgainSessionId: string | null;
}

/** The invoice payment a checkout session pays, found through the session's order; undefined when none. */
export async function checkoutReturn(deps: Deps, sessionId: string): Promise<CheckoutReturn | undefined> {
  const session = await deps.store.checkoutSessions.get(sessionId);
  const order = session ? await deps.store.orders.get(session.orderId) : undefined;
  const paymentId = order?.metadata[INVOICE_PAYMENT_KEY];
  const payment = paymentId ? await deps.store.invoicePayments.get(paymentId) : undefined;
  if (!session || !order || !payment) return undefined;
  const invoice = (await deps.store.invoices.get(payment.invoiceId))!;
  const shop = (await deps.store.shops.get(invoice.shopId))!;
  const payable = payment.status === 'open' && payment.sessionId === session.id && order.status !== 'cancelled'
    && session.status === 'open' && session.expiresAt > deps.clock.now();
  return { payment, invoice, shop, payAgainSessionId: payable ? session.id : null };
}
