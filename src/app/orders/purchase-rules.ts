/**
 * The rules every way of buying from the catalog follows (the course checkout, `POST /api/v1/orders`,
 * checkout sessions): a buyer cannot buy for itself a course it already owns, and `promo_code` is either a
 * seat code from a bulk purchase or an ordinary promo code.
 */
import { DomainError } from '../../domain/errors.js';
import { PPM } from '../../domain/money.js';
import type { PromoRule } from '../../domain/pricing.js';
import type { Product, PromoCode, Shop } from '../../ports/catalog.js';
import type { SeatCode } from '../../ports/fulfillment.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

/**
 * Refuses (`already_owned`: 409 in the native API, 403 in the course checkout's envelope) a purchase for
 * oneself of a course the customer can already access; bundles count as their courses. `fieldOf(i)` names
 * the field of `products[i]`; `who` is the subject of the message ("you", "customer cus_…").
 */
export async function refuseOwned(
  tx: Repos, customerId: string, products: readonly Product[], fieldOf: (index: number) => string, who = 'you',
): Promise<void> {
  const courseOf = new Map<number, Product>();
  for (const p of products) for (const course of p.kind === 'bundle' ? p.courseIds : [p.id]) courseOf.set(course, p);
  const owned = await tx.fulfillment.owned(customerId, [...courseOf.keys()]);
  if (owned.length === 0) return;
  const courses = await tx.products.getMany([...new Set(owned.map((e) => e.courseId))]);
  const verb = who === 'you' ? 'own' : 'owns';
  const problems = courses.map((c) => {
    const via = courseOf.get(c.id)!;
    const name = `"${c.title}" (course ${c.id})${via.id !== c.id ? `, included in "${via.title}"` : ''}`;
    return { field: fieldOf(products.indexOf(via)), message: `${who === 'you' ? 'You' : who} already ${verb} ${name}.`, name };
  });
  throw new DomainError('already_owned', `${who} already ${verb} ${problems.map((p) => p.name).join(', ')}`,
    problems.map(({ field, message }) => ({ field, message })));
}

/**
 * Checks a promo code can be used now by this customer and counts one use of it; returns the pricing
 * rule it stands for. Counting first takes the code's row lock on PostgreSQL, so concurrent orders queue
 * here and the once-per-customer check sees every order committed before its own.
 */
async function usePromoCode(
  tx: Repos, shop: Shop, code: string, customerId: string | null, now: number,
): Promise<{ promo: PromoCode; rule: PromoRule }> {
  const promo = await tx.promoCodes.getByCode(shop.id, code);
  const refuse = (why: string) => new DomainError('promo_code_invalid', `promo code ${code.toUpperCase()} ${why}`, [{ field: '/promo_code', message: why }]);
  if (!promo || !promo.active) throw refuse('does not exist');
  if (promo.expiresAt !== null && promo.expiresAt <= now) throw refuse('has expired');
  if (promo.currency !== null && promo.currency !== shop.currency) throw refuse(`is for ${promo.currency} orders`);
  if (promo.oncePerCustomer && customerId === null) throw refuse('needs a signed-in customer');
  if (!(await tx.promoCodes.use(promo.id))) throw refuse('has been used up');
  if (promo.oncePerCustomer && await tx.orders.countWithPromo(promo.id, customerId!) > 0) throw refuse('was already used by this customer');
  const rule: PromoRule = promo.kind === 'percent_off'
    ? { kind: 'percent_off', percentOff: promo.percentOffPpm!, productId: promo.productId }
    : promo.kind === 'amount_off'
      ? { kind: 'amount_off', amountOff: promo.amount!, productId: promo.productId }
      : { kind: 'price_override', price: promo.amount!, productId: promo.productId };
  return { promo, rule };
}

export type Discount =
  | { readonly kind: 'seat'; readonly seat: SeatCode; readonly rule: PromoRule }
  | { readonly kind: 'promo'; readonly id: string; readonly code: string; readonly rule: PromoRule };

/**
 * A seat code (single use, 100 % off one unit of its product) or an ordinary promo code, whose use is
 * counted. `quantityOf(productId)` is how many units of a product are bought (a seat covers one).
 */
export async function discountFor(
  deps: Pick<Deps, 'clock'>, tx: Repos, shop: Shop, code: string, customerId: string | null, quantityOf: (productId: number) => number,
): Promise<Discount> {
  const seat = await tx.fulfillment.getSeatCode(code);
  if (!seat) {
    const { promo, rule } = await usePromoCode(tx, shop, code, customerId, deps.clock.now());
    return { kind: 'promo', id: promo.id, code: promo.code, rule };
  }
  const refuse = (why: string) => new DomainError('promo_code_invalid', `seat code ${seat.code} ${why}`, [{ field: '/promo_code', message: why }]);
  const issuedBy = await tx.orders.get(seat.orderId);
  if (!issuedBy || issuedBy.shopId !== shop.id) throw refuse('does not exist');
  if (seat.status === 'redeemed') throw refuse('has already been redeemed');
  if (seat.status !== 'available') throw refuse('is no longer valid');
  if (customerId === null) throw refuse('needs a customer to enroll');
  if (quantityOf(seat.productId) > 1) throw refuse('covers one seat: check out with a quantity of 1');
  return { kind: 'seat', seat, rule: { kind: 'percent_off', percentOff: PPM, productId: seat.productId } };
}

/** The order's promo fields for a discount. */
export function promoFields(discount: Discount | null): { promoCodeId: string | null; promoCode: string | null } {
  return {
    promoCodeId: discount?.kind === 'promo' ? discount.id : null,
    promoCode: discount ? (discount.kind === 'seat' ? discount.seat.code : discount.code) : null,
  };
}

/** Redeems the seat code of `discount` for `orderId`, in the order's transaction; a lost race is a 422. */
export async function redeemSeat(tx: Repos, discount: Discount | null, customerId: string | null, orderId: number): Promise<void> {
  if (discount?.kind !== 'seat' || customerId === null) return;
  if (!(await tx.fulfillment.redeemSeatCode(discount.seat.id, customerId, orderId))) {
    throw new DomainError('promo_code_invalid', `seat code ${discount.seat.code} has already been redeemed`,
      [{ field: '/promo_code', message: 'has already been redeemed' }]);
  }
}
