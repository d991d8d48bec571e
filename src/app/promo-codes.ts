/** Promo codes: percent off, amount off or a price override; expiry, usage limit, once per customer. */
import { DomainError } from '../domain/errors.js';
import type { PromoCode, PromoKind } from '../ports/catalog.js';
import type { Deps } from './deps.js';
import { currency, defined, found, invalid } from './validate.js';

interface PromoCodeInput {
  readonly shopId?: string | undefined;
  readonly code?: string | undefined;
  readonly kind?: PromoKind | undefined;
  readonly percentOffPpm?: number | null | undefined;
  readonly amount?: number | null | undefined;
  readonly currency?: string | null | undefined;
  readonly productId?: number | null | undefined;
  readonly expiresAt?: number | null | undefined;
  readonly usageLimit?: number | null | undefined;
  readonly oncePerCustomer?: boolean | undefined;
  readonly active?: boolean | undefined;
}

function checkShape(p: Pick<PromoCode, 'kind' | 'percentOffPpm' | 'amount' | 'currency'>) {
  if (p.kind === 'percent_off') {
    if (p.percentOffPpm === null || p.percentOffPpm <= 0 || p.percentOffPpm > 1_000_000) {
      throw invalid('/percent_off', 'is required for percent_off and must be above 0 and at most 100');
    }
    if (p.amount !== null) throw invalid('/amount', 'is not allowed for percent_off');
  } else {
    if (p.amount === null || p.currency === null) throw invalid('/amount', `and currency are required for ${p.kind}`);
    if (p.percentOffPpm !== null) throw invalid('/percent_off', `is not allowed for ${p.kind}`);
  }
}

async function checkProduct(deps: Deps, shopId: string, productId: number | null | undefined) {
  if (productId === null || productId === undefined) return;
  const product = await deps.store.products.get(productId);
  if (!product || product.shopId !== shopId) throw invalid('/product_id', `: ${productId} is not a product of this shop`);
}

export async function createPromoCode(
  deps: Deps, input: PromoCodeInput & { shopId: string; code: string; kind: PromoKind },
): Promise<PromoCode> {
  found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  if (await deps.store.promoCodes.getByCode(input.shopId, input.code)) {
    throw new DomainError('already_exists', `promo code ${input.code.toUpperCase()} already exists`, [{ field: '/code', message: 'is already used' }]);
  }
  const promo = {
    kind: input.kind, percentOffPpm: input.percentOffPpm ?? null, amount: input.amount ?? null,
    currency: input.currency ? currency(input.currency) : null,
  };
  checkShape(promo);
  await checkProduct(deps, input.shopId, input.productId);
  return deps.store.promoCodes.insert({
    id: deps.ids.next('promo'), shopId: input.shopId, code: input.code, ...promo,
    productId: input.productId ?? null, expiresAt: input.expiresAt ?? null, usageLimit: input.usageLimit ?? null,
    timesUsed: 0, oncePerCustomer: input.oncePerCustomer ?? false, active: input.active ?? true,
  });
}

/** Only the limits and the active flag change after creation: what a code gives is fixed once issued. */
export async function updatePromoCode(deps: Deps, id: string, input: PromoCodeInput): Promise<PromoCode> {
  found(await deps.store.promoCodes.get(id), 'promo code', id);
  return found(await deps.store.promoCodes.update(id, defined({
    expiresAt: input.expiresAt, usageLimit: input.usageLimit, oncePerCustomer: input.oncePerCustomer, active: input.active,
  })), 'promo code', id);
}
