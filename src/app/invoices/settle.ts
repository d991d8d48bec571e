/**
 * What happens when an invoice payment ends, whichever road it took (PLATFORM confirm or webhook, an
 * EXTERNAL webhook, a CHECKOUT order paid on the hosted page): the money is posted on the ledger, the
 * payment and the invoice move together, events and the receipt e-mail are written — all in the caller's
 * transaction, so they commit together or not at all.
 *
 * Lock order, so PostgreSQL never deadlocks: an unfinished CHECKOUT payment's order first, then the
 * invoice, then ledger accounts (by id). `settleOrder` holds the order when it calls in here, so every
 * other road takes that order's lock before the invoice's (`lockInvoice`).
 */
import { deriveAmounts } from '../../domain/payment.js';
import { DomainError, unwrap } from '../../domain/errors.js';
import { amountDue, applyPayment, UNFINISHED_PAYMENT_STATUSES } from '../../domain/invoice.js';
import { transfer } from '../../domain/ledger.js';
import type { Invoice, InvoicePayment } from '../../ports/invoices.js';
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import { payFromAccount } from '../accounts/accounts.js';
import type { Deps } from '../deps.js';
import { enqueueEmail } from '../emails/enqueue.js';
import { invoiceReceipt } from '../emails/templates.js';
import { emit } from '../events.js';
import { cancelLoaded } from '../orders/cancel-order.js';
import { merchantAccount } from '../payments/ledger-postings.js';
import { found } from '../validate.js';
import { invoiceJson, invoicePaymentJson } from './json.js';

/** The order metadata key naming the invoice payment a CHECKOUT order pays. */
export const INVOICE_PAYMENT_KEY = 'invoice_payment_id';

/** Where EXTERNAL payments come from: money a third party collected for the shop. May go negative. */
const externalAccount = (shopId: string, currency: string) => `external:${shopId}:${currency}`;

const METHOD = { PLATFORM: 'account balance', CHECKOUT: 'card', EXTERNAL: 'external payment' } as const;

const unfinished = (p: InvoicePayment) => UNFINISHED_PAYMENT_STATUSES.includes(p.status);

/** Locks the invoice for a change, after the order of its unfinished CHECKOUT payment (see the lock order above). */
export async function lockInvoice(tx: Repos, invoiceId: string): Promise<Invoice> {
  const orders = (await tx.invoicePayments.listByInvoice(invoiceId))
    .filter((p) => unfinished(p) && p.orderId !== null).map((p) => p.orderId!).sort((a, b) => a - b);
  for (const orderId of orders) await tx.orders.getForUpdate(orderId);
  return found(await tx.invoices.getForUpdate(invoiceId), 'invoice', invoiceId);
}

async function postMoney(deps: Deps, tx: Repos, invoice: Invoice, payment: InvoicePayment): Promise<void> {
  if (payment.type === 'PLATFORM') {
    if (!payment.accountId) throw new DomainError('validation_failed', 'accountId is required for PLATFORM', [{ field: '/accountId', message: 'is required for PLATFORM' }]);
    const account = found(await tx.internalAccounts.get(payment.accountId), 'account', payment.accountId);
    await payFromAccount(deps, tx, account, payment.amount, payment.id);
  } else if (payment.type === 'EXTERNAL') {
    const from = await tx.ledger.account(externalAccount(invoice.shopId, payment.currency), payment.currency, true);
    const to = await tx.ledger.account(merchantAccount(invoice.shopId, payment.currency), payment.currency, true);
    const t = unwrap(transfer('invoice_payment', from.id, to.id, { amount: payment.amount, currency: payment.currency }));
    await tx.ledger.post({ id: deps.ids.next('tr'), currency: t.currency, kind: t.kind, reference: payment.id, postings: t.postings, createdAt: deps.clock.now() });
  }
  // CHECKOUT: the capture of its order was posted by settleOrder (processor → merchant).
}

async function receipt(deps: Deps, tx: Repos, invoice: Invoice, payment: InvoicePayment): Promise<void> {
  const customer = await tx.customers.get(invoice.customerId);
  if (!customer?.email) return;
  const shop = (await tx.shops.get(invoice.shopId))!;
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(' ') || null;
  await enqueueEmail(deps, tx, customer.email, invoiceReceipt({
    shopName: shop.name, invoiceNumber: invoice.number ?? invoice.id, customerName: name, currency: invoice.currency,
    paid: payment.amount, total: invoice.total, remaining: amountDue(invoice), method: METHOD[payment.type],
  }), `invoice-receipt.${payment.id}`);
}

/**
 * Settles an unfinished payment as succeeded: posts its money (PLATFORM: from the account, refused with
 * `insufficient_funds`; EXTERNAL: from the external clearing account), applies it to the locked invoice
 * (refused with `amount_exceeds_due` for an overpayment, `invalid_transition` for a void invoice), emits
 * `invoice.paid` or `invoice.partially_paid`, enqueues the receipt, and cancels the other open payments
 * that now ask for more than is due. Throws on any refusal, having changed nothing the caller commits.
 */
