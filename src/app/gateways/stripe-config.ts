/**
 * Stripe gateways as a resource: created with the account's secret key and the webhook endpoint's signing
 * secret, both kept in the gateway's configuration and never shown again (only their last four characters).
 */
import { DomainError } from '../../domain/errors.js';
import type { Gateway, StripeGatewayConfig } from '../../ports/gateways.js';
import type { Deps } from '../deps.js';
import { found, invalid, outboundUrl } from '../validate.js';

const DEFAULT_TIMEOUT_MS = 30_000;

interface StripeSettings {
  readonly shopId: string;
  readonly name?: string | undefined;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly capture?: 'automatic' | 'manual' | undefined;
  readonly apiBase?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The typed settings of a Stripe gateway. Throws `gateway_error` for a gateway that is not one. */
export function readStripeConfig(gateway: Gateway): StripeGatewayConfig {
  const c = gateway.config;
  const secretKey = str(c['secretKey']);
  const webhookSecret = str(c['webhookSecret']);
  if (gateway.kind !== 'stripe' || !secretKey || !webhookSecret) throw new DomainError('gateway_error', `gateway ${gateway.id} is not a configured Stripe gateway`);
  const timeout = c['timeoutMs'];
  return {
    secretKey, webhookSecret, capture: c['capture'] === 'manual' ? 'manual' : 'automatic', apiBase: str(c['apiBase']),
    timeoutMs: typeof timeout === 'number' && Number.isSafeInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
  };
}

/** `sk_test_…`, `sk_live_…`, `rk_test_…`, `rk_live_…`: the keys that may call the API from a server. */
const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,247}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=_-]{8,200}$/;

export async function createStripeGateway(deps: Deps, s: StripeSettings): Promise<Gateway> {
  const shop = found(await deps.store.shops.get(s.shopId), 'shop', s.shopId);
  if (!SECRET_KEY.test(s.secretKey)) throw invalid('/secret_key', 'must be a Stripe secret key (sk_test_… or sk_live_…, or a restricted rk_… key)');
  if (!WEBHOOK_SECRET.test(s.webhookSecret)) throw invalid('/webhook_secret', 'must be the signing secret of a Stripe webhook endpoint (whsec_…)');
  if (s.timeoutMs !== undefined && !(Number.isInteger(s.timeoutMs) && s.timeoutMs >= 50 && s.timeoutMs <= 120_000)) throw invalid('/timeout_ms', 'must be an integer from 50 to 120000');
  const apiBase = await outboundUrl(deps, s.apiBase, '/api_base');
  const config: StripeGatewayConfig = {
    secretKey: s.secretKey, webhookSecret: s.webhookSecret, capture: s.capture ?? (shop.autoCapture ? 'automatic' : 'manual'),
    apiBase: apiBase ? apiBase.replace(/\/$/, '') : null, timeoutMs: s.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  return deps.store.gateways.insert({ id: deps.ids.next('gw'), shopId: shop.id, kind: 'stripe', name: s.name ?? 'Stripe', config: { ...config } });
}

/** What the API shows of a Stripe gateway: never a key, only the last four characters of each. */
export function stripePublicSettings(deps: Pick<Deps, 'publicUrl'>, gateway: Gateway) {
  const c = readStripeConfig(gateway);
  return {
    mode: c.secretKey.includes('_live_') ? 'live' as const : 'test' as const,
    secret_key_last4: c.secretKey.slice(-4), webhook_secret_last4: c.webhookSecret.slice(-4),
    capture: c.capture, api_base: c.apiBase, timeout_ms: c.timeoutMs,
    webhook_endpoint_url: `${deps.publicUrl}/webhooks/stripe/${gateway.id}`,
  };
}
