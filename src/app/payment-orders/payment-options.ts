/**
 * Which gateway pays an order, and whether the payment is captured at once. A shop offers payment methods
 * (`PaymentMethod` rows: an instrument on one of its gateways). A shop without any row offers one implicit
 * method per gateway, whose id is the gateway's id: `card` on a sandbox or external gateway,
 * `bank_transfer` on a manual one, in the shop's currency, two-stage capable except manual ones. A shop
 * with rows also offers its default gateway (the one its own checkout pays with: its first Stripe
 * gateway, else its first sandbox gateway) as an implicit method when no active row is on it: every way an order can be paid is listed.
 */
import { DomainError } from '../../domain/errors.js';
import type { Shop } from '../../ports/catalog.js';
import type { Gateway, GatewayKind, PaymentInstrument } from '../../ports/gateways.js';
import type { Order } from '../../ports/orders.js';
import type { Deps } from '../deps.js';
import { autoCaptureOf, KEY } from './order-settings.js';

/** A payment method as offered to buyers: a stored row, or an implicit one standing for a gateway. */
export interface OfferedMethod {
  readonly id: string;
  readonly gatewayId: string;
  readonly gatewayKind: GatewayKind;
  readonly instrument: PaymentInstrument;
  /** ISO 4217 codes. */
  readonly currencies: readonly string[];
  readonly twoStage: boolean;
  readonly active: boolean;
  /** True for a method that stands for a gateway (its id is the gateway's), not a stored row. */
  readonly implicit: boolean;
  /** The method of the shop's default gateway: what the shop's own checkout pays with. */
  readonly isDefault: boolean;
}

async function all<T extends { id: string }>(fetch: (after: string | undefined) => Promise<{ items: readonly T[]; hasMore: boolean }>): Promise<T[]> {
  const out: T[] = [];
  for (let after: string | undefined; ;) {
    const page = await fetch(after);
    out.push(...page.items);
    if (!page.hasMore || page.items.length === 0) return out;
    after = page.items.at(-1)!.id;
  }
}

function implicitMethod(gateway: Gateway, shop: Shop, defaultGateway: Gateway | undefined): OfferedMethod {
  const manual = gateway.kind === 'manual';
  return {
    id: gateway.id, gatewayId: gateway.id, gatewayKind: gateway.kind, instrument: manual ? 'bank_transfer' : 'card',
    currencies: [shop.currency], twoStage: !manual, active: true, implicit: true, isDefault: gateway.id === defaultGateway?.id,
  };
}

/**
 * The gateway the shop's own checkout pays with when an order names no method: its first Stripe gateway
 * (adding one sends the shop's buyers to Stripe Checkout), else its first sandbox gateway.
 */
const defaultGatewayOf = (gateways: readonly Gateway[]) => gateways.find((g) => g.kind === 'stripe') ?? gateways.find((g) => g.kind === 'sandbox');

/**
 * Every payment method of the shop, inactive rows included: the rows in id order, then the default
 * gateway's implicit method when no active row is on it; or, without rows, one implicit method per gateway.
 */
export async function shopPaymentMethods(deps: Pick<Deps, 'store'>, shop: Shop): Promise<OfferedMethod[]> {
  const gateways = await all((after) => deps.store.gateways.list({ shopId: shop.id }, { limit: 100, after }));
  const rows = await all((after) => deps.store.paymentMethods.list(shop.id, { limit: 100, after }));
  const defaultGateway = defaultGatewayOf(gateways);
  if (rows.length === 0) return gateways.map((g) => implicitMethod(g, shop, defaultGateway));
  const kinds = new Map(gateways.map((g) => [g.id, g.kind]));
  const methods: OfferedMethod[] = rows.map((m) => ({
    id: m.id, gatewayId: m.gatewayId, gatewayKind: kinds.get(m.gatewayId) ?? 'sandbox', instrument: m.instrument,
    currencies: m.currencies, twoStage: m.twoStage, active: m.active, implicit: false, isDefault: false,
  }));
  if (!defaultGateway) return methods;
  const onDefault = methods.findIndex((m) => m.active && m.gatewayId === defaultGateway.id);
  if (onDefault >= 0) {
    methods[onDefault] = { ...methods[onDefault]!, isDefault: true };
    return methods;
  }
  return [...methods, implicitMethod(defaultGateway, shop, defaultGateway)];
}