export async function succeedPayment(
  deps: Deps, tx: Repos, invoice: Invoice, payment: InvoicePayment,
  details: { paymentDate?: number | undefined; externalData?: string | undefined; actor: string },
): Promise<{ invoice: Invoice; payment: InvoicePayment }> {
  const applied = unwrap(applyPayment(invoice, payment.amount, payment.discount));
  await postMoney(deps, tx, invoice, payment);
  const now = deps.clock.now();
  const patch = { status: 'succeeded' as const, paymentDate: details.paymentDate ?? now, ...(details.externalData !== undefined ? { externalData: details.externalData } : {}) };
  if (!(await tx.invoicePayments.updateIf(payment.id, UNFINISHED_PAYMENT_STATUSES, patch))) {
    throw new DomainError('conflict', `payment ${payment.id} was changed concurrently; retry the request`);
  }
  const invoicePatch = {
    status: applied.status, amountPaid: applied.amountPaid, amountDiscounted: applied.amountDiscounted,
    ...(applied.status === 'paid' ? { paidAt: now } : {}),
  };
  if (!(await tx.invoices.updateGuarded(invoice.id, invoice.version, invoicePatch))) {
    throw new DomainError('conflict', `invoice ${invoice.id} was changed concurrently; retry the request`);
  }
  if (payment.discountCode) {
    const promo = await tx.promoCodes.getByCode(invoice.shopId, payment.discountCode);
    // The limit was checked when the code was applied; the money has moved, so a lost race still counts.
    if (promo) await tx.promoCodes.use(promo.id);
  }
  const after = { invoice: (await tx.invoices.get(invoice.id))!, payment: (await tx.invoicePayments.get(payment.id))! };
  const type = after.invoice.status === 'paid' ? 'invoice.paid' : 'invoice.partially_paid';
  await emit(deps, tx, { type, shopId: invoice.shopId, data: { invoice: invoiceJson(after.invoice, await tx.invoices.lines(invoice.id)), payment: invoicePaymentJson(after.payment) } });
  await receipt(deps, tx, after.invoice, after.payment);
  const due = amountDue(after.invoice);
  for (const other of await tx.invoicePayments.listByInvoice(invoice.id)) {
    if (other.id !== payment.id && other.status === 'open' && other.amount + other.discount > due) {
      await cancelPayment(deps, tx, other, due === 0 ? 'the invoice was paid by another payment' : 'another payment reduced the amount due', details.actor);
    }
  }
  return after;
}

/**
 * Cancels an unfinished payment (no-op for a finished one). A CHECKOUT payment's order is cancelled too
 * while it has taken no money and has no payment in flight, so its hosted page stops taking money.
 */
export async function cancelPayment(deps: Deps, tx: Repos, payment: InvoicePayment, reason: string, actor: string): Promise<void> {
  if (!unfinished(payment)) return;
  await tx.invoicePayments.updateIf(payment.id, UNFINISHED_PAYMENT_STATUSES, { status: 'cancelled', failureReason: reason });
  if (payment.orderId !== null) await cancelCheckoutOrder(deps, tx, payment.orderId, reason, actor);
}

/** Cancels a CHECKOUT payment's order if it is unpaid with nothing in flight. The caller holds its lock or may take it. */
export async function cancelCheckoutOrder(deps: Deps, tx: Repos, orderId: number, reason: string, actor: string): Promise<void> {
  const order = await tx.orders.getForUpdate(orderId);
  if (!order || order.status === 'cancelled' || order.paymentStatus !== 'unpaid') return;
  const txns = await tx.transactions.listByOrder(orderId);
  const amounts = deriveAmounts(txns);
  if (amounts.pendingAuthorization > 0 || amounts.pendingCapture > 0) return;
  await cancelLoaded(deps, tx, order, txns, { actor, reason }, { type: 'order.cancelled' });
}

/**
 * Called by `settleOrder` (which holds the order's lock) after every recompute: when an order that pays
 * an invoice payment became paid, that payment succeeds and the invoice moves, in the same transaction.
 * Idempotent (a finished payment is left alone) and never throws a refusal: the capture must be recorded
 * whatever happens here. A paid order that can no longer count against its invoice (the invoice was
 * paid or voided meanwhile) marks the payment failed with the reason, for the merchant to refund.
 */
export async function settleInvoicePaymentForOrder(deps: Deps, tx: Repos, order: Order): Promise<void> {
  if (order.paymentStatus !== 'paid') return;
  const id = order.metadata[INVOICE_PAYMENT_KEY];
  if (!id) return;
  const payment = await tx.invoicePayments.get(id);
  if (!payment || !unfinished(payment) || payment.orderId !== order.id) return;
  const invoice = (await tx.invoices.getForUpdate(payment.invoiceId))!;
  const check = applyPayment(invoice, payment.amount, payment.discount);
  if (!check.ok) {
    await tx.invoicePayments.updateIf(payment.id, UNFINISHED_PAYMENT_STATUSES, {
      status: 'failed', failureReason: `order ${order.id} was paid but ${check.error.message}; refund the order`,
    });
    return;
  }
  await succeedPayment(deps, tx, invoice, payment, { actor: 'system:checkout' });
}
