/**
 * Discount codes on invoice payments. An invoice lists the shop's promo codes it allows; a payment applies
 * one of them to what is still due when the payment is priced. A code counts at most once per invoice
 * (and once per customer across invoices when the promo code says so); its use is counted when the
 * payment succeeds.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { amountDue, discountOn, paymentAmount } from '../../domain/invoice.js';
import type { Invoice } from '../../ports/invoices.js';
import type { Repos } from '../../ports/store.js';

/** What a payment asks for: minor units of the invoice's currency. */
interface PricedPayment {
  readonly discountCode: string | null;
  readonly discount: number;
  readonly amount: number;
}

async function discountFor(tx: Repos, invoice: Invoice, code: string, due: number, now: number): Promise<{ code: string; discount: number }> {
  const upper = code.toUpperCase();
  const refuse = (why: string) => new DomainError('promo_code_invalid', `discount code ${upper} ${why}`, [{ field: '/discountCode', message: why }]);
  if (!invoice.discountCodes.includes(upper)) throw refuse('is not allowed on this invoice');
  const promo = await tx.promoCodes.getByCode(invoice.shopId, upper);
  if (!promo || !promo.active || promo.kind === 'price_override') throw refuse('does not exist');
  if (promo.expiresAt !== null && promo.expiresAt <= now) throw refuse('has expired');
  if (promo.usageLimit !== null && promo.timesUsed >= promo.usageLimit) throw refuse('has been used up');
  const applied = (await tx.invoicePayments.listByInvoice(invoice.id)).some((p) => p.status === 'succeeded' && p.discountCode === upper);
  if (applied) throw refuse('was already applied to this invoice');
  if (promo.oncePerCustomer && await tx.invoicePayments.countDiscountUses(invoice.customerId, upper) > 0) {
    throw refuse('was already used by this customer');
  }
  const rule = promo.kind === 'percent_off'
    ? { kind: 'percent_off' as const, percentOffPpm: promo.percentOffPpm! }
    : { kind: 'amount_off' as const, amountOff: promo.amount! };
  return { code: upper, discount: discountOn(rule, due, invoice.currency) };
}

/**
 * Prices a payment of the invoice now: the discount of `code` (none when null) on what is due, and the
 * amount to pay — all that is left after the discount, or `requested` minor units (a part payment).
 * Refused with `promo_code_invalid`, `amount_exceeds_due`, or `invalid_amount` when nothing is left to pay.
 */
export async function pricePayment(
  tx: Repos, invoice: Invoice, code: string | null, requested: number | null, now: number,
): Promise<PricedPayment> {
  if (invoice.status === 'void') throw new DomainError('invalid_transition', `invoice ${invoice.id} is void; it takes no payments`);
  const due = amountDue(invoice);
  if (due === 0) throw new DomainError('amount_exceeds_due', `invoice ${invoice.id} is already paid`);
  const discount = code ? await discountFor(tx, invoice, code, due, now) : { code: null, discount: 0 };
  const amount = unwrap(paymentAmount(due, discount.discount, requested));
  return { discountCode: discount.code, discount: discount.discount, amount };
}
