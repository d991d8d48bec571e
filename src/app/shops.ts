/** Shops: a currency, optional remote checkout URL (Skilljar-compatible purchases), redirect URLs, capture and clearing settings. */
import type { Shop } from '../ports/catalog.js';
import type { Deps } from './deps.js';
import { currency, defined, found, invalid, url } from './validate.js';

interface ShopInput {
  readonly name?: string | undefined;
  readonly currency?: string | undefined;
  readonly remoteCheckoutUrl?: string | null | undefined;
  readonly successUrl?: string | null | undefined;
  readonly cancelUrl?: string | null | undefined;
  readonly autoCapture?: boolean | undefined;
  readonly clearingDays?: number | undefined;
}

function checked(input: ShopInput) {
  if (input.clearingDays !== undefined && (input.clearingDays < 1 || input.clearingDays > 3)) {
    throw invalid('/clearing_days', 'must be between 1 and 3');
  }
  return defined({
    name: input.name,
    currency: input.currency === undefined ? undefined : currency(input.currency),
    remoteCheckoutUrl: url(input.remoteCheckoutUrl, '/remote_checkout_url'),
    successUrl: url(input.successUrl, '/success_url'),
    cancelUrl: url(input.cancelUrl, '/cancel_url'),
    autoCapture: input.autoCapture,
    clearingDays: input.clearingDays,
  });
}

export async function createShop(deps: Deps, input: ShopInput & { name: string; currency: string }): Promise<Shop> {
  const values = checked(input);
  return deps.store.shops.insert({
    id: deps.ids.next('shop'), name: input.name, currency: values.currency!,
    remoteCheckoutUrl: values.remoteCheckoutUrl ?? null, successUrl: values.successUrl ?? null,
    cancelUrl: values.cancelUrl ?? null, autoCapture: values.autoCapture ?? true,
    clearingDays: values.clearingDays ?? 1, webhookSecret: deps.signer.newSecret(),
  });
}

export async function updateShop(deps: Deps, id: string, input: ShopInput): Promise<Shop> {
  return found(await deps.store.shops.update(id, checked(input)), 'shop', id);
}

export async function getShop(deps: Deps, id: string): Promise<Shop> {
  return found(await deps.store.shops.get(id), 'shop', id);
}