const FIELD = '/paymentSettings/paymentMethod';

/**
 * The method a new order will be paid with: the one named (it must be active, accept the currency and,
 * for a two-stage order, support two-stage), or else the first active method that fits. Refused with a
 * 422 naming `paymentSettings.paymentMethod` (or `.autoCapture` when only two-stage is the problem).
 */
export async function chooseMethod(
  deps: Pick<Deps, 'store'>, shop: Shop, wanted: { id?: string | undefined; currency: string; twoStage: boolean },
): Promise<OfferedMethod> {
  const methods = await shopPaymentMethods(deps, shop);
  const fits = (m: OfferedMethod) => m.active && m.currencies.includes(wanted.currency);
  if (wanted.id !== undefined) {
    const named = methods.find((m) => m.id === wanted.id);
    if (!named || !named.active) throw new DomainError('validation_failed', `paymentSettings.paymentMethod ${wanted.id} is not a payment method of shop ${shop.id}`, [{ field: FIELD, message: 'is not an active payment method of this shop' }]);
    if (!fits(named)) throw new DomainError('validation_failed', `payment method ${named.id} does not accept ${wanted.currency}`, [{ field: FIELD, message: `does not accept ${wanted.currency}` }]);
    if (wanted.twoStage && !named.twoStage) {
      throw new DomainError('validation_failed', `payment method ${named.id} does not support two-stage payments (autoCapture: false)`, [{ field: '/paymentSettings/autoCapture', message: 'false needs a payment method that supports two-stage payments' }]);
    }
    return named;
  }
  const candidates = methods.filter(fits);
  const chosen = wanted.twoStage ? candidates.find((m) => m.twoStage) : candidates[0];
  if (chosen) return chosen;
  if (candidates.length > 0) {
    throw new DomainError('validation_failed', `shop ${shop.id} has no payment method that supports two-stage payments in ${wanted.currency}`, [{ field: '/paymentSettings/autoCapture', message: 'false needs a payment method that supports two-stage payments' }]);
  }
  throw new DomainError('validation_failed', `shop ${shop.id} has no payment method for ${wanted.currency}`, [{ field: '/order/cost/currency', message: 'no payment method of the shop accepts this currency' }]);
}

/** What the hosted payment page pays an order with. */
interface PaymentOptions {
  readonly gatewayId: string;
  /** Capture right after a successful authorization (single-stage). */
  readonly capture: boolean;
}

/**
 * The gateway and capture mode for paying `order` on the hosted page: the order's payment method and
 * `autoCapture` (payment orders), else the shop's sandbox gateway and the shop's capture setting. Undefined when
 * the shop has no gateway to pay with.
 */
export async function paymentOptionsFor(deps: Pick<Deps, 'store'>, order: Order, known?: Shop): Promise<PaymentOptions | undefined> {
  const shop = known ?? await deps.store.shops.get(order.shopId);
  if (!shop) return undefined;
  const capture = autoCaptureOf(order, shop);
  const methodId = order.metadata[KEY.paymentMethod];
  if (methodId !== undefined) {
    const row = await deps.store.paymentMethods.get(methodId);
    const gatewayId = row ? row.gatewayId : methodId; // an implicit method's id is its gateway's
    const gateway = await deps.store.gateways.get(gatewayId);
    if (gateway && gateway.shopId === shop.id) return { gatewayId: gateway.id, capture };
  }
  const sandbox = defaultGatewayOf(await all((after) => deps.store.gateways.list({ shopId: shop.id }, { limit: 100, after })));
  return sandbox ? { gatewayId: sandbox.id, capture } : undefined;
}
