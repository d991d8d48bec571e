/**
 * The payment orders API's order status and payment items, derived from the core order and its transactions (pure).
 * This is the one place that decides what a payment-order status means; docs/payment-orders.md draws it.
 */
import type { OrderStatus, PaymentStatus } from '../../domain/order.js';
import { deriveAmounts, derivePaymentStatus, type PaymentAmounts, type TransactionKind, type TransactionStatus } from '../../domain/payment.js';

export const PAYMENT_ORDER_STATUSES = [
  'in_progress', 'authorized', 'paid', 'completed', 'failed', 'expired', 'cancelled', 'voided', 'refunded', 'partially_refunded',
] as const;
export type PaymentOrderStatus = (typeof PAYMENT_ORDER_STATUSES)[number];

/** A payment transaction as the payment orders view needs it; amounts in minor units, times in epoch ms. */
export interface TxnFacts {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly amount: number;
  readonly parentId: string | null;
  readonly gatewayId: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface StatusFacts {
  readonly status: OrderStatus;
  readonly paymentStatus: PaymentStatus;
  /** Two-stage: an authorization waits for an explicit capture (`autoCapture: false`). */
  readonly twoStage: boolean;
  /** The order was closed at or after its payment deadline (it ran out of time, unpaid). */
  readonly timedOut: boolean;
  /** The order's last payment attempt (authorization) failed. */
  readonly lastAttemptFailed: boolean;
  /** Part of a succeeded authorization is neither captured nor voided yet. */
  readonly openAuthorization: boolean;
}

/**
 * The payment orders status. Money first: refunded, partially_refunded and voided say what happened to the money
 * whatever the order's status. Then: a cancelled order is `failed` when it ran out of time after a failed
 * attempt, `expired` when it ran out of time without one, else `cancelled` (closed through the native API);
 * an approved (cleared) order is `completed`; captured money with nothing left open is `paid`; an open
 * authorization is `authorized` on a two-stage order (also after a partial capture) and still `in_progress`
 * on a single-stage one, whose capture follows; anything else is `in_progress` (a declined attempt included:
 * the buyer may retry until the time limit).
 */
export function paymentOrderStatus(f: StatusFacts): PaymentOrderStatus {
  if (f.paymentStatus === 'refunded' || f.paymentStatus === 'partially_refunded' || f.paymentStatus === 'voided') return f.paymentStatus;
  if (f.status === 'cancelled') return f.timedOut ? (f.lastAttemptFailed ? 'failed' : 'expired') : 'cancelled';
  if (f.status === 'approved') return 'completed';
  if (f.paymentStatus === 'paid' || f.paymentStatus === 'partially_paid' || f.paymentStatus === 'free') return f.openAuthorization ? 'authorized' : 'paid';
  if (f.paymentStatus === 'authorized' || f.paymentStatus === 'partially_authorized') return f.twoStage ? 'authorized' : 'in_progress';
  return 'in_progress';
}

/** authorized − captured − voided: what is still held and may yet be captured or voided. */
export function openAmount(a: PaymentAmounts): number {
  return Math.max(0, a.authorized - a.captured - a.voided);
}

/** The facts about the transactions that `paymentOrderStatus` needs. */
export function transactionFacts(txns: readonly TxnFacts[]): Pick<StatusFacts, 'lastAttemptFailed' | 'openAuthorization'> {
  const attempts = txns.filter((t) => t.kind === 'authorization').sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return { lastAttemptFailed: attempts.at(-1)?.status === 'failed', openAuthorization: openAmount(deriveAmounts(txns)) > 0 };
}

type PaymentItemStatus =
  | 'pending' | 'failed' | 'authorized' | 'partially_captured' | 'captured' | 'voided' | 'refunded' | 'partially_refunded';

/** One buyer's payment attempt (an authorization) and what was done with it since; minor units. */
export interface PaymentItem {
  readonly id: string;
  readonly gatewayId: string | null;
  readonly amount: number;
  readonly status: PaymentItemStatus;
  readonly captured: number;
  readonly voided: number;
  readonly refunded: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: number;
  /** The latest change of the attempt or of its captures, voids and refunds. */
  readonly updatedAt: number;
}

const ITEM_STATUS: Partial<Record<PaymentStatus, PaymentItemStatus>> = {
  authorized: 'authorized', partially_authorized: 'authorized', paid: 'captured', voided: 'voided',
  refunded: 'refunded', partially_refunded: 'partially_refunded',
};

/** The order's payment attempts, oldest first, each with its captures, voids and refunds folded in. */
export function paymentItems(txns: readonly TxnFacts[]): PaymentItem[] {
  const byParent = new Map<string, TxnFacts[]>();
  for (const t of txns) if (t.parentId) byParent.set(t.parentId, [...(byParent.get(t.parentId) ?? []), t]);
  const descendants = (id: string): TxnFacts[] => (byParent.get(id) ?? []).flatMap((c) => [c, ...descendants(c.id)]);
  return txns.filter((t) => t.kind === 'authorization')
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map((auth) => {
      const family = [auth, ...descendants(auth.id)];
      const a = deriveAmounts(family);
      let status: PaymentItemStatus;
      if (auth.status !== 'succeeded') status = auth.status;
      else {
        const derived = derivePaymentStatus(auth.amount, a);
        status = derived === 'partially_paid' ? (openAmount(a) > 0 ? 'partially_captured' : 'captured') : ITEM_STATUS[derived] ?? 'authorized';
      }
      return {
        id: auth.id, gatewayId: auth.gatewayId, amount: auth.amount, status, captured: a.captured, voided: a.voided, refunded: a.refunded,
        errorCode: auth.errorCode, errorMessage: auth.errorMessage, createdAt: auth.createdAt,
        updatedAt: Math.max(...family.map((t) => t.updatedAt)),
      };
    });
}
