/**
 * Internal accounts: money a customer or an organisation holds with a shop, in one currency, kept on the
 * double-entry ledger (DESIGN rule 7). An admin top-up moves money from the shop's funding account (which
 * may go negative: it mirrors money received outside Paybridge) to the account; a PLATFORM invoice payment
 * moves it from the account to the merchant. The account's ledger row may never go below zero: the
 * ledger's guarded update refuses the debit, so concurrent payments can never overdraw it together.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { transfer } from '../../domain/ledger.js';
import { formatMajor } from '../../domain/money.js';
import type { Page, PageRequest } from '../../ports/common.js';
import type { InternalAccount, LedgerTransfer } from '../../ports/ledger.js';
import type { Repos } from '../../ports/store.js';
import type { Deps, Principal } from '../deps.js';
import { merchantAccount } from '../payments/ledger-postings.js';
import { currency as checkCurrency, found, invalid } from '../validate.js';

/** The ledger code of an internal account. */
const accountLedgerCode = (accountId: string) => `account:${accountId}`;
/** Where top-ups come from: money the shop received outside Paybridge (cash, bank transfer). */
const fundingAccount = (shopId: string, currency: string) => `funding:${shopId}:${currency}`;

/** An account with its balance, minor units of its currency. */
export interface AccountWithBalance {
  readonly account: InternalAccount;
  readonly balance: number;
}

interface CreateAccountInput {
  readonly shopId: string;
  readonly currency: string;
  readonly customerId?: string | null | undefined;
  readonly organisation?: string | null | undefined;
}

async function withBalance(tx: Repos, account: InternalAccount): Promise<AccountWithBalance> {
  const ledger = await tx.ledger.getAccount(account.ledgerAccountId);
  return { account, balance: ledger?.balance ?? 0 };
}

/** Opens an account (balance 0). One per owner, shop and currency: a second is `already_exists`. */
export async function createAccount(deps: Deps, input: CreateAccountInput): Promise<AccountWithBalance> {
  const owners = [input.customerId, input.organisation].filter((x) => x !== undefined && x !== null);
  if (owners.length !== 1) throw invalid('/customer_id', 'or organisation is required, not both');
  const currency = checkCurrency(input.currency);
  return deps.store.tx(async (tx) => {
    found(await tx.shops.get(input.shopId), 'shop', input.shopId);
    if (input.customerId && !(await tx.customers.get(input.customerId))) throw invalid('/customer_id', 'is not a customer');
    const id = deps.ids.next('acc');
    const ledger = await tx.ledger.account(accountLedgerCode(id), currency, false);
    const account = await tx.internalAccounts.insert({
      id, shopId: input.shopId, customerId: input.customerId ?? null, organisation: input.organisation ?? null,
      currency, ledgerAccountId: ledger.id,
    });
    return { account, balance: 0 };
  });
}

/** The account, if the caller may see it: platform callers see all, a customer only its own ("not found" otherwise). */
async function visibleAccount(repos: Repos, principal: Principal, id: string): Promise<InternalAccount> {
  const account = await repos.internalAccounts.get(id);
  const mine = account && (principal.role !== 'customer' || account.customerId === principal.customerId);
  return found(mine ? account : undefined, 'account', id);
}

export async function getAccount(deps: Deps, principal: Principal, id: string): Promise<AccountWithBalance> {
  return withBalance(deps.store, await visibleAccount(deps.store, principal, id));
}

export async function listAccounts(
  deps: Deps, principal: Principal, filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest,
): Promise<Page<AccountWithBalance>> {
  const customerId = principal.role === 'customer' ? principal.customerId : filter.customerId;
  const result = await deps.store.internalAccounts.list({ shopId: filter.shopId, customerId }, page);
  return { hasMore: result.hasMore, items: await Promise.all(result.items.map((a) => withBalance(deps.store, a))) };
}

/** One line of a statement: a transfer as seen from the account (a positive amount credits it). */
export type StatementLine = Omit<LedgerTransfer, 'postings'> & { readonly amount: number; readonly cursor: number };

/** The account's ledger postings, oldest first, paginated by posting. */
export async function accountStatement(deps: Deps, principal: Principal, id: string, page: PageRequest): Promise<Page<StatementLine>> {
  const account = await visibleAccount(deps.store, principal, id);
  const result = await deps.store.ledger.transfers(account.ledgerAccountId, page);
  return { hasMore: result.hasMore, items: result.items.map(({ postings: _postings, ...line }) => line) };
}

/**
 * Credits `amount` minor units to the account from the shop's funding account. Idempotent per
 * (account, reference): a repeated top-up with the same reference is posted once.
 */
export async function topUp(deps: Deps, id: string, input: { amount: number; reference: string }): Promise<AccountWithBalance> {
  return deps.store.tx(async (tx) => {
    const account = found(await tx.internalAccounts.get(id), 'account', id);
    const funding = await tx.ledger.account(fundingAccount(account.shopId, account.currency), account.currency, true);
    const t = unwrap(transfer('top_up', funding.id, account.ledgerAccountId, { amount: input.amount, currency: account.currency }));
    await tx.ledger.post({
      id: deps.ids.next('tr'), currency: t.currency, kind: t.kind, reference: `${account.id}:${input.reference}`,
      postings: t.postings, createdAt: deps.clock.now(),
    });
    return withBalance(tx, account);
  });
}

/**
 * The account a PLATFORM payment of an invoice (in `shopId` and `currency`) is taken from. "Not found"
 * for an account the caller may not see; `validation_failed` / `currency_mismatch` naming `field` when it
 * belongs to another shop or holds another currency.
 */
export async function payingAccount(
  tx: Repos, principal: Principal, invoice: { shopId: string; currency: string }, accountId: string, field = '/accountId',
): Promise<InternalAccount> {
  const account = await visibleAccount(tx, principal, accountId);
  if (account.shopId !== invoice.shopId) throw invalid(field, 'is an account of another shop');
  if (account.currency !== invoice.currency) {
    throw new DomainError('currency_mismatch', `account ${account.id} holds ${account.currency}, the invoice is in ${invoice.currency}`, [{ field, message: `holds ${account.currency}, not ${invoice.currency}` }]);
  }
  return account;
}

/**
 * Moves `amount` minor units from the account to the shop's merchant account, once per `reference`, inside
 * the caller's transaction. Throws `insufficient_funds` when the balance does not cover it (the ledger
 * wrote nothing; the caller's transaction is rolled back by the throw).
 */
export async function payFromAccount(
  deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, account: InternalAccount, amount: number, reference: string,
): Promise<void> {
  const merchant = await tx.ledger.account(merchantAccount(account.shopId, account.currency), account.currency, true);
  const t = unwrap(transfer('invoice_payment', account.ledgerAccountId, merchant.id, { amount, currency: account.currency }));
  const posted = await tx.ledger.post({
    id: deps.ids.next('tr'), currency: t.currency, kind: t.kind, reference, postings: t.postings, createdAt: deps.clock.now(),
  });
  if (!posted) {
    const need = formatMajor({ amount, currency: account.currency });
    throw new DomainError('insufficient_funds', `account ${account.id} does not hold the ${need} ${account.currency} to pay`, [{ field: '/accountId', message: 'has insufficient funds' }]);
  }
}
