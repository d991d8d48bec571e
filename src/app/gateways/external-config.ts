/**
 * Commerce Layer external gateways as a resource: creation generates the shared secret (crypto.randomBytes, via
 * the Ids port) and the webhook endpoint URL; settings can be changed later; the circuit can be reset.
 */
import { DomainError } from '../../domain/errors.js';
import type { ExternalGatewayConfig, Gateway, GatewayCircuit } from '../../ports/gateways.js';
import type { Deps } from '../deps.js';
import { found, invalid, outboundUrl } from '../validate.js';

/**
 * An open circuit closes only by the explicit reset, as in Commerce Layer: the automatic half-open probe
 * after `circuitCooldownMs` is opt-in (null: none).
 */
const EXTERNAL_DEFAULTS = { timeoutMs: 10_000, circuitThreshold: 30, circuitCooldownMs: null } as const;

/** The settings a caller may give; URLs and limits are validated here. */
interface ExternalSettings {
  readonly name?: string | undefined;
  readonly authorizeUrl?: string | undefined;
  readonly captureUrl?: string | null | undefined;
  readonly voidUrl?: string | null | undefined;
  readonly refundUrl?: string | null | undefined;
  readonly tokenUrl?: string | null | undefined;
  readonly timeoutMs?: number | undefined;
  readonly circuitThreshold?: number | undefined;
  readonly circuitCooldownMs?: number | null | undefined;
}

export interface ExternalGatewayDetails {
  readonly gateway: Gateway;
  readonly config: ExternalGatewayConfig;
  readonly circuit: GatewayCircuit;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const int = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : fallback);

/** The typed settings of an external gateway. Throws `gateway_error` for a gateway that is not one. */
export function readExternalConfig(gateway: Gateway): ExternalGatewayConfig {
  const c = gateway.config;
  const authorizeUrl = str(c['authorizeUrl']);
  const sharedSecret = str(c['sharedSecret']);
  if (gateway.kind !== 'external' || !authorizeUrl || !sharedSecret) {
    throw new DomainError('gateway_error', `gateway ${gateway.id} is not a configured external gateway`);
  }
  const cooldown = c['circuitCooldownMs'];
  return {
    authorizeUrl, captureUrl: str(c['captureUrl']), voidUrl: str(c['voidUrl']), refundUrl: str(c['refundUrl']), tokenUrl: str(c['tokenUrl']),
    sharedSecret, webhookEndpointUrl: str(c['webhookEndpointUrl']) ?? '',
    timeoutMs: int(c['timeoutMs'], EXTERNAL_DEFAULTS.timeoutMs), circuitThreshold: int(c['circuitThreshold'], EXTERNAL_DEFAULTS.circuitThreshold),
    circuitCooldownMs: typeof cooldown === 'number' && Number.isSafeInteger(cooldown) && cooldown >= 0 ? cooldown : EXTERNAL_DEFAULTS.circuitCooldownMs,
  };
}

function limits(s: ExternalSettings): void {
  if (s.timeoutMs !== undefined && !(Number.isInteger(s.timeoutMs) && s.timeoutMs >= 50 && s.timeoutMs <= 60_000)) throw invalid('/timeout_ms', 'must be an integer from 50 to 60000');
  if (s.circuitThreshold !== undefined && !(Number.isInteger(s.circuitThreshold) && s.circuitThreshold >= 1 && s.circuitThreshold <= 10_000)) {
    throw invalid('/circuit_failure_threshold', 'must be an integer from 1 to 10000');
  }
  if (s.circuitCooldownMs !== undefined && s.circuitCooldownMs !== null && !(Number.isInteger(s.circuitCooldownMs) && s.circuitCooldownMs >= 0 && s.circuitCooldownMs <= 7 * 24 * 3600_000)) {
    throw invalid('/circuit_cooldown_ms', 'must be null or an integer number of milliseconds up to 7 days');
  }
}

