/**
 * An order for an amount rather than for catalog items: The payment orders API's orders (`order.cost`) and invoice
 * payments. It has no lines, so a paid one needs no fulfillment (`not_required`). The amount was already
 * validated against the currency's decimals at the edge.
 */
import { DomainError } from '../../domain/errors.js';
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { emit } from '../events.js';
import { orderJson } from '../representations.js';
import { currency as checkCurrency, found } from '../validate.js';

interface AmountOrderInput {
  readonly shopId: string;
  /** Minor units of `currency`, > 0. */
  readonly amount: number;
  readonly currency: string;
  readonly number?: string | null | undefined;
  readonly customerId?: string | null | undefined;
  readonly email?: string | null | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/** Creates the order inside the caller's transaction (so callers can attach sessions, payments, …). */
export async function createAmountOrder(deps: Pick<Deps, 'ids' | 'clock'>, tx: Repos, input: AmountOrderInput): Promise<Order> {
  const shop = found(await tx.shops.get(input.shopId), 'shop', input.shopId);
  const currency = checkCurrency(input.currency);
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new DomainError('invalid_amount', 'the amount must be greater than zero', [{ field: '/amount', message: 'must be greater than zero' }]);
  }
  const order = await tx.orders.insert({
    shopId: shop.id, customerId: input.customerId ?? null, number: input.number ?? null, currency,
    status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled',
    subtotal: input.amount, discount: 0, tax: 0, taxOverride: null, total: input.amount,
    promoCodeId: null, promoCode: null, country: null, email: input.email ?? null, metadata: input.metadata ?? {},
    placedAt: null, cancelledAt: null, releasedAt: null, statusMessage: null, processorReference: null, processorData: null,
  }, []);
  await emit(deps, tx, { type: 'order.created', shopId: shop.id, orderId: order.id, data: { order: orderJson(order) } });
  return order;
}
