/**
 * The invoice payments API's inbound webhooks: the platform payment webhook (PLATFORM payments) and the external payment
 * webhook (EXTERNAL payments). The HTTP edge has verified the signature over the raw bytes with the shop's
 * secret (`webhookSecretFor`); here the webhook is recorded under its webhook id (a duplicate changes
 * nothing), checked against the payment (amount and currency must match it exactly), and applied:
 * processing, succeeded (money on the ledger, the invoice moves), failed or cancelled.
 *
 * Monotonic (DESIGN rule 5): a report that lags behind (`processing` for a finished payment, or the same
 * status again) is acknowledged and changes nothing; one that contradicts a finished payment
 * (`failed` for a succeeded one) is refused with `invalid_transition`.
 */
import { DomainError } from '../../domain/errors.js';
import { canTransition } from '../../domain/state-machine.js';
import { INVOICE_PAYMENT_STATUS_NEXT, type InvoicePaymentStatus, type InvoicePaymentType } from '../../domain/invoice.js';
import { formatMajor } from '../../domain/money.js';
import type { InvoicePayment } from '../../ports/invoices.js';
import type { Deps } from '../deps.js';
import { lockInvoice, succeedPayment } from './settle.js';

export type WebhookSource = 'platform' | 'external';

const TYPE_OF: Record<WebhookSource, InvoicePaymentType> = { platform: 'PLATFORM', external: 'EXTERNAL' };

/** A webhook's payload, read at the edge: the amount already in minor units of `currency`. */
export interface InvoiceWebhook {
  readonly paymentId: string;
  readonly invoiceId: string;
  readonly status: Exclude<InvoicePaymentStatus, 'open'>;
  readonly amount: number;
  readonly currency: string;
  /** Epoch milliseconds. */
  readonly paymentDate: number;
  readonly externalData?: string | undefined;
}

export interface WebhookOutcome {
  /** True when this webhook id was seen before: nothing was done. */
  readonly duplicate: boolean;
  /** True when the payment moved. */
  readonly changed: boolean;
  readonly payment: InvoicePayment;
}

/** The secret that signs webhooks about this payment: its invoice's shop's. Undefined when there is none. */
export async function webhookSecretFor(deps: Deps, paymentId: string): Promise<string | undefined> {
  const payment = await deps.store.invoicePayments.get(paymentId);
  const invoice = payment ? await deps.store.invoices.get(payment.invoiceId) : undefined;
  const shop = invoice ? await deps.store.shops.get(invoice.shopId) : undefined;
  return shop?.webhookSecret;
}

function checkMoney(payment: InvoicePayment, hook: InvoiceWebhook): void {
  if (hook.currency !== payment.currency) {
    throw new DomainError('currency_mismatch', `the payment is in ${payment.currency}, not ${hook.currency}`, [{ field: '/payload/currency', message: `must be ${payment.currency}` }]);
  }
  if (hook.amount !== payment.amount) {
    const expected = formatMajor({ amount: payment.amount, currency: payment.currency });
    const code = hook.amount > payment.amount ? 'amount_exceeds_due' : 'invalid_amount';
    throw new DomainError(code, `the amount does not match the payment's ${expected} ${payment.currency}`, [{ field: '/payload/amount', message: `must be ${expected}` }]);
  }
}

export async function handleInvoiceWebhook(
  deps: Deps, source: WebhookSource, webhookId: string, rawBody: string, hook: InvoiceWebhook,
): Promise<WebhookOutcome> {
  return deps.store.tx(async (tx) => {
    const fresh = await tx.inboundWebhooks.record({ source: `invoice-payments:${source}`, webhookId, body: rawBody, receivedAt: deps.clock.now() });
    const known = await tx.invoicePayments.get(hook.paymentId);
    if (!known || known.invoiceId !== hook.invoiceId) throw new DomainError('not_found', `payment ${hook.paymentId} of invoice ${hook.invoiceId} not found`);
    if (!fresh) return { duplicate: true, changed: false, payment: known };
    if (known.type !== TYPE_OF[source]) {
      throw new DomainError('validation_failed', `payment ${known.id} is a ${known.type} payment; this webhook reports ${TYPE_OF[source]} payments`, [{ field: '/payload/paymentId', message: `is a ${known.type} payment` }]);
    }
    checkMoney(known, hook);
    const invoice = await lockInvoice(tx, known.invoiceId);
    const payment = (await tx.invoicePayments.get(known.id))!;
    const stale = payment.status === hook.status || (hook.status === 'processing' && !canTransition(INVOICE_PAYMENT_STATUS_NEXT, payment.status, 'processing'));
    if (stale) return { duplicate: false, changed: false, payment };
    if (!canTransition(INVOICE_PAYMENT_STATUS_NEXT, payment.status, hook.status)) {
      throw new DomainError('invalid_transition', `payment ${payment.id} is ${payment.status}; it cannot become ${hook.status}`);
    }
    const externalData = hook.externalData !== undefined ? { externalData: hook.externalData } : {};
    if (hook.status === 'succeeded') {
      const done = await succeedPayment(deps, tx, invoice, payment, { paymentDate: hook.paymentDate, externalData: hook.externalData, actor: `webhook:${source}` });
      return { duplicate: false, changed: true, payment: done.payment };
    }
    const failure = hook.status === 'processing' ? {} : { failureReason: `reported ${hook.status} by the ${source} payment webhook` };
    await tx.invoicePayments.updateIf(payment.id, [payment.status], { status: hook.status, ...failure, ...externalData });
    return { duplicate: false, changed: true, payment: (await tx.invoicePayments.get(payment.id))! };
  });
}
