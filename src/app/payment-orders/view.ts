/**
 * The payment order JSON (camelCase, amounts as decimal strings such as "56.00"): the one mapping from
 * the core order to the payment orders API's words, used by the API responses and by the order callbacks, so an order
 * reads the same in both. Built from a snapshot, because a callback shows the order as it was.
 */
import { formatMajor } from '../../domain/money.js';
import { deriveAmounts } from '../../domain/payment.js';
import type { CheckoutSession, Order } from '../../ports/orders.js';
import { hostedPageUrl } from '../checkout/sessions.js';
import type { Deps } from '../deps.js';
import { clearingDue } from './complete-cleared.js';
import { autoCaptureOf, captureWindowMs, KEY, timeLimitOf } from './order-settings.js';
import { paymentItems, paymentOrderStatus, transactionFacts, type PaymentOrderStatus, type TxnFacts } from './status.js';

export type OrderFields = Pick<Order,
  'id' | 'shopId' | 'customerId' | 'number' | 'currency' | 'total' | 'status' | 'paymentStatus' | 'email' | 'metadata'
  | 'cancelledAt' | 'createdAt' | 'updatedAt'>;

/** An order as it stood at one moment, with its session and the transactions known then. */
export interface OrderSnapshot {
  readonly order: OrderFields;
  readonly session: Pick<CheckoutSession, 'id' | 'successUrl' | 'cancelUrl' | 'expiresAt'> | null;
  readonly transactions: readonly TxnFacts[];
  /** The shop's capture setting, for orders created without `autoCapture`. */
  readonly shopAutoCapture: boolean;
  /** The shop's clearing period, days: the order completes this long after its last capture. */
  readonly clearingDays: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The payment orders status of a snapshot. */
export function snapshotStatus(s: OrderSnapshot): PaymentOrderStatus {
  const { order, session } = s;
  const timedOut = order.status === 'cancelled' && session !== null && order.cancelledAt !== null && order.cancelledAt >= session.expiresAt;
  return paymentOrderStatus({
    status: order.status, paymentStatus: order.paymentStatus, twoStage: !autoCaptureOf(order, { autoCapture: s.shopAutoCapture }),
    timedOut, ...transactionFacts(s.transactions),
  });
}

/**
 * When the open authorization of a two-stage order is voided unless captured: its first successful
 * authorization's time plus the capture window (epoch ms); null when nothing is open or it is single-stage.
 */
export function captureDeadline(s: Pick<OrderSnapshot, 'order' | 'transactions' | 'shopAutoCapture'>): number | null {
  if (autoCaptureOf(s.order, { autoCapture: s.shopAutoCapture }) || !transactionFacts(s.transactions).openAuthorization) return null;
  const authorized = s.transactions.filter((t) => t.kind === 'authorization' && t.status === 'succeeded').map((t) => t.updatedAt);
  return authorized.length === 0 ? null : Math.min(...authorized) + captureWindowMs(s.order);
}

/** The payment order JSON. */
export function paymentOrderJson(deps: Pick<Deps, 'publicUrl'>, s: OrderSnapshot) {
  const { order, session } = s;
  const m = order.metadata;
  const major = (amount: number) => formatMajor({ amount, currency: order.currency });
  const amounts = deriveAmounts(s.transactions);
  return {
    orderId: String(order.id),
    shopId: order.shopId,
    status: snapshotStatus(s),
    order: { orderNumber: order.number, description: m[KEY.description] ?? null, cost: { amount: major(order.total), currency: order.currency } },
    customer: {
      customerId: m[KEY.customerRef] ?? order.customerId, firstName: m[KEY.firstName] ?? null, lastName: m[KEY.lastName] ?? null,
      email: order.email, phone: m[KEY.phone] ?? null,
    },
    paymentSettings: {
      paymentMethod: m[KEY.paymentMethod] ?? null, autoCapture: autoCaptureOf(order, { autoCapture: s.shopAutoCapture }),
      timeLimit: timeLimitOf(order),
      redirectUrls: { success: session?.successUrl ?? null, failure: session?.cancelUrl ?? null },
      webhookUrl: m[KEY.webhookUrl] ?? null,
    },
    paymentLink: session ? hostedPageUrl(deps, session.id) : null,
    expiresAt: iso(session?.expiresAt ?? null),
    captureDeadline: iso(captureDeadline(s)),
    clearingDate: iso(clearingDue(order, s.transactions, s.clearingDays)),
    amounts: {
      authorized: major(amounts.authorized), captured: major(amounts.captured), voided: major(amounts.voided), refunded: major(amounts.refunded),
    },
    payments: paymentItems(s.transactions).map((p) => ({
      paymentId: p.id, paymentMethod: m[KEY.paymentMethod] ?? null, paymentType: m[KEY.paymentType] ?? 'card', gatewayId: p.gatewayId,
      amount: major(p.amount), currency: order.currency, status: p.status,
      capturedAmount: major(p.captured), voidedAmount: major(p.voided), refundedAmount: major(p.refunded),
      errorCode: p.errorCode, errorMessage: p.errorMessage, createdAt: iso(p.createdAt)!, updatedAt: iso(p.updatedAt)!,
    })),
    createdAt: iso(order.createdAt)!,
    updatedAt: iso(order.updatedAt)!,
  };
}

/** The snapshot of an order as it stands now. */
export async function currentSnapshot(deps: Pick<Deps, 'store'>, order: Order): Promise<OrderSnapshot> {
  const [session, txns, shop] = await Promise.all([
    deps.store.checkoutSessions.latestForOrder(order.id), deps.store.transactions.listByOrder(order.id), deps.store.shops.get(order.shopId),
  ]);
  return {
    order, session: session ?? null, transactions: txns.filter((t) => t.kind !== 'token'), shopAutoCapture: shop?.autoCapture ?? true,
    clearingDays: shop?.clearingDays ?? 1,
  };
}
