/**
 * The invoice payments API's create-or-retrieve and update of invoice payments. At most one payment per invoice and type
 * is unfinished (open or processing); asking again for the same invoice and type returns it instead of
 * making a second one. A CHECKOUT payment gets an amount-only order and a hosted checkout session, whose
 * success and failure URLs are Paybridge's redirect pages carrying the `cko-*` ids.
 */
import { DomainError } from '../../domain/errors.js';
import type { InvoicePaymentType } from '../../domain/invoice.js';
import type { Invoice, InvoicePayment } from '../../ports/invoices.js';
import type { Repos } from '../../ports/store.js';
import { payingAccount } from '../accounts/accounts.js';
import { hostedPageUrl, openCheckoutSession } from '../checkout/sessions.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { createAmountOrder } from '../orders/create-amount-order.js';
import { found, invalid } from '../validate.js';
import { pricePayment } from './discounts.js';
import { mayAct } from './invoices.js';
import { cancelCheckoutOrder, cancelPayment, INVOICE_PAYMENT_KEY, lockInvoice } from './settle.js';

/** The two redirect pages of a CHECKOUT payment, under the API prefix. */
const CHECKOUT_RETURN_PATH = '/api/v1/invoice-payments/checkout';

export interface PaymentRequest {
  readonly paymentId?: string | undefined;
  readonly invoiceId: string;
  readonly type: InvoicePaymentType;
  /** undefined: unchanged; null or "": no code. */
  readonly discountCode?: string | null | undefined;
  readonly accountId?: string | undefined;
  readonly someData?: string | undefined;
  /** A part payment, minor units (create only). */
  readonly amount?: number | undefined;
}

/** The invoice locked for a change, if the caller may act on it ("not found" otherwise). */
export async function invoiceForChange(tx: Repos, principal: Principal, invoiceId: string): Promise<Invoice> {
  const invoice = await lockInvoice(tx, invoiceId);
  if (!mayAct(principal, invoice)) throw new DomainError('not_found', `invoice ${invoiceId} not found`);
  return invoice;
}

/** The payment named by id, which must belong to the invoice ("not found" otherwise). */
export async function paymentOf(tx: Repos, invoice: Invoice, paymentId: string): Promise<InvoicePayment> {
  const payment = await tx.invoicePayments.get(paymentId);
  return found(payment?.invoiceId === invoice.id ? payment : undefined, 'payment', paymentId);
}

/** The public link of a payment's hosted page, or null when it is not a CHECKOUT payment. */
export function checkoutLink(deps: Pick<Deps, 'publicUrl'>, payment: InvoicePayment): string | null {
  return payment.type === 'CHECKOUT' && payment.sessionId ? hostedPageUrl(deps, payment.sessionId) : null;
}

/** The order and hosted session a CHECKOUT payment is paid through. */
async function openCheckout(deps: Deps, tx: Repos, invoice: Invoice, paymentId: string, amount: number) {
  const order = await createAmountOrder(deps, tx, {
    shopId: invoice.shopId, amount, currency: invoice.currency, customerId: invoice.customerId,
    metadata: { invoice_id: invoice.id, [INVOICE_PAYMENT_KEY]: paymentId },
  });
  // The redirect URLs name the session, so its id is drawn before the session is written.
  const sessionId = deps.ids.token('cs');
  const query = new URLSearchParams({ 'cko-payment-session-id': sessionId, 'cko-session-id': sessionId, 'cko-payment-id': paymentId });
  const base = `${deps.publicUrl}${CHECKOUT_RETURN_PATH}`;
  const session = await openCheckoutSession(deps, tx, order, {
    id: sessionId, successUrl: `${base}/success?${query}`, cancelUrl: `${base}/failure?${query}`,
  });
  return { orderId: order.id, sessionId: session.id };
}

/** A CHECKOUT payment whose order can no longer be paid (cancelled, its session over) is stale. */
async function checkoutGone(deps: Deps, tx: Repos, payment: InvoicePayment): Promise<boolean> {
  if (payment.type !== 'CHECKOUT' || payment.status !== 'open' || payment.orderId === null) return false;
  const order = await tx.orders.get(payment.orderId);
  const session = payment.sessionId ? await tx.checkoutSessions.get(payment.sessionId) : undefined;
  if (!order || order.status === 'cancelled') return true;
  return order.paymentStatus === 'unpaid' && (!session || session.status === 'expired' || session.expiresAt <= deps.clock.now());
}

/**
 * Returns the payment named by `paymentId`, or the unfinished one of this invoice and type, or creates
 * one (`created: true`). The amount is what is due after the discount, or the requested part. PLATFORM
 * needs `accountId` (an account of the invoice's shop and currency the caller may use).
 */
