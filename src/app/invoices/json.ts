/**
 * The native JSON (snake_case, minor units, ISO times) of invoices and invoice payments: one function each,
 * so an invoice reads the same in an API response and in a webhook event.
 */
import { amountDue } from '../../domain/invoice.js';
import type { Invoice, InvoiceLine, InvoicePayment } from '../../ports/invoices.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function invoiceLineJson(l: InvoiceLine) {
  return { description: l.description, quantity: l.quantity, unit_amount: l.unitAmount, amount: l.amount };
}

export function invoiceJson(i: Invoice, lines: readonly InvoiceLine[] = []) {
  return {
    id: i.id, object: 'invoice' as const, shop_id: i.shopId, customer_id: i.customerId, number: i.number,
    description: i.description, currency: i.currency, status: i.status, lines: lines.map(invoiceLineJson), total: i.total,
    amount_paid: i.amountPaid, amount_discounted: i.amountDiscounted, amount_due: amountDue(i), due_at: iso(i.dueAt)!,
    discount_codes: [...i.discountCodes], metadata: i.metadata, paid_at: iso(i.paidAt), voided_at: iso(i.voidedAt),
    created_at: iso(i.createdAt)!, updated_at: iso(i.updatedAt)!,
  };
}

export function invoicePaymentJson(p: InvoicePayment) {
  return {
    id: p.id, object: 'invoice_payment' as const, invoice_id: p.invoiceId, type: p.type, status: p.status, amount: p.amount,
    currency: p.currency, discount_code: p.discountCode, discount: p.discount, account_id: p.accountId, order_id: p.orderId,
    some_data: p.someData, external_data: p.externalData, payment_date: iso(p.paymentDate), failure_reason: p.failureReason,
    created_at: iso(p.createdAt)!, updated_at: iso(p.updatedAt)!,
  };
}
