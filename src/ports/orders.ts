/** Orders, their lines, status history, notes and checkout sessions. */
import type { FulfillmentStatus, OrderStatus, PaymentStatus } from '../domain/order.js';
import type { New, Page, PageRequest, Patch } from './common.js';

export interface Order {
  readonly id: number;
  readonly shopId: string;
  readonly customerId: string | null;
  /** The merchant's own order number (payment orders `orderNumber`), unique per shop when given. */
  readonly number: string | null;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly paymentStatus: PaymentStatus;
  readonly fulfillmentStatus: FulfillmentStatus;
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  /** Tax set by an external checkout page (Skilljar-compatible purchases `tax_price_cents`); replaces the computed tax. */
  readonly taxOverride: number | null;
  readonly total: number;
  readonly promoCodeId: string | null;
  readonly promoCode: string | null;
  readonly country: string | null;
  readonly email: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly placedAt: number | null;
  readonly cancelledAt: number | null;
  /**
   * When a cancelled order, holding no money and with no payment in flight, gave back its promo code use
   * and redeemed seat code; null before that (an order cancelled during a payment keeps them until the
   * payment's money is released).
   */
  readonly releasedAt: number | null;
  /** Why the last payment attempt failed, shown to the buyer (Skilljar-compatible purchases `status_msg`). */
  readonly statusMessage: string | null;
  /** The processor's id for the payment made outside Paybridge (Skilljar-compatible purchases `payment_processor_order_id`). */
  readonly processorReference: string | null;
  /** What the external checkout sent about the payment (Skilljar-compatible purchases `payment_processor_response_data`). */
  readonly processorData: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Incremented by every update; guarded updates compare it to detect concurrent changes. */
  readonly version: number;
}

export interface OrderLine {
  readonly id: number;
  readonly orderId: number;
  readonly productId: number;
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  readonly total: number;
}

export type StatusAxis = 'status' | 'payment_status' | 'fulfillment_status';

/** One row of an order's append-only history: which axis moved, from what to what, and who moved it. */
export interface StatusChange {
  readonly id: string;
  readonly orderId: number;
  readonly axis: StatusAxis;
  readonly from: string;
  readonly to: string;
  /** `api_key:<id>`, `customer:<id>`, `gateway:<id>`, `system:<job>`. */
  readonly actor: string;
  readonly reason: string | null;
  readonly createdAt: number;
}

export interface CheckoutSession {
  readonly id: string;
  readonly orderId: number;
  readonly status: 'open' | 'complete' | 'expired';
  readonly successUrl: string | null;
  readonly cancelUrl: string | null;
  readonly expiresAt: number;
  /**
   * Opened through the native checkout-sessions API (`POST /api/v1/checkout-sessions`): only such sessions
   * announce `checkout_session.completed` / `checkout_session.expired`.
   */
  readonly native: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface OrderNote {
  readonly id: number;
  readonly orderId: number;
  readonly source: string;
  readonly body: unknown;
  readonly createdAt: number;
}

export interface OrderRepo {
  insert(order: Omit<New<Order>, 'id' | 'version'>, lines: readonly Omit<OrderLine, 'id' | 'orderId'>[]): Promise<Order>;
  get(id: number): Promise<Order | undefined>;
  /** Reads the order and, on PostgreSQL, locks its row until the transaction ends. */
  getForUpdate(id: number): Promise<Order | undefined>;
  lines(orderId: number): Promise<OrderLine[]>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest): Promise<Page<Order>>;
  /** Applies `patch` only if the stored version is `version`; bumps the version. False if it changed. */
  updateGuarded(id: number, version: number, patch: Patch<Omit<Order, 'version'>>): Promise<boolean>;
  /**
   * Rewrites the tax and total of some of an order's lines (minor units), e.g. after an external checkout
   * set the order's tax; the caller updates the order's totals in the same transaction so they still add up.
   */
  updateLineAmounts(lines: readonly Pick<OrderLine, 'id' | 'tax' | 'total'>[]): Promise<void>;
  /** Appends history rows, in this order. */
  addStatusChanges(changes: readonly StatusChange[]): Promise<void>;
  /** Orders of `customerId` that used the promo code and were not cancelled. */
  countWithPromo(promoCodeId: string, customerId: string): Promise<number>;
  history(orderId: number): Promise<StatusChange[]>;
}

export interface CheckoutSessionRepo {
  insert(session: Omit<CheckoutSession, 'createdAt' | 'updatedAt'>): Promise<CheckoutSession>;
  get(id: string): Promise<CheckoutSession | undefined>;
  /** Native sessions whose order belongs to `customerId`, newest first. */
  listByCustomer(customerId: string, page: PageRequest): Promise<Page<CheckoutSession>>;
  /** The newest session of an order. */
  latestForOrder(orderId: number): Promise<CheckoutSession | undefined>;
  /** Moves an `open` session to `status`; false when it was not open any more. */
  close(id: string, status: 'complete' | 'expired'): Promise<boolean>;
  /** Open sessions whose expiry has passed, oldest first, locked (SKIP LOCKED on PostgreSQL). */
  claimExpired(now: number, limit: number): Promise<CheckoutSession[]>;
}

export interface OrderNoteRepo {
  /** Appends a note (ids grow with insertion order) and returns it. */
  add(note: Omit<OrderNote, 'id'>): Promise<OrderNote>;
  list(orderId: number): Promise<OrderNote[]>;
}
