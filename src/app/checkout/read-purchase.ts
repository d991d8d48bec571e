/** Everything the purchases API's purchase view shows about an order, read in one place. */
import { PPM } from '../../domain/money.js';
import type { Shop } from '../../ports/catalog.js';
import type { Customer } from '../../ports/customers.js';
import type { Order, OrderLine } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { found } from '../validate.js';

export interface PurchaseRecord {
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly transactions: readonly PaymentTransaction[];
  readonly customer: Customer | null;
  readonly shop: Shop;
  /** Whole percent off of the promo or seat code used (seat codes: 100); 0 without one or for other kinds. */
  readonly promoPercentOff: number;
}

async function percentOff(deps: Deps, order: Order): Promise<number> {
  if (order.promoCodeId) {
    const promo = await deps.store.promoCodes.get(order.promoCodeId);
    return promo?.kind === 'percent_off' && promo.percentOffPpm !== null ? Math.round((promo.percentOffPpm * 100) / PPM) : 0;
  }
  if (order.promoCode) return (await deps.store.fulfillment.getSeatCode(order.promoCode)) ? 100 : 0;
  return 0;
}

/** The purchase with this id (an order id); `not_found` when there is none. */
export async function readPurchase(deps: Deps, orderId: number): Promise<PurchaseRecord> {
  const order = found(await deps.store.orders.get(orderId), 'purchase', orderId);
  const [lines, transactions, customer, shop, promoPercentOff] = await Promise.all([
    deps.store.orders.lines(order.id), deps.store.transactions.listByOrder(order.id),
    order.customerId ? deps.store.customers.get(order.customerId) : Promise.resolve(undefined),
    deps.store.shops.get(order.shopId), percentOff(deps, order),
  ]);
  return { order, lines, transactions, customer: customer ?? null, shop: shop!, promoPercentOff };
}
