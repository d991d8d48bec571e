/**
 * The course checkout's checkout: a signed-in customer buys catalog products (courses or bundles) by id. One
 * database transaction creates the order (priced by the server only, DESIGN rule 2), redeems a seat
 * code or counts a promo code use, and opens the hosted checkout session; an order that comes to 0 is
 * fulfilled in that same transaction.
 */
import { DomainError, type FieldProblem } from '../../domain/errors.js';
import type { Product, Shop } from '../../ports/catalog.js';
import type { CheckoutSession, Order, OrderLine } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { insertPricedOrder, priceItems } from '../orders/create-order.js';
import { discountFor, promoFields, redeemSeat, refuseOwned } from '../orders/purchase-rules.js';
import { settleOrder } from '../payments/settle-order.js';
import { found } from '../validate.js';
import { openCheckoutSession } from './sessions.js';
import { checkoutUrl } from './urls.js';

interface PlaceCheckoutInput {
  readonly customerId: string;
  /** Product ids (courses or bundles), each at most once. */
  readonly productIds: readonly number[];
  /** Units of every product, 1 by default; more than 1 buys seats, delivered as seat codes. */
  readonly quantity?: number | undefined;
  /** A promo code, or a seat code from a bulk purchase (100 % off one unit of its product). */
  readonly promoCode?: string | null | undefined;
  /** Who placed it, for the order history (`customer:<id>`). */
  readonly actor: string;
}

interface PlacedCheckout {
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly session: CheckoutSession;
  /** The shop's remote checkout page with `?purchase_id=`, or the session's hosted payment page. */
  readonly checkoutUrl: string;
}

const refused = (problems: FieldProblem[]) => new DomainError('validation_failed', 'Validation failed', problems);

/** The products to sell, checked all at once so every bad id is reported (course checkout `errors.courses`). */
async function sellableProducts(tx: Repos, ids: readonly number[]): Promise<{ shop: Shop; products: Product[] }> {
  if (ids.length === 0) throw refused([{ field: '/courses', message: 'At least one course must be selected.' }]);
  const stored = await tx.products.getMany([...new Set(ids)]);
  const problems: FieldProblem[] = [];
  const seen = new Set<number>();
  // The shop is the first known product's; products of other shops are refused below.
  const shopId = ids.map((id) => stored.find((p) => p.id === id)).find(Boolean)?.shopId;
  const shop = shopId ? await tx.shops.get(shopId) : undefined;
  ids.forEach((id, i) => {
    const field = `/courses/${i}`;
    const product = stored.find((p) => p.id === id);
    if (seen.has(id)) problems.push({ field, message: `Course ${id} is listed more than once.` });
    else if (!product) problems.push({ field, message: `Course ${id} does not exist.` });
    else if (shop && product.shopId !== shop.id) {
      problems.push({ field, message: `Course ${id} is sold by another shop; check out each shop's courses separately.` });
    } else if (!product.active || !shop || !product.prices.some((p) => p.currency === shop.currency)) {
      problems.push({ field, message: `Course ${id} is not available for purchase.` });
    }
    seen.add(id);
  });
  if (problems.length > 0 || !shop) throw refused(problems);
  return { shop, products: ids.map((id) => stored.find((p) => p.id === id)!) };
}

/**
 * Places the checkout: 403 `account_restricted` for a restricted account, 422 `validation_failed` naming
 * every bad product id, 403 `already_owned` when buying for oneself (quantity 1) something already owned,
 * 422 `promo_code_invalid`. Not idempotent by itself: each call creates an order (the HTTP layer's
 * Idempotency-Key makes retries safe).
 */
export async function placeCheckout(deps: Deps, input: PlaceCheckoutInput): Promise<PlacedCheckout> {
  const quantity = input.quantity ?? 1;
  return deps.store.tx(async (tx) => {
    const customer = found(await tx.customers.get(input.customerId), 'customer', input.customerId);
    if (customer.restricted) throw new DomainError('account_restricted', 'this account is restricted and may not make purchases');
    const { shop, products } = await sellableProducts(tx, input.productIds);
    if (quantity === 1) await refuseOwned(tx, customer.id, products, (i) => `/courses/${i}`);
    const discount = input.promoCode ? await discountFor(deps, tx, shop, input.promoCode, customer.id, () => quantity) : null;
    const totals = await priceItems(tx, shop, products.map((product) => ({ product, quantity })), discount?.rule ?? null, null);
    let order = await insertPricedOrder(deps, tx, shop, totals, { customerId: customer.id, country: null, ...promoFields(discount) });
    await redeemSeat(tx, discount, customer.id, order.id);
    const session = await openCheckoutSession(deps, tx, order);
    if (order.total === 0) order = await settleOrder(deps, tx, order.id, input.actor, null);
    return { order, lines: await tx.orders.lines(order.id), session, checkoutUrl: checkoutUrl(deps, shop, order.id, session.id) };
  });
}
