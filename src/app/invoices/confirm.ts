/**
 * The invoice payments API's confirm. PLATFORM: the money moves from the internal account to the merchant on the ledger
 * and the payment succeeds, atomically (all or nothing; `insufficient_funds` when the balance does not
 * cover it, even under concurrent confirms). EXTERNAL: `someData` is stored and the payment is
 * `processing` until the external webhook reports. CHECKOUT: the hosted page pays it; confirm answers
 * with where it stands. Confirming a succeeded payment again returns it unchanged.
 */
import { DomainError } from '../../domain/errors.js';
import { amountDue } from '../../domain/invoice.js';
import type { InvoicePayment } from '../../ports/invoices.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { changePayment, invoiceForChange, paymentOf, type PaymentRequest } from './payments.js';
import { succeedPayment } from './settle.js';

export async function confirmPayment(deps: Deps, principal: Principal, req: PaymentRequest & { paymentId: string }): Promise<InvoicePayment> {
  return deps.store.tx(async (tx) => {
    const invoice = await invoiceForChange(tx, principal, req.invoiceId);
    let payment = await paymentOf(tx, invoice, req.paymentId);
    if (req.type !== payment.type) {
      throw new DomainError('validation_failed', `payment ${payment.id} is a ${payment.type} payment; update it to change its type`, [{ field: '/type', message: `is ${payment.type} for this payment` }]);
    }
    if (payment.status === 'succeeded' || (payment.status === 'processing' && payment.type !== 'PLATFORM')) return payment;
    if (invoice.status === 'void') throw new DomainError('invalid_transition', `invoice ${invoice.id} is void; it takes no payments`);
    if (amountDue(invoice) === 0) throw new DomainError('amount_exceeds_due', `invoice ${invoice.id} is already paid`);
    if (payment.status !== 'open' && payment.status !== 'processing') {
      throw new DomainError('invalid_transition', `payment ${payment.id} is ${payment.status}; create a new payment`);
    }
    const changes = req.discountCode !== undefined || req.someData !== undefined || (req.accountId !== undefined && req.accountId !== payment.accountId);
    if (changes && payment.status === 'open') payment = await changePayment(deps, tx, principal, invoice, payment, req);
    switch (payment.type) {
      case 'PLATFORM':
        if (!payment.accountId) throw new DomainError('validation_failed', 'accountId is required for PLATFORM', [{ field: '/accountId', message: 'is required for PLATFORM' }]);
        return (await succeedPayment(deps, tx, invoice, payment, { actor: actorOf(principal) })).payment;
      case 'EXTERNAL':
        await tx.invoicePayments.updateIf(payment.id, ['open'], { status: 'processing' });
        return (await tx.invoicePayments.get(payment.id))!;
      case 'CHECKOUT':
        return payment;
    }
  });
}
