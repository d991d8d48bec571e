/** Payment methods of a shop: an instrument (card, wallet, bank transfer) on one of its gateways. */
import type { PaymentInstrument, PaymentMethod } from '../../ports/gateways.js';
import type { Deps } from '../deps.js';
import { currency, found, invalid } from '../validate.js';

interface PaymentMethodInput {
  readonly shopId: string;
  readonly gatewayId: string;
  readonly instrument: PaymentInstrument;
  /** Defaults to the shop's currency. */
  readonly currencies?: readonly string[] | undefined;
  /** Authorize now and capture later; default false (single-stage). */
  readonly twoStage?: boolean | undefined;
}

export async function createPaymentMethod(deps: Deps, input: PaymentMethodInput): Promise<PaymentMethod> {
  const shop = found(await deps.store.shops.get(input.shopId), 'shop', input.shopId);
  const gateway = await deps.store.gateways.get(input.gatewayId);
  if (!gateway || gateway.shopId !== shop.id) throw invalid('/gateway_id', 'is not a gateway of this shop');
  const currencies = [...new Set((input.currencies ?? [shop.currency]).map((c, i) => currency(c, `/currencies/${i}`)))];
  if (currencies.length === 0) throw invalid('/currencies', 'must name at least one currency');
  return deps.store.paymentMethods.insert({
    id: deps.ids.next('pm'), shopId: shop.id, gatewayId: gateway.id, instrument: input.instrument, currencies,
    twoStage: input.twoStage ?? false, active: true,
  });
}
