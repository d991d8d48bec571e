/** The double-entry money ledger and the internal accounts whose balance lives on it. */
import type { Page, PageRequest } from './common.js';

export interface LedgerAccount {
  readonly id: string;
  /** Unique, human-meaningful: `merchant:<shop>:USD`, `processor:<gateway>:USD`, `customer:<id>:USD`. */
  readonly code: string;
  readonly currency: string;
  readonly mayGoNegative: boolean;
  /** Sum of all postings to the account, minor units. */
  readonly balance: number;
  readonly createdAt: number;
}

export interface LedgerPosting {
  readonly accountId: string;
  readonly amount: number;
}

export interface LedgerTransfer {
  readonly id: string;
  readonly currency: string;
  readonly kind: string;
  /** What caused it (a transaction id, a top-up id); unique per kind so a retry posts once. */
  readonly reference: string;
  readonly postings: readonly LedgerPosting[];
  readonly createdAt: number;
}

/** An internal account on the ledger, owned by a customer or an organisation, in one currency. */
export interface InternalAccount {
  readonly id: string;
  readonly shopId: string;
  readonly customerId: string | null;
  readonly organisation: string | null;
  readonly currency: string;
  /** Its ledger account (`account:<id>`), which may never go below zero. */
  readonly ledgerAccountId: string;
  readonly createdAt: number;
}

export interface LedgerRepo {
  /** Returns the account with this code, creating it (balance 0) when missing. */
  account(code: string, currency: string, mayGoNegative: boolean): Promise<LedgerAccount>;
  getAccount(id: string): Promise<LedgerAccount | undefined>;
  /**
   * Writes the transfer and moves every balance with a guarded update (an account that may not go
   * negative is only debited while its balance covers the posting). Returns false, having written
   * nothing, when a guard refused; the caller's transaction must then be rolled back or abandoned.
   * A transfer whose (kind, reference) already exists is not posted twice: returns true.
   */
  post(transfer: LedgerTransfer): Promise<boolean>;
  transfers(accountId: string, page: PageRequest): Promise<Page<LedgerTransfer & { amount: number; cursor: number }>>;
  /** Σ balances per currency — zero for every currency when the books balance. */
  totals(): Promise<Record<string, number>>;
}

/** Internal accounts; the balance lives on their ledger account. */
export interface InternalAccountRepo {
  /** Inserts; throws a unique violation (→ already_exists) when the owner already has an account in this shop and currency. */
  insert(account: Omit<InternalAccount, 'createdAt'>): Promise<InternalAccount>;
  get(id: string): Promise<InternalAccount | undefined>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest): Promise<Page<InternalAccount>>;
}
