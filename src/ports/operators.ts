/**
 * The operators' dashboard: operators who sign in with an e-mail and a password, their sessions, and the
 * read-only queries the dashboard's pages need beyond what the API's repositories answer.
 */
import type { Page } from './common.js';
import type { Order } from './orders.js';

export interface Operator {
  readonly id: string;
  readonly email: string;
  /** scrypt (see the Hasher port); never shown. */
  readonly passwordHash: string;
  /** Who created the operator: `cli`, `operator:<id>` or `api_key:<id>`. */
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A signed-in browser: an operator's, or one signed in with an admin API key (`apiKeyId`). */
export interface OperatorSession {
  readonly id: string;
  /** SHA-256 hex of the cookie's token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly operatorId: string | null;
  readonly apiKeyId: string | null;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly revokedAt: number | null;
}

export interface OperatorRepo {
  /** False when an operator with this e-mail (case-insensitively) exists. */
  insert(operator: Operator): Promise<boolean>;
  get(id: string): Promise<Operator | undefined>;
  getByEmail(email: string): Promise<Operator | undefined>;
  list(): Promise<Operator[]>;
  count(): Promise<number>;
  insertSession(session: Omit<OperatorSession, 'revokedAt'>): Promise<void>;
  sessionByTokenHash(tokenHash: string): Promise<OperatorSession | undefined>;
  /** Records a request of the session (the idle clock restarts). */
  touchSession(id: string, at: number): Promise<void>;
  revokeSession(id: string, at: number): Promise<void>;
}

/** The orders list's search: every given condition must hold. */
export interface OrderSearch {
  /** An order id, the merchant's order number, or part of the buyer's e-mail. */
  readonly text?: string | undefined;
  readonly status?: string | undefined;
  readonly paymentStatus?: string | undefined;
  readonly fulfillmentStatus?: string | undefined;
  /** created_at ≥ from and < to (ms since the epoch). */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly customerId?: string | undefined;
}

/** Sums of succeeded payment transactions of one kind in one currency. */
export interface MoneyTotal {
  readonly currency: string;
  readonly count: number;
  readonly amount: number;
}

export interface DashboardRepo {
  /** Orders matching `search`, newest first; `before` is the id the previous page ended with. */
  searchOrders(search: OrderSearch, page: { limit: number; before?: number | undefined }): Promise<Page<Order>>;
  /** Succeeded transactions of `kind` (capture, refund…) updated in [from, to), per currency. */
  moneyTotals(kind: string, from: number, to: number): Promise<MoneyTotal[]>;
  /** Succeeded captures minus succeeded refunds per currency and UTC day (`YYYY-MM-DD`) in [from, to). */
  salesByDay(from: number, to: number): Promise<{ currency: string; day: string; amount: number }[]>;
  /** Payment transactions created in [from, to) by kind and status. */
  outcomes(from: number, to: number): Promise<{ kind: string; status: string; count: number }[]>;
  /** Payment transactions still pending that were created before `before`, oldest first. */
  stalePending(before: number, limit: number): Promise<{ id: string; orderId: number; kind: string; amount: number; currency: string; createdAt: number }[]>;
  /** Orders paid (or partially refunded) whose fulfillment has not happened, oldest first. */
  paidUnfulfilled(limit: number): Promise<Order[]>;
  /** E-mail jobs not sent: pending past `dueBefore`, or failed for good. */
  unsentEmails(dueBefore: number, limit: number): Promise<{ id: string; status: string; attempts: number; lastError: string | null; to: string; subject: string; createdAt: number }[]>;
}
