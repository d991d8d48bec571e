/**
 * The records the Store reads and writes. Amounts are integer minor units of the record's currency;
 * times are milliseconds since the Unix epoch (from the Clock port); ids are strings from the Ids port,
 * except products and orders, whose ids are integers because seed 001 exposes them as JSON numbers.
 */
import type { FulfillmentStatus, OrderStatus, PaymentStatus } from '../domain/order.js';
import type { TransactionKind, TransactionStatus } from '../domain/payment.js';
import type { InvoicePaymentStatus, InvoicePaymentType, InvoiceStatus } from '../domain/invoice.js';

export type Role = 'admin' | 'integration';

export interface Shop {
  readonly id: string;
  readonly name: string;
  readonly currency: string;
  /** Seed 000: the merchant's external checkout page; the purchase id is appended as `?purchase_id=`. */
  readonly remoteCheckoutUrl: string | null;
  readonly successUrl: string | null;
  readonly cancelUrl: string | null;
  readonly autoCapture: boolean;
  /** Days between a successful payment and the order becoming `approved` (seed 004 `completed`), 1–3. */
  readonly clearingDays: number;
  /** Standard Webhooks secret (`whsec_…`) that signs this shop's callbacks and verifies its inbound webhooks. */
  readonly webhookSecret: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ProductKind = 'course' | 'bundle';

export interface ProductPrice {
  readonly currency: string;
  readonly amount: number;
}

export interface Product {
  readonly id: number;
  readonly shopId: string;
  readonly kind: ProductKind;
  readonly title: string;
  readonly sku: string;
  readonly description: string | null;
  readonly active: boolean;
  readonly prices: readonly ProductPrice[];
  /** For a bundle, the ids of the courses it grants; empty for a course. */
  readonly courseIds: readonly number[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Customer {
  readonly id: string;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** A restricted account may sign in but may not buy (seed 001 answers 403). */
  readonly restricted: boolean;
  readonly passwordHash: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type PromoKind = 'percent_off' | 'amount_off' | 'price_override';

export interface PromoCode {
  readonly id: string;
  readonly shopId: string;
  /** Stored upper-case; matched case-insensitively. */
  readonly code: string;
  readonly kind: PromoKind;
  /** percent_off: parts per million (25% = 250000). */
  readonly percentOffPpm: number | null;
  /** amount_off / price_override: minor units of `currency`. */
  readonly amount: number | null;
  readonly currency: string | null;
  /** Restricts the code to one product; null applies it to every line. */
  readonly productId: number | null;
  readonly expiresAt: number | null;
  readonly usageLimit: number | null;
  readonly timesUsed: number;
  readonly oncePerCustomer: boolean;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TaxRate {
  readonly id: string;
  readonly shopId: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2; null is the shop's default rate, used when no country-specific rate matches. */
  readonly country: string | null;
  /** Exclusive tax rate in parts per million (20% = 200000). */
  readonly ratePpm: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** The first characters of the key, safe to display so people can tell keys apart. */
  readonly prefix: string;
  /** SHA-256 hex of the key; the key itself is shown once at creation and never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface RefreshToken {
  readonly id: string;
  readonly customerId: string;
  readonly hash: string;
  /** Every token minted by rotation from one sign-in shares a family; reuse of a rotated token revokes it. */
  readonly family: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
  readonly createdAt: number;
}

export interface Order {
  readonly id: number;
  readonly shopId: string;
  readonly customerId: string | null;
  /** The merchant's own order number (seed 004 `orderNumber`), unique per shop when given. */
  readonly number: string | null;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly paymentStatus: PaymentStatus;
  readonly fulfillmentStatus: FulfillmentStatus;
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  /** Tax set by an external checkout page (seed 000 `tax_price_cents`); replaces the computed tax. */
  readonly taxOverride: number | null;
  readonly total: number;
  readonly promoCodeId: string | null;
  readonly promoCode: string | null;
  readonly country: string | null;
  readonly email: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly placedAt: number | null;
  readonly cancelledAt: number | null;
  /**
   * When a cancelled order, holding no money and with no payment in flight, gave back its promo code use
   * and redeemed seat code; null before that (an order cancelled during a payment keeps them until the
   * payment's money is released).
   */
  readonly releasedAt: number | null;
  /** Why the last payment attempt failed, shown to the buyer (seed 000 `status_msg`). */
  readonly statusMessage: string | null;
  /** The processor's id for the payment made outside Paybridge (seed 000 `payment_processor_order_id`). */
  readonly processorReference: string | null;
  /** What the external checkout sent about the payment (seed 000 `payment_processor_response_data`). */
  readonly processorData: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Incremented by every update; guarded updates compare it to detect concurrent changes. */
  readonly version: number;
}

export interface OrderLine {
  readonly id: number;
  readonly orderId: number;
  readonly productId: number;
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  readonly total: number;
}

export type StatusAxis = 'status' | 'payment_status' | 'fulfillment_status';

/** One row of an order's append-only history: which axis moved, from what to what, and who moved it. */
export interface StatusChange {
  readonly id: string;
  readonly orderId: number;
  readonly axis: StatusAxis;
  readonly from: string;
  readonly to: string;
  /** `api_key:<id>`, `customer:<id>`, `gateway:<id>`, `system:<job>`. */
  readonly actor: string;
  readonly reason: string | null;
  readonly createdAt: number;
}

/** An append-only payment transaction; only `pending` rows are ever completed, once. */
export interface PaymentTransaction {
  readonly id: string;
  readonly orderId: number;
  readonly gatewayId: string | null;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly amount: number;
  readonly currency: string;
  /** The transaction this one acts on: capture/void → authorization, refund → capture. */
  readonly parentId: string | null;
  /** Deterministic key sent to the processor so a retried call has one effect. Unique. */
  readonly idempotencyKey: string;
  readonly processorToken: string | null;
  /** Seed 002: the processor's id for an asynchronous (202) transaction, completed by webhook. */
  readonly actionId: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type GatewayKind = 'sandbox' | 'external' | 'manual';

export interface Gateway {
  readonly id: string;
  readonly shopId: string;
  readonly kind: GatewayKind;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface LedgerAccount {
  readonly id: string;
  /** Unique, human-meaningful: `merchant:<shop>:USD`, `processor:<gateway>:USD`, `customer:<id>:USD`. */
  readonly code: string;
  readonly currency: string;
  readonly mayGoNegative: boolean;
  /** Sum of all postings to the account, minor units. */
  readonly balance: number;
  readonly createdAt: number;
}

export interface LedgerPosting {
  readonly accountId: string;
  readonly amount: number;
}

export interface LedgerTransfer {
  readonly id: string;
  readonly currency: string;
  readonly kind: string;
  /** What caused it (a transaction id, a top-up id); unique per kind so a retry posts once. */
  readonly reference: string;
  readonly postings: readonly LedgerPosting[];
  readonly createdAt: number;
}

/** A stored response for an `Idempotency-Key`, scoped to the caller that sent it. */
export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /** null while the first request is still running. */
  readonly statusCode: number | null;
  readonly responseBody: string | null;
  readonly createdAt: number;
}

/** A page of a list, ordered by id ascending. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

export interface PageRequest {
  /** 1–100. */
  readonly limit: number;
  /** Return items whose id is greater than this one. */
  readonly after?: string | number | undefined;
}

/** A domain event in the outbox, written in the transaction of the change it announces. */
export interface DomainEvent {
  readonly id: string;
  /** e.g. `order.placed`, `payment.captured`, `purchase.fulfilled`. */
  readonly type: string;
  readonly shopId: string | null;
  readonly orderId: number | null;
  /** 1, 2, 3… per order, so receivers can put one order's events in order; null without an order. */
  readonly sequence: number | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface WebhookEndpoint {
  readonly id: string;
  /** Only this shop's events; null receives every shop's. */
  readonly shopId: string | null;
  readonly url: string;
  /** Standard Webhooks secret, `whsec_` + base64. */
  readonly secret: string;
  /** Event types to receive; `['*']` is all. */
  readonly eventTypes: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  /** Bound to one order (seed 004 `webhookUrl`): receives that order's events only. Absent/null: not bound. */
  readonly orderId?: number | null;
  /** The body it receives: the native event envelope (default), or the seed-004 order JSON. */
  readonly format?: WebhookFormat;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type WebhookFormat = 'native' | 'seed004';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint; its id is the `webhook-id` header, the same on every attempt. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface WebhookAttempt {
  readonly id: number;
  readonly deliveryId: string;
  readonly attempt: number;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly createdAt: number;
}

export type JobStatus = 'pending' | 'done' | 'failed';

/** A side effect to run at least once: an e-mail, a callback, a fulfillment step. */
export interface Job {
  readonly id: string;
  readonly kind: string;
  /** Jobs with the same dedupe key are enqueued once. */
  readonly dedupeKey: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A lease on work items: the worker that holds it until `until` may complete them. */
export interface Lease {
  readonly owner: string;
  readonly until: number;
}

export interface CheckoutSession {
  readonly id: string;
  readonly orderId: number;
  readonly status: 'open' | 'complete' | 'expired';
  readonly successUrl: string | null;
  readonly cancelUrl: string | null;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Enrollment {
  readonly id: string;
  readonly customerId: string;
  readonly courseId: number;
  /** The order that granted it; cancelling or refunding that order revokes exactly these. */
  readonly orderId: number;
  readonly status: 'active' | 'revoked';
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface SeatCode {
  readonly id: string;
  readonly code: string;
  readonly orderId: number;
  readonly productId: number;
  readonly status: 'available' | 'redeemed' | 'revoked';
  readonly redeemedBy: string | null;
  readonly redeemedOrderId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface OrderNote {
  readonly id: number;
  readonly orderId: number;
  readonly source: string;
  readonly body: unknown;
  readonly createdAt: number;
}

/** A saved, reusable payment source of a customer (seed 002 customer token). */
export interface PaymentSourceRecord {
  readonly id: string;
  readonly customerId: string;
  readonly gatewayId: string;
  readonly customerToken: string;
  readonly token: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

/**
 * Seed 002: the settings of an `external` gateway, stored as its `Gateway.config`. URLs are absolute
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

/** A way a shop accepts payments, on one of its gateways (seed 004 payment methods). */
export interface PaymentMethod {
  readonly id: string;
  readonly shopId: string;
  readonly gatewayId: string;
  readonly instrument: PaymentInstrument;
  /** ISO 4217 codes this method accepts. */
  readonly currencies: readonly string[];
  /** Authorize now, capture later (seed 004 `autoCapture: false`). */
  readonly twoStage: boolean;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * An invoice a shop sends a customer. Amounts in minor units of `currency`; invariant
 * amountPaid + amountDiscounted ≤ total, and the status follows `domain/invoice.ts`.
 */
export interface Invoice {
  readonly id: string;
  readonly shopId: string;
  readonly customerId: string;
  /** The merchant's own invoice number, unique per shop when given. */
  readonly number: string | null;
  readonly description: string | null;
  readonly currency: string;
  readonly status: InvoiceStatus;
  readonly total: number;
  readonly amountPaid: number;
  /** Discounts granted by codes on succeeded payments. */
  readonly amountDiscounted: number;
  readonly dueAt: number;
  /** The shop's promo codes (upper-case) a payment of this invoice may apply, each at most once. */
  readonly discountCodes: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly paidAt: number | null;
  readonly voidedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Incremented by every update; guarded updates compare it. */
  readonly version: number;
}

export interface InvoiceLine {
  readonly id: number;
  readonly invoiceId: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly amount: number;
}

/** One attempt to pay (part of) an invoice, seed 003's invoice payment. Amounts in minor units. */
export interface InvoicePayment {
  readonly id: string;
  readonly invoiceId: string;
  readonly type: InvoicePaymentType;
  readonly status: InvoicePaymentStatus;
  /** What the payer pays: the amount due after the discount at the time it was priced, or a part of it. */
  readonly amount: number;
  readonly currency: string;
  readonly discountCode: string | null;
  readonly discount: number;
  /** A part payment asked for at creation; null pays all that is due. */
  readonly requestedAmount: number | null;
  /** PLATFORM: the internal account that pays. */
  readonly accountId: string | null;
  readonly someData: string | null;
  readonly externalData: string | null;
  /** CHECKOUT: the amount-only order paid on the hosted page, and its checkout session. */
  readonly orderId: number | null;
  readonly sessionId: string | null;
  /** When the money moved, epoch milliseconds. */
  readonly paymentDate: number | null;
  readonly failureReason: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An internal account on the ledger, owned by a customer or an organisation, in one currency. */
export interface InternalAccount {
  readonly id: string;
  readonly shopId: string;
  readonly customerId: string | null;
  readonly organisation: string | null;
  readonly currency: string;
  /** Its ledger account (`account:<id>`), which may never go below zero. */
  readonly ledgerAccountId: string;
  readonly createdAt: number;
}

/** An inbound webhook accepted once per (source, webhook id). */
export interface InboundWebhookEvent {
  readonly source: string;
  readonly webhookId: string;
  readonly body: string;
  readonly receivedAt: number;
}
