/** Invoices, their lines and their payments. */
import type { InvoicePaymentStatus, InvoicePaymentType, InvoiceStatus } from '../domain/invoice.js';
import type { New, Page, PageRequest, Patch } from './common.js';

/**
 * An invoice a shop sends a customer. Amounts in minor units of `currency`; invariant
 * amountPaid + amountDiscounted ≤ total, and the status follows `domain/invoice.ts`.
 */
export interface Invoice {
  readonly id: string;
  readonly shopId: string;
  readonly customerId: string;
  /** The merchant's own invoice number, unique per shop when given. */
  readonly number: string | null;
  readonly description: string | null;
  readonly currency: string;
  readonly status: InvoiceStatus;
  readonly total: number;
  readonly amountPaid: number;
  /** Discounts granted by codes on succeeded payments. */
  readonly amountDiscounted: number;
  readonly dueAt: number;
  /** The shop's promo codes (upper-case) a payment of this invoice may apply, each at most once. */
  readonly discountCodes: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly paidAt: number | null;
  readonly voidedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Incremented by every update; guarded updates compare it. */
  readonly version: number;
}

export interface InvoiceLine {
  readonly id: number;
  readonly invoiceId: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly amount: number;
}

/** One attempt to pay (part of) an invoice, the invoice payments API's invoice payment. Amounts in minor units. */
export interface InvoicePayment {
  readonly id: string;
  readonly invoiceId: string;
  readonly type: InvoicePaymentType;
  readonly status: InvoicePaymentStatus;
  /** What the payer pays: the amount due after the discount at the time it was priced, or a part of it. */
  readonly amount: number;
  readonly currency: string;
  readonly discountCode: string | null;
  readonly discount: number;
  /** A part payment asked for at creation; null pays all that is due. */
  readonly requestedAmount: number | null;
  /** PLATFORM: the internal account that pays. */
  readonly accountId: string | null;
  readonly someData: string | null;
  readonly externalData: string | null;
  /** CHECKOUT: the amount-only order paid on the hosted page, and its checkout session. */
  readonly orderId: number | null;
  readonly sessionId: string | null;
  /** When the money moved, epoch milliseconds. */
  readonly paymentDate: number | null;
  readonly failureReason: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Invoices and their lines. */
export interface InvoiceRepo {
  insert(invoice: Omit<New<Invoice>, 'version'>, lines: readonly Omit<InvoiceLine, 'id' | 'invoiceId'>[]): Promise<Invoice>;
  get(id: string): Promise<Invoice | undefined>;
  /** Reads the invoice and, on PostgreSQL, locks its row until the transaction ends. */
  getForUpdate(id: string): Promise<Invoice | undefined>;
  lines(invoiceId: string): Promise<InvoiceLine[]>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined; status?: string | undefined }, page: PageRequest): Promise<Page<Invoice>>;
  /** Applies `patch` only if the stored version is `version`; bumps the version. False if it changed. */
  updateGuarded(id: string, version: number, patch: Patch<Omit<Invoice, 'version'>>): Promise<boolean>;
  /** Open or partially paid invoices due at or before `now`, earliest due first, locked (SKIP LOCKED on PostgreSQL). */
  claimPastDue(now: number, limit: number): Promise<Invoice[]>;
}

/** Invoice payments. At most one payment per (invoice, type) is unfinished (open or processing): a unique index holds it. */
export interface InvoicePaymentRepo {
  insert(payment: New<InvoicePayment>): Promise<InvoicePayment>;
  get(id: string): Promise<InvoicePayment | undefined>;
  /** The unfinished (open or processing) payment of this invoice and type. */
  unfinished(invoiceId: string, type: InvoicePaymentType): Promise<InvoicePayment | undefined>;
  listByInvoice(invoiceId: string): Promise<InvoicePayment[]>;
  /** Applies `patch` only while the status is one of `from`; false otherwise (someone else moved it). */
  updateIf(id: string, from: readonly InvoicePaymentStatus[], patch: Patch<InvoicePayment>): Promise<boolean>;
  /** Succeeded payments that applied `code` on invoices of `customerId`. */
  countDiscountUses(customerId: string, code: string): Promise<number>;
}
