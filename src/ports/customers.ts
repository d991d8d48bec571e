/** Customers and the payment sources they saved. */
import type { New, Page, PageRequest, Patch } from './common.js';

export interface Customer {
  readonly id: string;
  readonly email: string;
  /** The platform's own id for this customer (its user id), unique, at most 255 characters; null when not given. */
  readonly externalId: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** A restricted account may sign in but may not buy (course checkout answers 403). */
  readonly restricted: boolean;
  readonly passwordHash: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A saved, reusable payment source of a customer (Commerce Layer external gateways customer token). */
export interface PaymentSourceRecord {
  readonly id: string;
  readonly customerId: string;
  readonly gatewayId: string;
  readonly customerToken: string;
  readonly token: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface CustomerRepo {
  insert(customer: New<Customer>): Promise<Customer>;
  update(id: string, patch: Patch<Customer>): Promise<Customer | undefined>;
  get(id: string): Promise<Customer | undefined>;
  /** Case-insensitive. */
  getByEmail(email: string): Promise<Customer | undefined>;
  /** Exact match. */
  getByExternalId(externalId: string): Promise<Customer | undefined>;
  list(filter: { email?: string | undefined; externalId?: string | undefined }, page: PageRequest): Promise<Page<Customer>>;
}

export interface PaymentSourceRepo {
  insert(source: Omit<PaymentSourceRecord, 'createdAt'>): Promise<PaymentSourceRecord>;
  get(id: string): Promise<PaymentSourceRecord | undefined>;
  listByCustomer(customerId: string): Promise<PaymentSourceRecord[]>;
}
