/**
 * Invoices through the native API: create (from lines or one amount, minor units), read (a customer only
 * its own), list, void. Payments are in `payments.ts`, `confirm.ts` and `webhooks.ts`.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { priceInvoice, voidInvoice as voidInDomain, type InvoiceLineInput } from '../../domain/invoice.js';
import type { Page, PageRequest } from '../../ports/common.js';
import type { Invoice, InvoiceLine } from '../../ports/invoices.js';
import type { Repos } from '../../ports/store.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { emit } from '../events.js';
import { currency as checkCurrency, found, invalid } from '../validate.js';
import { invoiceJson } from './json.js';
import { cancelPayment, lockInvoice } from './settle.js';

interface CreateInvoiceInput {
  readonly shopId: string;
  readonly customerId: string;
  /** Default: the shop's currency. */
  readonly currency?: string | undefined;
  readonly lines?: readonly InvoiceLineInput[] | undefined;
  /** Minor units; instead of lines. */
  readonly amount?: number | undefined;
  /** Epoch milliseconds. */
  readonly dueAt: number;
  readonly discountCodes?: readonly string[] | undefined;
  readonly number?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * Checks the codes an invoice allows: promo codes of its shop, active, percent_off or amount_off (an
 * amount_off in the invoice's currency), for no single product. Returns them upper-case, without repeats.
 */
async function allowedCodes(tx: Repos, shopId: string, currency: string, codes: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, raw] of codes.entries()) {
    const promo = await tx.promoCodes.getByCode(shopId, raw);
    const field = `/discount_codes/${i}`;
    const refuse = (why: string) => new DomainError('promo_code_invalid', `promo code ${raw.toUpperCase()} ${why}`, [{ field, message: why }]);
    if (!promo || !promo.active) throw refuse('does not exist');
    if (promo.kind === 'price_override') throw refuse('is a price override; an invoice takes percent_off or amount_off codes');
    if (promo.productId !== null) throw refuse('is restricted to a product');
    if (promo.kind === 'amount_off' && promo.currency !== currency) throw refuse(`is for ${promo.currency} amounts`);
    if (!out.includes(promo.code)) out.push(promo.code);
  }
  return out;
}

export async function createInvoice(deps: Deps, input: CreateInvoiceInput): Promise<{ invoice: Invoice; lines: InvoiceLine[] }> {
  if (!Number.isSafeInteger(input.dueAt)) throw invalid('/due_at', 'is not a valid time');
  return deps.store.tx(async (tx) => {
    const shop = found(await tx.shops.get(input.shopId), 'shop', input.shopId);
    if (!(await tx.customers.get(input.customerId))) throw invalid('/customer_id', 'is not a customer');
    const currency = checkCurrency(input.currency ?? shop.currency);
    const priced = unwrap(priceInvoice(currency, { lines: input.lines, amount: input.amount }));
    const codes = await allowedCodes(tx, shop.id, currency, input.discountCodes ?? []);
    const invoice = await tx.invoices.insert({
      id: deps.ids.next('inv'), shopId: shop.id, customerId: input.customerId, number: input.number ?? null,
      description: input.description ?? null, currency, status: 'open', total: priced.total, amountPaid: 0, amountDiscounted: 0,
      dueAt: input.dueAt, discountCodes: codes, metadata: input.metadata ?? {}, paidAt: null, voidedAt: null,
    }, priced.lines);
    const lines = await tx.invoices.lines(invoice.id);
    await emit(deps, tx, { type: 'invoice.created', shopId: shop.id, data: { invoice: invoiceJson(invoice, lines) } });
    return { invoice, lines };
  });
}

/** True when the caller may see and pay the invoice: platform callers always, a customer its own. */
export function mayAct(principal: Principal, invoice: Invoice): boolean {
  return principal.role !== 'customer' || invoice.customerId === principal.customerId;
}

/** The invoice, if the caller may see it ("not found" otherwise, as if it did not exist). */
export async function visibleInvoice(repos: Repos, principal: Principal, id: string): Promise<Invoice> {
  const invoice = await repos.invoices.get(id);
  return found(invoice && mayAct(principal, invoice) ? invoice : undefined, 'invoice', id);
}

export async function listInvoices(
  deps: Deps, principal: Principal,
  filter: { shopId?: string | undefined; customerId?: string | undefined; status?: string | undefined }, page: PageRequest,
): Promise<Page<Invoice>> {
  const customerId = principal.role === 'customer' ? principal.customerId : filter.customerId;
  return deps.store.invoices.list({ ...filter, customerId }, page);
}

/**
 * Voids an invoice on which nothing was paid; its unfinished payments are cancelled (a CHECKOUT
 * payment's order too, so its hosted page can no longer take money). Voiding a void invoice is a no-op.
 */
export async function voidInvoice(deps: Deps, principal: Principal, id: string): Promise<Invoice> {
  return deps.store.tx(async (tx) => {
    const invoice = await lockInvoice(tx, id);
    if (!mayAct(principal, invoice)) throw new DomainError('not_found', `invoice ${id} not found`);
    if (invoice.status === 'void') return invoice;
    const voided = unwrap(voidInDomain(invoice));
    const now = deps.clock.now();
    if (!(await tx.invoices.updateGuarded(id, invoice.version, { status: voided.status, voidedAt: now }))) {
      throw new DomainError('conflict', `invoice ${id} was changed concurrently; retry the request`);
    }
    const actor = actorOf(principal);
    for (const payment of await tx.invoicePayments.listByInvoice(id)) {
      await cancelPayment(deps, tx, payment, 'the invoice was voided', actor);
    }
    const after = (await tx.invoices.get(id))!;
    await emit(deps, tx, { type: 'invoice.voided', shopId: invoice.shopId, data: { invoice: invoiceJson(after, await tx.invoices.lines(id)) } });
    return after;
  });
}