/** The merchant's endpoints: http(s) URLs of public addresses (DESIGN rule 15). */
async function urls(deps: Deps, s: ExternalSettings) {
  return {
    authorizeUrl: await outboundUrl(deps, s.authorizeUrl, '/authorize_url'), captureUrl: await outboundUrl(deps, s.captureUrl, '/capture_url'),
    voidUrl: await outboundUrl(deps, s.voidUrl, '/void_url'), refundUrl: await outboundUrl(deps, s.refundUrl, '/refund_url'),
    tokenUrl: await outboundUrl(deps, s.tokenUrl, '/token_url'),
  };
}

export async function externalGatewayDetails(deps: Deps, id: string): Promise<ExternalGatewayDetails> {
  const gateway = found(await deps.store.gateways.get(id), 'external gateway', id);
  if (gateway.kind !== 'external') throw new DomainError('not_found', `external gateway ${id} not found`);
  const circuit = (await deps.store.externalGateways.circuit(id))
    ?? { gatewayId: id, state: 'closed' as const, failureCount: 0, openedAt: null, probeUntil: null, updatedAt: gateway.createdAt };
  return { gateway, config: readExternalConfig(gateway), circuit };
}

export async function createExternalGateway(deps: Deps, shopId: string, s: ExternalSettings & { name: string; authorizeUrl: string }): Promise<ExternalGatewayDetails> {
  found(await deps.store.shops.get(shopId), 'shop', shopId);
  limits(s);
  const id = deps.ids.next('gw');
  const u = await urls(deps, s);
  const config: ExternalGatewayConfig = {
    authorizeUrl: u.authorizeUrl!, captureUrl: u.captureUrl ?? null, voidUrl: u.voidUrl ?? null, refundUrl: u.refundUrl ?? null, tokenUrl: u.tokenUrl ?? null,
    sharedSecret: deps.ids.secret(32), webhookEndpointUrl: `${deps.publicUrl}/webhooks/external/${id}`,
    timeoutMs: s.timeoutMs ?? EXTERNAL_DEFAULTS.timeoutMs, circuitThreshold: s.circuitThreshold ?? EXTERNAL_DEFAULTS.circuitThreshold,
    circuitCooldownMs: s.circuitCooldownMs === undefined ? EXTERNAL_DEFAULTS.circuitCooldownMs : s.circuitCooldownMs,
  };
  await deps.store.tx(async (tx) => {
    await tx.gateways.insert({ id, shopId, kind: 'external', name: s.name, config: { ...config } });
    await tx.externalGateways.insertCircuit(id);
  });
  return externalGatewayDetails(deps, id);
}

/** Changes only what is given; the shared secret and the webhook endpoint URL never change. */
export async function updateExternalGateway(deps: Deps, id: string, s: ExternalSettings): Promise<ExternalGatewayDetails> {
  const current = await externalGatewayDetails(deps, id);
  limits(s);
  if (s.authorizeUrl === null) throw invalid('/authorize_url', 'may not be null');
  const u = await urls(deps, s);
  const next: ExternalGatewayConfig = {
    ...current.config,
    ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)),
    ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
    ...(s.circuitThreshold === undefined ? {} : { circuitThreshold: s.circuitThreshold }),
    ...(s.circuitCooldownMs === undefined ? {} : { circuitCooldownMs: s.circuitCooldownMs }),
  };
  await deps.store.externalGateways.updateGateway(id, { ...(s.name === undefined ? {} : { name: s.name }), config: { ...next } });
  return externalGatewayDetails(deps, id);
}

/** The explicit reset of Commerce Layer external gateways: closes the circuit and clears its failure count. */
export async function resetExternalCircuit(deps: Deps, id: string, actor: string): Promise<ExternalGatewayDetails> {
  const before = await externalGatewayDetails(deps, id);
  await deps.store.externalGateways.resetCircuit(id, deps.clock.now());
  deps.log.info('circuit.reset', `gateway ${id}: circuit reset`, { gateway_id: id, state_before: before.circuit.state, failures_before: before.circuit.failureCount, actor });
  return externalGatewayDetails(deps, id);
}
