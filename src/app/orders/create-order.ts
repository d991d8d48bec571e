/**
 * Creates a `pending` order from product ids and quantities. Every amount comes from the catalog, the
 * promo code and the shop's tax rates (DESIGN rule 2): nothing the client sends is a price.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { priceOrder, type OrderTotals, type PromoRule } from '../../domain/pricing.js';
import type { Product, Shop } from '../../ports/catalog.js';
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { settleOrder } from '../payments/settle-order.js';
import { emit } from '../events.js';
import { orderJson } from '../representations.js';
import { country as checkCountry, emailAddress, found, invalid } from '../validate.js';
import { discountFor, promoFields, redeemSeat, refuseOwned } from './purchase-rules.js';

export interface CreateOrderInput {
  readonly shopId: string;
  readonly customerId: string | null;
  readonly lines: readonly { readonly productId: number; readonly quantity: number }[];
  readonly promoCode?: string | null | undefined;
  readonly country?: string | null | undefined;
  readonly email?: string | null | undefined;
  readonly number?: string | null | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
  /** Who the customer is to the caller, in a refusal: "you" (the customer itself), or "customer cus_…". */
  readonly ownerName?: string | undefined;
}

async function loadPricedProducts(tx: Repos, shop: Shop, lines: CreateOrderInput['lines']): Promise<Product[]> {
  if (lines.length === 0) throw invalid('/lines', 'must contain at least one item');
  const products = await tx.products.getMany(lines.map((l) => l.productId));
  return lines.map((line, i) => {
    const product = products.find((p) => p.id === line.productId);
    if (!product || product.shopId !== shop.id) throw invalid(`/lines/${i}/product_id`, `: product ${line.productId} does not exist`);
    if (!product.active || !product.prices.some((p) => p.currency === shop.currency)) {
      throw new DomainError('product_unavailable', `product ${product.id} is not available for sale`, [{ field: `/lines/${i}/product_id`, message: 'is not available' }]);
    }
    return product;
  });
}

/** The catalog price of `product` in `currency` (minor units); the caller checked it has one. */
function catalogPrice(product: Product, currency: string): number {
  return product.prices.find((price) => price.currency === currency)!.amount;
}

/**
 * The one pricing path of orders made from the catalog: catalog unit prices in the shop's currency, the
 * promo rule, and the shop's tax rate for `country` (its default rate when none matches). Minor units.
 */
export async function priceItems(
  tx: Repos, shop: Shop, items: readonly { readonly product: Product; readonly quantity: number }[],
  promo: PromoRule | null, country: string | null,
): Promise<OrderTotals> {
  const taxRate = await tx.taxRates.find(shop.id, country);
  return unwrap(priceOrder({
    currency: shop.currency,
    lines: items.map(({ product, quantity }) => ({
      productId: product.id, sku: product.sku, title: product.title, quantity, unitAmount: catalogPrice(product, shop.currency),
    })),
    promo,
    taxRatePpm: taxRate?.ratePpm ?? null,
  }));
}

interface PricedOrderFields {
  readonly customerId: string | null;
  readonly country: string | null;
  readonly promoCodeId: string | null;
  readonly promoCode: string | null;
  readonly email?: string | null | undefined;
  readonly number?: string | null | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * Inserts a `pending` order with its priced lines (payment status `free` when the total is 0, else
 * `unpaid`) and emits `order.created`, in the caller's transaction.
 */
export async function insertPricedOrder(
  deps: Pick<Deps, 'ids'>, tx: Repos, shop: Shop, totals: OrderTotals, fields: PricedOrderFields,
): Promise<Order> {
  const order = await tx.orders.insert({
    shopId: shop.id, customerId: fields.customerId, number: fields.number ?? null, currency: shop.currency,
    status: 'pending', paymentStatus: totals.total === 0 ? 'free' : 'unpaid', fulfillmentStatus: 'unfulfilled',
    subtotal: totals.subtotal, discount: totals.discount, tax: totals.tax, taxOverride: null, total: totals.total,
    promoCodeId: fields.promoCodeId, promoCode: fields.promoCode, country: fields.country,
    email: fields.email ?? null, metadata: fields.metadata ?? {}, placedAt: null, cancelledAt: null, releasedAt: null,
    statusMessage: null, processorReference: null, processorData: null,
  }, totals.lines.map((l) => ({
    productId: l.productId, sku: l.sku, title: l.title, quantity: l.quantity, unitAmount: l.unitAmount,
    subtotal: l.subtotal, discount: l.discount, tax: l.tax, total: l.total,
  })));
  await emit(deps, tx, { type: 'order.created', shopId: shop.id, orderId: order.id, data: { order: orderJson(order) } });
  return order;
}

export async function createOrder(deps: Deps, input: CreateOrderInput): Promise<Order> {
  return deps.store.tx((tx) => createOrderIn(deps, tx, input));
}

/** `createOrder` in the caller's transaction (a checkout session opens its order and itself in one). */
export async function createOrderIn(deps: Deps, tx: Repos, input: CreateOrderInput): Promise<Order> {
  const country = checkCountry(input.country) ?? null;
  emailAddress(input.email, '/email');
  const shop = found(await tx.shops.get(input.shopId), 'shop', input.shopId);
  if (input.customerId !== null) found(await tx.customers.get(input.customerId), 'customer', input.customerId);
  const products = await loadPricedProducts(tx, shop, input.lines);
  // Seats (quantity > 1) are bought for others; a single unit for oneself may not be a course one owns.
  const forSelf = products.filter((_, i) => input.lines[i]!.quantity === 1);
  if (input.customerId !== null) {
    await refuseOwned(tx, input.customerId, forSelf, (i) => `/lines/${products.indexOf(forSelf[i]!)}/product_id`, input.ownerName ?? 'you');
  }
  const quantityOf = (productId: number) => input.lines.filter((l) => l.productId === productId).reduce((n, l) => n + l.quantity, 0);
  const discount = input.promoCode ? await discountFor(deps, tx, shop, input.promoCode, input.customerId, quantityOf) : null;
  const totals = await priceItems(tx, shop, products.map((product, i) => ({ product, quantity: input.lines[i]!.quantity })), discount?.rule ?? null, country);
  const order = await insertPricedOrder(deps, tx, shop, totals, {
    customerId: input.customerId, country, ...promoFields(discount), email: input.email, number: input.number, metadata: input.metadata,
  });
  await redeemSeat(tx, discount, input.customerId, order.id);
  // Nothing to pay (a 100% promo code or a seat code): the order is placed and fulfilled at once.
  return order.total === 0 ? settleOrder(deps, tx, order.id, 'system:free-order', null) : order;
}
