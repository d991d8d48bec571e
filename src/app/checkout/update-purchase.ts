/**
 * The purchases API's purchase updates, as far as the purchase's state allows them: the external checkout page may
 * set the tax before payment (the totals are recomputed on the server), and may record a refund of a
 * payment it took itself. `price_cents` stays the server's: it can be confirmed, never set.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { deriveAmounts } from '../../domain/payment.js';
import { priceOrder } from '../../domain/pricing.js';
import type { Order } from '../../ports/orders.js';
import type { Deps } from '../deps.js';
import { moveOrder } from '../orders/move-order.js';
import { completeTransaction, startTransaction } from '../payments/transactions.js';
import { found, invalid } from '../validate.js';

interface TotalsUpdate {
  /** The tax in minor units, replacing the computed one; null goes back to the shop's tax rate. */
  readonly tax?: number | null | undefined;
  /** What the caller believes the total is; refused unless it is the server's total (after the tax change). */
  readonly total?: number | undefined;
}

/**
 * Sets the order's tax before any payment (`tax_override`) and re-prices it: each line keeps its subtotal
 * and discount, and the tax is shared across the lines by their taxable amount, as `priceOrder` does.
 * Sending the current tax again changes nothing. Refused with `validation_failed` naming the field when
 * a payment has started or the total does not match.
 */
export async function updatePurchaseTotals(deps: Deps, actor: string, orderId: number, update: TotalsUpdate): Promise<Order> {
  return deps.store.tx(async (tx) => {
    let order = found(await tx.orders.getForUpdate(orderId), 'purchase', orderId);
    const sameTax = update.tax === undefined || (update.tax === null ? order.taxOverride === null : update.tax === order.tax);
    if (!sameTax) {
      const pending = (await tx.transactions.listByOrder(order.id)).some((t) => t.status === 'pending');
      if (order.status === 'cancelled' || order.paymentStatus !== 'unpaid' || pending) {
        throw invalid('/tax_price_cents', 'can only change before the purchase is paid');
      }
      const lines = await tx.orders.lines(order.id);
      if (lines.length === 0) throw invalid('/tax_price_cents', 'cannot be set on a purchase without items');
      const rate = update.tax === null ? await tx.taxRates.find(order.shopId, order.country) : undefined;
      const repriced = unwrap(priceOrder({
        currency: order.currency,
        lines: lines.map((l) => ({ productId: l.productId, sku: l.sku, title: l.title, quantity: 1, unitAmount: l.subtotal - l.discount })),
        taxOverride: update.tax ?? null, taxRatePpm: rate?.ratePpm ?? null,
      }));
      const amounts = lines.map((l, i) => ({ id: l.id, tax: repriced.lines[i]!.tax, total: l.subtotal - l.discount + repriced.lines[i]!.tax }));
      await tx.orders.updateLineAmounts(amounts);
      order = await moveOrder(deps, tx, order, [], { actor, reason: 'tax set by the external checkout' }, {
        tax: repriced.tax, taxOverride: update.tax ?? null, total: order.subtotal - order.discount + repriced.tax,
      });
    }
    if (update.total !== undefined && update.total !== order.total) {
      throw invalid('/price_cents', `is computed by the server and cannot be changed: this purchase costs ${order.total}`);
    }
    return order;
  });
}

/**
 * Brings the refunded total of a purchase paid through the external checkout to `refundedTotal` (minor
 * units; null: everything that was paid), recording one refund transaction for the difference through the
 * normal intent → result path, already succeeded (the merchant refunded outside Paybridge). A full refund
 * revokes what the order granted. The same total again changes nothing. Refused when the payment went
 * through a Paybridge gateway (refund it there), when nothing was paid, or when the total would go down.
 */
export async function refundPurchase(deps: Deps, actor: string, orderId: number, refundedTotal: number | null): Promise<Order> {
  const order = found(await deps.store.orders.get(orderId), 'purchase', orderId);
  const txns = await deps.store.transactions.listByOrder(orderId);
  const capture = txns.filter((t) => t.kind === 'capture' && t.status === 'succeeded').at(-1);
  if (!capture) throw new DomainError('invalid_transition', `purchase ${orderId} has not been paid; cancel it instead`);
  if (capture.gatewayId !== null) {
    throw new DomainError('invalid_transition', `purchase ${orderId} was paid through a Paybridge gateway; refund it with POST /api/v1/orders/${orderId}/refunds`);
  }
  const amounts = deriveAmounts(txns);
  const target = refundedTotal ?? amounts.captured;
  if (target === amounts.refunded && amounts.pendingRefund === 0) return order;
  if (target < amounts.refunded) throw invalid('/refund_cents', `cannot go below what was already refunded (${amounts.refunded})`);
  if (target > amounts.captured) throw invalid('/refund_cents', `cannot exceed what was paid (${amounts.captured})`);
  const amount = target - amounts.refunded - amounts.pendingRefund;
  if (amount <= 0) throw new DomainError('conflict', `a refund of purchase ${orderId} is already in progress`);
  const intent = await startTransaction(deps, { orderId, kind: 'refund', amount, actor });
  const done = await completeTransaction(deps, intent, { outcome: 'succeeded', amount, processorToken: order.processorReference }, actor);
  return done.order;
}
