/**
 * Pieces every area's records and repositories share: pages of a list, and the shapes of an insert and a patch.
 *
 * The records (one file per area: access, catalog, customers, orders, fulfillment, payments, gateways, ledger,
 * events, invoices) the Store reads and writes. Amounts are integer minor units of the record's currency;
 * times are milliseconds since the Unix epoch (from the Clock port); ids are strings from the Ids port,
 * except products and orders, whose ids are integers because course checkout exposes them as JSON numbers.
 */

/** A page of a list, ordered by id ascending. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

export interface PageRequest {
  /** 1–100. */
  readonly limit: number;
  /** Return items whose id is greater than this one. */
  readonly after?: string | number | undefined;
}

export type New<T> = Omit<T, 'createdAt' | 'updatedAt'>;

export type Patch<T> = Partial<Omit<T, 'id' | 'createdAt' | 'updatedAt'>>;
