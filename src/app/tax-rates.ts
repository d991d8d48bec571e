/** Exclusive tax rates per shop, optionally per country; the rate without a country is the default. */
import { DomainError } from '../domain/errors.js';
import type { TaxRate } from '../ports/catalog.js';
import type { Deps } from './deps.js';
import { country, defined, found } from './validate.js';

interface TaxRateInput {
  readonly shopId?: string | undefined;
  readonly name?: string | undefined;
  readonly country?: string | null | undefined;
  readonly ratePpm?: number | undefined;
}

export async function createTaxRate(deps: Deps, input: TaxRateInput & { shopId: string; name: string; ratePpm: number }): Promise<TaxRate> {
  found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  const code = country(input.country) ?? null;
  const existing = await deps.store.taxRates.find(input.shopId, code);
  if (existing && existing.country === code) {
    throw new DomainError('already_exists', `the shop already has a ${code ?? 'default'} tax rate`, [{ field: '/country', message: 'already has a rate' }]);
  }
  return deps.store.taxRates.insert({ id: deps.ids.next('txr'), shopId: input.shopId, name: input.name, country: code, ratePpm: input.ratePpm });
}

export async function updateTaxRate(deps: Deps, id: string, input: TaxRateInput): Promise<TaxRate> {
  found(await deps.store.taxRates.get(id), 'tax rate', id);
  return found(await deps.store.taxRates.update(id, defined({ name: input.name, ratePpm: input.ratePpm })), 'tax rate', id);
}
