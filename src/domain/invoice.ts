import { DomainError, fail, ok, type Result } from './errors.js';
import { applyRate, money, multiply, sum } from './money.js';
import { transition, type TransitionTable } from './state-machine.js';

/**
 * An invoice's lifecycle. `open`: nothing paid yet; `partially_paid`: some of it paid; `paid`: nothing
 * left to pay (terminal); `void`: cancelled before any money came in (terminal); `overdue`: its due date
 * passed with money still due (set by the scheduler). All amounts here are minor units of one currency.
 */
export const INVOICE_STATUSES = ['open', 'partially_paid', 'paid', 'void', 'overdue'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * Allowed invoice moves. A payment on an overdue invoice that leaves money due keeps it overdue (it is
 * still late); only settling it in full moves it on, to paid. Void is only reachable while nothing was
 * paid: partially_paid never leads to void, and `voidInvoice` also refuses an overdue invoice with
 * payments on it.
 */
export const INVOICE_STATUS_NEXT: TransitionTable<InvoiceStatus> = {
  open: ['partially_paid', 'paid', 'void', 'overdue'],
  partially_paid: ['paid', 'overdue'],
  overdue: ['paid', 'void'],
  paid: [],
  void: [],
};

/** The ways an invoice payment is made (the invoice payments API's `type`). */
const INVOICE_PAYMENT_TYPES = ['PLATFORM', 'CHECKOUT', 'EXTERNAL'] as const;
export type InvoicePaymentType = (typeof INVOICE_PAYMENT_TYPES)[number];

/**
 * One attempt to pay (part of) an invoice. `open`: created, waiting for the payer; `processing`: the
 * payer acted and the money is on its way (an external system will report); `succeeded`: the money
 * arrived and counts against the invoice; `failed` and `cancelled`: it never will. The last three are terminal.
 */
export const INVOICE_PAYMENT_STATUSES = ['open', 'processing', 'succeeded', 'failed', 'cancelled'] as const;
export type InvoicePaymentStatus = (typeof INVOICE_PAYMENT_STATUSES)[number];

export const INVOICE_PAYMENT_STATUS_NEXT: TransitionTable<InvoicePaymentStatus> = {
  open: ['processing', 'succeeded', 'failed', 'cancelled'],
  processing: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** Payment statuses that are not final: at most one payment per invoice and type is in one of them. */
export const UNFINISHED_PAYMENT_STATUSES: readonly InvoicePaymentStatus[] = ['open', 'processing'];

/** The money of an invoice. Invariant: 0 ≤ amountPaid + amountDiscounted ≤ total. */
export interface InvoiceMoney {
  readonly status: InvoiceStatus;
  readonly currency: string;
  readonly total: number;
  readonly amountPaid: number;
  readonly amountDiscounted: number;
  /** Epoch milliseconds. */
  readonly dueAt: number;
}

/** One invoice line: quantity ≥ 1, unitAmount ≥ 0 minor units; amount = quantity × unitAmount. */
export interface InvoiceLineInput {
  readonly description: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

interface PricedInvoiceLine extends InvoiceLineInput {
  readonly amount: number;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('validation_failed', `${field.replace(/^\//, '').replaceAll('/', '.')} ${message}`, [{ field, message }]);
}

/**
 * Prices an invoice from its lines, or takes `amount` as the whole total (exactly one of the two).
 * Refused with `validation_failed` naming the field: both or neither given, no lines, a quantity below
 * 1, a negative or non-integer amount, a total of zero; `invalid_amount` when the total overflows.
 */
export function priceInvoice(
  currency: string, input: { readonly lines?: readonly InvoiceLineInput[] | undefined; readonly amount?: number | undefined },
): Result<{ lines: PricedInvoiceLine[]; total: number }> {
  try {
    if ((input.lines === undefined) === (input.amount === undefined)) return fail(invalid('/lines', 'or amount is required, not both'));
    if (input.amount !== undefined) {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0) return fail(invalid('/amount', 'must be a positive integer of minor units'));
      return ok({ lines: [], total: money(input.amount, currency).amount });
    }
    const lines = input.lines!;
    if (lines.length === 0) return fail(invalid('/lines', 'must contain at least one line'));
    const priced: PricedInvoiceLine[] = [];
    for (const [i, line] of lines.entries()) {
      if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) return fail(invalid(`/lines/${i}/quantity`, 'must be an integer of at least 1'));
      if (!Number.isSafeInteger(line.unitAmount) || line.unitAmount < 0) return fail(invalid(`/lines/${i}/unit_amount`, 'must be a non-negative integer of minor units'));
      priced.push({ ...line, amount: multiply(money(line.unitAmount, currency), line.quantity).amount });
    }
    const total = sum(priced.map((l) => money(l.amount, currency)), currency).amount;
    if (total <= 0) return fail(invalid('/lines', 'must add up to more than zero'));
    return ok({ lines: priced, total });
  } catch (error) {
    if (error instanceof DomainError) return fail(error);
    throw error;
  }
}

/** What is still to be paid: total − paid − discounted, minor units, never negative for a valid invoice. */
export function amountDue(invoice: Pick<InvoiceMoney, 'total' | 'amountPaid' | 'amountDiscounted'>): number {
  return invoice.total - invoice.amountPaid - invoice.amountDiscounted;
}

/** A discount code's effect on an invoice: a share of what is due (ppm), or a fixed amount off (minor units). */
type DiscountRule =
  | { readonly kind: 'percent_off'; readonly percentOffPpm: number }
  | { readonly kind: 'amount_off'; readonly amountOff: number };

/** The discount `rule` gives on `due` (minor units of `currency`): never more than `due`, never negative. */
export function discountOn(rule: DiscountRule, due: number, currency: string): number {
  const raw = rule.kind === 'percent_off' ? applyRate(money(due, currency), rule.percentOffPpm).amount : rule.amountOff;
  return Math.max(0, Math.min(raw, due));
}

/**
 * The amount a new payment asks for: all that is due after its discount, or `requested` (a part
 * payment) when given. Refused with `amount_exceeds_due` when `requested` is more than that, and with
 * `invalid_amount` when nothing is left to pay (the invoice is settled, or the discount covers it all).
 */
export function paymentAmount(due: number, discount: number, requested?: number | null): Result<number> {
  const payable = due - discount;
  if (payable <= 0) return fail(new DomainError('invalid_amount', 'nothing is left to pay on this invoice'));
  if (requested === undefined || requested === null) return ok(payable);
  if (requested > payable) {
    return fail(new DomainError('amount_exceeds_due', `the amount is more than the ${payable} minor units due`, [{ field: '/amount', message: 'is more than is due' }]));
  }
  return ok(requested);
}

/**
 * Applies a succeeded payment of `amount` with `discount` (minor units) to the invoice: the paid and
 * discounted amounts grow, and the status becomes paid when nothing is left, else partially_paid (an
 * overdue invoice stays overdue). Refused, never partly applied: `invalid_transition` for a void or
 * paid invoice, `amount_exceeds_due` when amount + discount is more than is due (an overpayment).
 */
export function applyPayment<I extends InvoiceMoney>(invoice: I, amount: number, discount: number): Result<I> {
  if (invoice.status === 'void') return fail(new DomainError('invalid_transition', 'the invoice is void; it takes no payments'));
  const due = amountDue(invoice);
  if (amount + discount > due || due === 0) {
    return fail(new DomainError('amount_exceeds_due', due === 0 ? 'the invoice is already paid' : `the payment is more than the ${due} minor units due`));
  }
  const left = due - amount - discount;
  const to: InvoiceStatus = left === 0 ? 'paid' : invoice.status === 'overdue' ? 'overdue' : 'partially_paid';
  const status = to === invoice.status ? ok(to) : transition(INVOICE_STATUS_NEXT, 'invoice status', invoice.status, to);
  if (!status.ok) return status;
  return ok({ ...invoice, status: status.value, amountPaid: invoice.amountPaid + amount, amountDiscounted: invoice.amountDiscounted + discount });
}

/** True when the invoice is past its due date with money still due and not yet marked overdue. */
function isOverdue(invoice: InvoiceMoney, now: number): boolean {
  return (invoice.status === 'open' || invoice.status === 'partially_paid') && invoice.dueAt <= now && amountDue(invoice) > 0;
}

/** Moves an overdue invoice (see `isOverdue`) to overdue; `invalid_transition` for any other. */
export function markOverdue<I extends InvoiceMoney>(invoice: I, now: number): Result<I> {
  if (!isOverdue(invoice, now)) return fail(new DomainError('invalid_transition', `the invoice is ${invoice.status} and not past due`));
  const moved = transition(INVOICE_STATUS_NEXT, 'invoice status', invoice.status, 'overdue');
  return moved.ok ? ok({ ...invoice, status: moved.value }) : moved;
}

/** Voids an invoice on which nothing was paid; `invalid_transition` otherwise (paid, partly paid, void). */
export function voidInvoice<I extends InvoiceMoney>(invoice: I): Result<I> {
  if (invoice.amountPaid > 0 || invoice.amountDiscounted > 0) {
    return fail(new DomainError('invalid_transition', 'an invoice with payments on it cannot be voided'));
  }
  const moved = transition(INVOICE_STATUS_NEXT, 'invoice status', invoice.status, 'void');
  return moved.ok ? ok({ ...invoice, status: moved.value }) : moved;
}
