/** Gateways of a shop, external gateways with their circuit breakers and inbound webhooks, and payment methods. */
import type { New, Page, PageRequest } from './common.js';

export type GatewayKind = 'sandbox' | 'external' | 'manual' | 'stripe';

export interface Gateway {
  readonly id: string;
  readonly shopId: string;
  readonly kind: GatewayKind;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * Commerce Layer external gateways: the settings of an `external` gateway, stored as its `Gateway.config`. URLs are absolute
 * http(s) URLs; a null URL means the merchant does not handle that action (the call fails at once).
 */
export interface ExternalGatewayConfig {
  readonly authorizeUrl: string;
  readonly captureUrl: string | null;
  readonly voidUrl: string | null;
  readonly refundUrl: string | null;
  readonly tokenUrl: string | null;
  /** Signs every request (`X-CommerceLayer-Signature`) and verifies inbound webhooks. From crypto.randomBytes. */
  readonly sharedSecret: string;
  /** Where the merchant posts asynchronous results: `${PUBLIC_URL}/webhooks/external/{gatewayId}`. */
  readonly webhookEndpointUrl: string;
  /** Limit for one whole exchange with the merchant, milliseconds. */
  readonly timeoutMs: number;
  /** The circuit opens after more than this many consecutive failures (Commerce Layer: 30). */
  readonly circuitThreshold: number;
  /** Milliseconds an open circuit waits before letting one probe call through; null: only a reset closes it. */
  readonly circuitCooldownMs: number | null;
}

/**
 * The settings of a `stripe` gateway, stored as its `Gateway.config`. The two keys are secrets: never returned
 * by the API (only their last four characters) and never logged.
 */
export interface StripeGatewayConfig {
  /** `sk_test_…` or `sk_live_…` (or a restricted `rk_…` key). */
  readonly secretKey: string;
  /** The signing secret of the webhook endpoint registered in Stripe (`whsec_…`). */
  readonly webhookSecret: string;
  /** PaymentIntents' `capture_method` when the payment does not say: `automatic` charges at once, `manual` only authorizes. */
  readonly capture: 'automatic' | 'manual';
  /** Where the SDK sends its requests (a proxy, or a local test server); null: Stripe's own API. */
  readonly apiBase: string | null;
  /** Limit for one request to Stripe, milliseconds; a request that takes longer leaves the transaction pending. */
  readonly timeoutMs: number;
}

/** `half_open`: the circuit was open and one probe call is in flight. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** The persisted circuit breaker of an external gateway, shared by every process on the database. */
export interface GatewayCircuit {
  readonly gatewayId: string;
  readonly state: CircuitState;
  /** Consecutive failures (timeouts, 5xx, unreadable replies) since the last readable answer or reset. */
  readonly failureCount: number;
  readonly openedAt: number | null;
  /** While half open: when the probe's lease ends (a probe that never reported frees the slot then). */
  readonly probeUntil: number | null;
  readonly updatedAt: number;
}

export type InboundWebhookStatus = 'received' | 'processed' | 'ignored' | 'unknown_action' | 'invalid';

/** A signed webhook a merchant sent to an external gateway's endpoint, kept as received (DESIGN rule 8). */
export interface InboundWebhook {
  readonly id: string;
  readonly gatewayId: string;
  readonly actionId: string | null;
  /** SHA-256 hex of the raw body; (gateway, action id, body hash) is unique, so a replay is stored once. */
  readonly bodyHash: string;
  readonly body: string;
  readonly status: InboundWebhookStatus;
  readonly transactionId: string | null;
  /** What the webhook did: `succeeded`, `failed`, or why it changed nothing. */
  readonly outcome: string | null;
  readonly createdAt: number;
  readonly processedAt: number | null;
}

export type PaymentInstrument = 'card' | 'wallet' | 'bank_transfer';

/** A way a shop accepts payments, on one of its gateways (payment orders payment methods). */
export interface PaymentMethod {
  readonly id: string;
  readonly shopId: string;
  readonly gatewayId: string;
  readonly instrument: PaymentInstrument;
  /** ISO 4217 codes this method accepts. */
  readonly currencies: readonly string[];
  /** Authorize now, capture later (payment orders `autoCapture: false`). */
  readonly twoStage: boolean;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface GatewayRepo {
  insert(gateway: New<Gateway>): Promise<Gateway>;
  get(id: string): Promise<Gateway | undefined>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<Gateway>>;
}

/** Commerce Layer external gateways: their settings, persisted circuit breakers and inbound webhooks. */
export interface ExternalGatewayRepo {
  /** Gateways of one kind (and shop), by id. */
  listGateways(filter: { kind: GatewayKind; shopId?: string | undefined }, page: PageRequest): Promise<Page<Gateway>>;
  updateGateway(id: string, patch: { name?: string; config?: Readonly<Record<string, unknown>> }): Promise<Gateway | undefined>;
  /** Creates the gateway's circuit, closed with no failures. */
  insertCircuit(gatewayId: string): Promise<GatewayCircuit>;
  circuit(gatewayId: string): Promise<GatewayCircuit | undefined>;
  /**
   * May a call go out at `now`? `closed` yes; `probe` yes, as the one probe of a half-open circuit (taken
   * with a guarded update, so of concurrent callers exactly one wins, for `leaseMs`); `open` no. An open
   * circuit offers a probe once `cooldownMs` passed since it opened; a null cool-down never does.
   */
  admit(gatewayId: string, now: number, cooldownMs: number | null, leaseMs: number): Promise<'closed' | 'probe' | 'open'>;
  /**
   * Counts a failure atomically: a closed circuit's count goes up and the circuit opens when the count
   * exceeds `threshold`; a failed probe re-opens it. An open circuit is left alone. Resolves to true when
   * this call opened the circuit (of concurrent callers, only the one whose update opened it).
   */
  recordFailure(gatewayId: string, threshold: number, now: number, probe: boolean): Promise<boolean>;
  /** A readable answer: a closed circuit's count goes back to 0; a successful probe closes the circuit. */
  recordSuccess(gatewayId: string, now: number, probe: boolean): Promise<void>;
  /** Closes the circuit and clears its count (the explicit reset). */
  resetCircuit(gatewayId: string, now: number): Promise<GatewayCircuit | undefined>;
  /** Stores a webhook unless (gateway, action id, body hash) exists; returns the stored row either way. */
  insertInbound(webhook: Omit<InboundWebhook, 'processedAt'>): Promise<{ inserted: boolean; webhook: InboundWebhook }>;
  finishInbound(id: string, patch: Pick<InboundWebhook, 'status' | 'transactionId' | 'outcome'>, at: number): Promise<void>;
  listInbound(gatewayId: string, page: PageRequest): Promise<Page<InboundWebhook>>;
}

export interface PaymentMethodRepo {
  insert(method: Omit<PaymentMethod, 'createdAt' | 'updatedAt'>): Promise<PaymentMethod>;
  get(id: string): Promise<PaymentMethod | undefined>;
  list(shopId: string, page: PageRequest): Promise<Page<PaymentMethod>>;
}
