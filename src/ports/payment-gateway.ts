/**
 * A payment processor. Adapters only translate: build the processor's request, call it, read its reply.
 * A decline is a result (`outcome: 'failed'`), not an exception; a transport fault (timeout, reset,
 * refused connection) is thrown, and the caller leaves the transaction pending for the janitor.
 * Every call carries the transaction's idempotency key: a repeated call must have one effect.
 */
import type { ProcessorAttributes } from '../domain/processor-details.js';
import type { Shop } from './catalog.js';
import type { Customer } from './customers.js';
import type { Order, OrderLine, OrderNote } from './orders.js';
import type { PaymentTransaction } from './payments.js';

export type GatewayOutcome = 'succeeded' | 'pending' | 'failed';

export interface GatewayResult {
  readonly outcome: GatewayOutcome;
  /** The processor's reference for this transaction (Commerce Layer external gateways `transaction_token`). */
  readonly processorToken?: string | null;
  /** The amount the processor says it processed, minor units; checked against the request by the caller. */
  readonly amount?: number | null;
  /** For `pending`: the processor's id to match the later completion (Commerce Layer external gateways `action_id`). */
  readonly actionId?: string | null;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  /**
   * For `failed`: true when the processor gave no usable answer (timeout, unreachable, 5xx, unreadable
   * reply, open circuit) rather than a decline — `errorCode` may still be the processor's own.
   */
  readonly fault?: boolean;
  /** Notes for the order (Commerce Layer external gateways `messages`). */
  readonly messages?: readonly unknown[];
  /**
   * The processor's metadata for the transaction (Commerce Layer external gateways `metadata`): kept on it, shown with it and sent
   * back in later calls. For a token: `customer_token`.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** What the processor says about the transaction (Commerce Layer external gateways `message`, AVS/CVV codes, `fraud_review`). */
  readonly attributes?: ProcessorAttributes;
}

/** What a processor is asked to do, with the context the external-gateway protocol's payloads include. */
export interface GatewayRequest {
  /** The transaction row recording this call (its id, kind, amount, currency, idempotency key). */
  readonly transaction: PaymentTransaction;
  /** The transaction acted on: the authorization for capture/void, the capture for refund. */
  readonly parent: PaymentTransaction | null;
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly shop: Shop;
  readonly customer: Customer | null;
  /** The payment source: a card token from the hosted page, a saved customer token, … */
  readonly source: PaymentSource | null;
  /** The order's notifications (earlier replies' `messages`), for processors that are shown them (external gateways). */
  readonly notifications?: readonly OrderNote[];
}

export interface PaymentSource {
  /** e.g. `card_token`, `customer_token`, `bank_transfer`. */
  readonly type: string;
  readonly token: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface PaymentGateway {
  authorize(request: GatewayRequest): Promise<GatewayResult>;
  capture(request: GatewayRequest): Promise<GatewayResult>;
  void(request: GatewayRequest): Promise<GatewayResult>;
  refund(request: GatewayRequest): Promise<GatewayResult>;
  /** Turns a payment source into a reusable customer token (Commerce Layer external gateways `token_url`); never pending. */
  tokenize(request: GatewayRequest): Promise<GatewayResult>;
  /**
   * Asks the processor what became of a transaction left pending (crash, timeout, async payment).
   * Returns `pending` while it does not know yet; null when the processor cannot answer such questions.
   */
  status(request: GatewayRequest): Promise<GatewayResult | null>;
  /**
   * For processors that notify by signed events (Stripe): verifies `raw` (the exact bytes received) against
   * `signature` (timing-safe, rejecting a timestamp older than the tolerance at `receivedAt`, ms) and reads
   * what the event is about. Throws DomainError('invalid_signature') for a forged, stale or unsigned event.
   */
  readEvent?(raw: Buffer, signature: string | undefined, receivedAt: number): Promise<ProcessorEvent>;
}

/**
 * A processor's event, verified. It names the order (from the metadata Paybridge gave the processor's
 * object) but carries no outcome on purpose: the transactions it concerns are re-read from the processor
 * with `status`, so an event arriving late, twice or out of order can only confirm the current state.
 */
export interface ProcessorEvent {
  /** The processor's event id (`evt_…`): unique, the key that de-duplicates deliveries. */
  readonly id: string;
  readonly type: string;
  /** The Paybridge order the event's object belongs to; null for an object Paybridge did not create. */
  readonly orderId: number | null;
  /**
   * Succeeded refunds of the order's payment that Paybridge did not make (from the processor's dashboard):
   * Paybridge records each once, keyed by the processor's refund id (minor units).
   */
  readonly outsideRefunds?: readonly { readonly id: string; readonly amount: number }[];
  /** A dispute opened on the order's payment (amount in minor units). */
  readonly dispute?: { readonly id: string; readonly amount: number; readonly currency: string; readonly reason: string; readonly status: string };
}

/** Finds the adapter for a configured gateway (sandbox, external, manual). */
export interface GatewayResolver {
  /** Throws DomainError('not_found') for an unknown gateway id. */
  resolve(gatewayId: string): Promise<PaymentGateway>;
}