export async function createOrRetrievePayment(deps: Deps, principal: Principal, req: PaymentRequest): Promise<{ payment: InvoicePayment; created: boolean }> {
  return deps.store.tx(async (tx) => {
    const invoice = await invoiceForChange(tx, principal, req.invoiceId);
    if (req.paymentId !== undefined) return { payment: await paymentOf(tx, invoice, req.paymentId), created: false };
    const existing = await tx.invoicePayments.unfinished(invoice.id, req.type);
    if (existing && await checkoutGone(deps, tx, existing)) {
      await cancelPayment(deps, tx, existing, 'its checkout session ended', actorOf(principal));
    } else if (existing) {
      return { payment: existing, created: false };
    }
    if (req.type === 'PLATFORM' && !req.accountId) throw invalid('/accountId', 'is required for PLATFORM');
    const account = req.accountId && req.type === 'PLATFORM' ? await payingAccount(tx, principal, invoice, req.accountId) : null;
    const priced = await pricePayment(tx, invoice, req.discountCode || null, req.amount ?? null, deps.clock.now());
    const id = deps.ids.next('ipay');
    const checkout = req.type === 'CHECKOUT' ? await openCheckout(deps, tx, invoice, id, priced.amount) : null;
    const payment = await tx.invoicePayments.insert({
      id, invoiceId: invoice.id, type: req.type, status: 'open', amount: priced.amount, currency: invoice.currency,
      discountCode: priced.discountCode, discount: priced.discount, requestedAmount: req.amount ?? null,
      accountId: account?.id ?? null, someData: req.someData ?? null, externalData: null,
      orderId: checkout?.orderId ?? null, sessionId: checkout?.sessionId ?? null, paymentDate: null, failureReason: null,
    });
    return { payment, created: true };
  });
}

/**
 * Applies a change of type, discount code, account or someData to an open payment, re-pricing it on what
 * is due now. A CHECKOUT payment whose amount or type changes gets a new order and session (the old order
 * is cancelled). Switching to a type that already has an unfinished payment on the invoice is a `conflict`.
 */
export async function changePayment(deps: Deps, tx: Repos, principal: Principal, invoice: Invoice, payment: InvoicePayment, req: PaymentRequest): Promise<InvoicePayment> {
  if (payment.status !== 'open') throw new DomainError('invalid_transition', `payment ${payment.id} is ${payment.status}; only an open payment can be changed`);
  if (req.type !== payment.type && await tx.invoicePayments.unfinished(invoice.id, req.type)) {
    throw new DomainError('conflict', `invoice ${invoice.id} already has an unfinished ${req.type} payment`, [{ field: '/type', message: `already has an unfinished ${req.type} payment` }]);
  }
  const accountId = req.type !== 'PLATFORM' ? null : req.accountId ?? payment.accountId;
  if (accountId) await payingAccount(tx, principal, invoice, accountId);
  const code = req.discountCode === undefined ? payment.discountCode : req.discountCode || null;
  const priced = await pricePayment(tx, invoice, code, payment.requestedAmount, deps.clock.now());
  const actor = actorOf(principal);
  let checkout = { orderId: payment.orderId, sessionId: payment.sessionId };
  const reopen = req.type === 'CHECKOUT' && (payment.type !== 'CHECKOUT' || priced.amount !== payment.amount || payment.orderId === null);
  if (payment.orderId !== null && (req.type !== 'CHECKOUT' || reopen)) {
    await cancelCheckoutOrder(deps, tx, payment.orderId, `invoice payment ${payment.id} changed`, actor);
    checkout = { orderId: null, sessionId: null };
  }
  if (reopen) checkout = await openCheckout(deps, tx, invoice, payment.id, priced.amount);
  const changed = await tx.invoicePayments.updateIf(payment.id, ['open'], {
    type: req.type, amount: priced.amount, discountCode: priced.discountCode, discount: priced.discount, accountId,
    ...(req.someData !== undefined ? { someData: req.someData } : {}), ...checkout,
  });
  if (!changed) throw new DomainError('conflict', `payment ${payment.id} was changed concurrently; retry the request`);
  return (await tx.invoicePayments.get(payment.id))!;
}

/**
 * The invoice payments API's update. Without `paymentId`, the invoice's unfinished payment of `type` is updated, or
 * its only open payment when there is just one.
 */
export async function updatePayment(deps: Deps, principal: Principal, req: PaymentRequest): Promise<InvoicePayment> {
  return deps.store.tx(async (tx) => {
    const invoice = await invoiceForChange(tx, principal, req.invoiceId);
    let payment: InvoicePayment | undefined;
    if (req.paymentId !== undefined) payment = await paymentOf(tx, invoice, req.paymentId);
    else {
      const open = (await tx.invoicePayments.listByInvoice(invoice.id)).filter((p) => p.status === 'open');
      payment = open.find((p) => p.type === req.type) ?? (open.length === 1 ? open[0] : undefined);
      if (!payment && open.length > 1) throw invalid('/paymentId', 'is required: the invoice has several open payments');
    }
    return changePayment(deps, tx, principal, invoice, found(payment, 'open payment of invoice', invoice.id), req);
  });
}
