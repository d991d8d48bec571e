/** Courses and bundles: integer ids, a SKU unique per shop, one price per currency, a bundle's courses. */
import { DomainError } from '../domain/errors.js';
import type { Product, ProductKind, ProductPrice, ProductRepo } from '../ports/catalog.js';
import type { Deps } from './deps.js';
import { currency, defined, found, invalid } from './validate.js';

interface ProductInput {
  readonly shopId?: string | undefined;
  readonly kind?: ProductKind | undefined;
  readonly title?: string | undefined;
  readonly sku?: string | undefined;
  readonly description?: string | null | undefined;
  readonly active?: boolean | undefined;
  readonly prices?: readonly ProductPrice[] | undefined;
  readonly courseIds?: readonly number[] | undefined;
}

function prices(list: readonly ProductPrice[] | undefined): ProductPrice[] | undefined {
  if (list === undefined) return undefined;
  const seen = new Set<string>();
  return list.map((p, i) => {
    const code = currency(p.currency, `/prices/${i}/currency`);
    if (seen.has(code)) throw invalid(`/prices/${i}/currency`, `lists ${code} twice`);
    seen.add(code);
    return { currency: code, amount: p.amount };
  });
}

async function courses(repo: ProductRepo, kind: ProductKind, shopId: string, ids: readonly number[] | undefined) {
  if (ids === undefined) return undefined;
  if (kind !== 'bundle') {
    if (ids.length > 0) throw invalid('/course_ids', 'is only allowed on a bundle');
    return ids;
  }
  if (new Set(ids).size !== ids.length) throw invalid('/course_ids', 'lists a course twice');
  const existing = await repo.getMany(ids);
  for (const [i, id] of ids.entries()) {
    const course = existing.find((p) => p.id === id);
    if (!course || course.shopId !== shopId || course.kind !== 'course') {
      throw invalid(`/course_ids/${i}`, `: ${id} is not a course of this shop`);
    }
  }
  return ids;
}

export async function createProduct(
  deps: Deps, input: ProductInput & { shopId: string; title: string; sku: string; prices: readonly ProductPrice[] },
): Promise<Product> {
  found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  const kind = input.kind ?? 'course';
  if (kind === 'bundle' && (input.courseIds ?? []).length === 0) throw invalid('/course_ids', 'must list the bundle\'s courses');
  if (await deps.store.products.getBySku(input.shopId, input.sku)) {
    throw new DomainError('already_exists', `a product with SKU ${input.sku} already exists in this shop`, [{ field: '/sku', message: 'is already used' }]);
  }
  const courseIds = (await courses(deps.store.products, kind, input.shopId, input.courseIds)) ?? [];
  return deps.store.tx((tx) => tx.products.insert({
    shopId: input.shopId, kind, title: input.title, sku: input.sku, description: input.description ?? null,
    active: input.active ?? true, prices: prices(input.prices)!, courseIds,
  }));
}

export async function updateProduct(deps: Deps, id: number, input: ProductInput): Promise<Product> {
  const current = found(await deps.store.products.get(id), 'product', id);
  if (input.sku !== undefined && input.sku !== current.sku && await deps.store.products.getBySku(current.shopId, input.sku)) {
    throw new DomainError('already_exists', `a product with SKU ${input.sku} already exists in this shop`, [{ field: '/sku', message: 'is already used' }]);
  }
  const patch = defined({
    title: input.title, sku: input.sku, description: input.description, active: input.active,
    prices: prices(input.prices), courseIds: await courses(deps.store.products, current.kind, current.shopId, input.courseIds),
  });
  return found(await deps.store.tx((tx) => tx.products.update(id, patch)), 'product', id);
}

export async function getProduct(deps: Deps, id: number, onlyActive: boolean): Promise<Product> {
  const product = await deps.store.products.get(id);
  return found(product && (!onlyActive || product.active) ? product : undefined, 'product', id);
}
