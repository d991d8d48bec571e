/** The invoice payments API's representation of an invoice payment: camelCase, amounts as JSON numbers in major units, upper-case enums. */
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { checkoutLink } from '../../app/invoices/payments.js';
import { amountDue } from '../../domain/invoice.js';
import { toMajorNumber } from '../../domain/money.js';
import type { InvoicePayment } from '../../ports/invoices.js';
import { Nullable } from '../schemas.js';

const Major = (description: string) => Type.Number({ description: `${description}, major units` });
export const PaymentResponse = Type.Object({
  paymentId: Type.String(), invoiceId: Type.String(), type: Type.String(),
  status: Type.String({ description: 'OPEN | PROCESSING | SUCCEEDED | FAILED | CANCELLED' }),
  amount: Major('What this payment pays'), currency: Type.String(),
  discountCode: Nullable(Type.String()), discount: Major('The discount the code gives'),
  accountId: Nullable(Type.String()), someData: Nullable(Type.String()), externalData: Nullable(Type.String()),
  paymentDate: Nullable(Type.Number({ description: 'When the money moved, milliseconds since the Unix epoch' })),
  checkoutUrl: Nullable(Type.String({ description: 'CHECKOUT: the hosted checkout page' })),
  failureReason: Nullable(Type.String()),
  invoice: Type.Object({
    invoiceId: Type.String(), status: Type.String({ description: 'OPEN | PARTIALLY_PAID | PAID | VOID | OVERDUE' }), currency: Type.String(),
    total: Major('The invoice total'), amountPaid: Major('Paid so far'), amountDue: Major('Still due'),
  }),
}, { $id: 'InvoicePaymentCompatible' });

/** A payment in the specification's dialect, with its invoice as it stands now. */
export async function paymentView(deps: Deps, payment: InvoicePayment) {
  const invoice = (await deps.store.invoices.get(payment.invoiceId))!;
  const major = (amount: number) => toMajorNumber({ amount, currency: payment.currency });
  return {
    paymentId: payment.id, invoiceId: payment.invoiceId, type: payment.type, status: payment.status.toUpperCase(),
    amount: major(payment.amount), currency: payment.currency, discountCode: payment.discountCode, discount: major(payment.discount),
    accountId: payment.accountId, someData: payment.someData, externalData: payment.externalData, paymentDate: payment.paymentDate,
    checkoutUrl: checkoutLink(deps, payment), failureReason: payment.failureReason,
    invoice: {
      invoiceId: invoice.id, status: invoice.status.toUpperCase(), currency: invoice.currency,
      total: major(invoice.total), amountPaid: major(invoice.amountPaid), amountDue: major(amountDue(invoice)),
    },
  };
}

