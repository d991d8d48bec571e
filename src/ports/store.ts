/**
 * Persistence. Every method of a repository runs in the transaction it was obtained from, or in its own
 * implicit one when called on the Store directly. Methods throw only on storage faults; "not there" is
 * `undefined`, and a refused guarded update is `false`.
 */
import type {
  CheckoutSession, Enrollment, OrderNote, PaymentSourceRecord, SeatCode,
} from './records.js';
import type { GatewayCircuit, GatewayKind, InboundWebhook, PaymentMethod } from './records.js';
import type {
  DomainEvent, Job, Lease, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
} from './records.js';
import type { InboundWebhookEvent, InternalAccount, Invoice, InvoiceLine, InvoicePayment } from './records.js';
import type { InvoicePaymentStatus, InvoicePaymentType } from '../domain/invoice.js';
import type {
  ApiKey, Customer, Gateway, IdempotencyRecord, LedgerAccount, LedgerTransfer, Order, OrderLine, Page,
  PageRequest, PaymentTransaction, Product, PromoCode, RefreshToken, Shop, StatusChange, TaxRate,
} from './records.js';

type New<T> = Omit<T, 'createdAt' | 'updatedAt'>;
type Patch<T> = Partial<Omit<T, 'id' | 'createdAt' | 'updatedAt'>>;

export interface ShopRepo {
  insert(shop: New<Shop>): Promise<Shop>;
  update(id: string, patch: Patch<Shop>): Promise<Shop | undefined>;
  get(id: string): Promise<Shop | undefined>;
  list(page: PageRequest): Promise<Page<Shop>>;
}

export interface ProductRepo {
  /** Inserts with the next integer id, or with `id` when given (demo data pins ids 1, 2, 3). */
  insert(product: Omit<New<Product>, 'id'> & { id?: number }): Promise<Product>;
  update(id: number, patch: Patch<Product>): Promise<Product | undefined>;
  get(id: number): Promise<Product | undefined>;
  getMany(ids: readonly number[]): Promise<Product[]>;
  getBySku(shopId: string, sku: string): Promise<Product | undefined>;
  list(filter: { shopId?: string | undefined; active?: boolean | undefined }, page: PageRequest): Promise<Page<Product>>;
}

export interface CustomerRepo {
  insert(customer: New<Customer>): Promise<Customer>;
  update(id: string, patch: Patch<Customer>): Promise<Customer | undefined>;
  get(id: string): Promise<Customer | undefined>;
  /** Case-insensitive. */
  getByEmail(email: string): Promise<Customer | undefined>;
  list(filter: { email?: string | undefined }, page: PageRequest): Promise<Page<Customer>>;
}

export interface PromoCodeRepo {
  insert(promo: New<PromoCode>): Promise<PromoCode>;
  update(id: string, patch: Patch<PromoCode>): Promise<PromoCode | undefined>;
  get(id: string): Promise<PromoCode | undefined>;
  /** `code` is matched case-insensitively. */
  getByCode(shopId: string, code: string): Promise<PromoCode | undefined>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<PromoCode>>;
  /** Counts one use, only while under the usage limit; false when the code is used up. */
  use(id: string): Promise<boolean>;
  /** Gives one use back (the order that used it was cancelled). */
  release(id: string): Promise<void>;
}

export interface TaxRateRepo {
  insert(rate: New<TaxRate>): Promise<TaxRate>;
  update(id: string, patch: Patch<TaxRate>): Promise<TaxRate | undefined>;
  get(id: string): Promise<TaxRate | undefined>;
  delete(id: string): Promise<boolean>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<TaxRate>>;
  /** The rate for `country` in the shop, else the shop's default (country null), else undefined. */
  find(shopId: string, country: string | null): Promise<TaxRate | undefined>;
}

export interface ApiKeyRepo {
  insert(key: Omit<ApiKey, 'createdAt'> & { createdAt?: number }): Promise<ApiKey>;
  getByHash(hash: string): Promise<ApiKey | undefined>;
  get(id: string): Promise<ApiKey | undefined>;
  revoke(id: string, at: number): Promise<boolean>;
  list(page: PageRequest): Promise<Page<ApiKey>>;
}

export interface RefreshTokenRepo {
  insert(token: Omit<RefreshToken, 'usedAt' | 'revokedAt'>): Promise<RefreshToken>;
  getByHash(hash: string): Promise<RefreshToken | undefined>;
  /** Marks an unused, unrevoked token used; false when it was already used or revoked (a replay). */
  markUsed(id: string, at: number): Promise<boolean>;
  revokeFamily(family: string, at: number): Promise<void>;
  /** Revokes every sign-in of the customer except the family `keep` (null: all of them). */
  revokeCustomer(customerId: string, keep: string | null, at: number): Promise<void>;
  /** Whether any token of the family was revoked (a revoked sign-in stays revoked). */
  familyRevoked(family: string): Promise<boolean>;
}

export interface OrderRepo {
  insert(order: Omit<New<Order>, 'id' | 'version'>, lines: readonly Omit<OrderLine, 'id' | 'orderId'>[]): Promise<Order>;
  get(id: number): Promise<Order | undefined>;
  /** Reads the order and, on PostgreSQL, locks its row until the transaction ends. */
  getForUpdate(id: number): Promise<Order | undefined>;
  lines(orderId: number): Promise<OrderLine[]>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest): Promise<Page<Order>>;
  /** Applies `patch` only if the stored version is `version`; bumps the version. False if it changed. */
  updateGuarded(id: number, version: number, patch: Patch<Omit<Order, 'version'>>): Promise<boolean>;
  /**
   * Rewrites the tax and total of some of an order's lines (minor units), e.g. after an external checkout
   * set the order's tax; the caller updates the order's totals in the same transaction so they still add up.
   */
  updateLineAmounts(lines: readonly Pick<OrderLine, 'id' | 'tax' | 'total'>[]): Promise<void>;
  /** Appends history rows, in this order. */
  addStatusChanges(changes: readonly StatusChange[]): Promise<void>;
  /** Orders of `customerId` that used the promo code and were not cancelled. */
  countWithPromo(promoCodeId: string, customerId: string): Promise<number>;
  history(orderId: number): Promise<StatusChange[]>;
}

export interface TransactionRepo {
  insert(txn: New<PaymentTransaction>): Promise<PaymentTransaction>;
  get(id: string): Promise<PaymentTransaction | undefined>;
  getByIdempotencyKey(key: string): Promise<PaymentTransaction | undefined>;
  getByActionId(gatewayId: string, actionId: string): Promise<PaymentTransaction | undefined>;
  listByOrder(orderId: number): Promise<PaymentTransaction[]>;
  /** Records what the processor said of a transaction that stays pending (its action id, its token). */
  setPendingDetails(id: string, patch: Partial<Pick<PaymentTransaction, 'actionId' | 'processorToken' | 'metadata'>>): Promise<void>;
  /** Pending transactions created before `before`, oldest first (for the janitor). */
  listPending(before: number, limit: number): Promise<PaymentTransaction[]>;
  /** Completes a `pending` row; false when it was no longer pending (someone else completed it). */
  complete(id: string, patch: Pick<PaymentTransaction, 'status'> & Partial<Pick<PaymentTransaction,
    'processorToken' | 'errorCode' | 'errorMessage' | 'metadata'>>, at: number): Promise<boolean>;
}

export interface GatewayRepo {
  insert(gateway: New<Gateway>): Promise<Gateway>;
  get(id: string): Promise<Gateway | undefined>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<Gateway>>;
}

export interface LedgerRepo {
  /** Returns the account with this code, creating it (balance 0) when missing. */
  account(code: string, currency: string, mayGoNegative: boolean): Promise<LedgerAccount>;
  getAccount(id: string): Promise<LedgerAccount | undefined>;
  /**
   * Writes the transfer and moves every balance with a guarded update (an account that may not go
   * negative is only debited while its balance covers the posting). Returns false, having written
   * nothing, when a guard refused; the caller's transaction must then be rolled back or abandoned.
   * A transfer whose (kind, reference) already exists is not posted twice: returns true.
   */
  post(transfer: LedgerTransfer): Promise<boolean>;
  transfers(accountId: string, page: PageRequest): Promise<Page<LedgerTransfer & { amount: number; cursor: number }>>;
  /** Σ balances per currency — zero for every currency when the books balance. */
  totals(): Promise<Record<string, number>>;
}

export interface IdempotencyRepo {
  /** Claims the key for a new request; false when a record for (scope, key) already exists. */
  claim(record: Omit<IdempotencyRecord, 'statusCode' | 'responseBody'>): Promise<boolean>;
  get(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  complete(scope: string, key: string, statusCode: number, responseBody: string): Promise<void>;
  release(scope: string, key: string): Promise<void>;
  /** Deletes records created before `before`; returns how many. */
  purge(before: number): Promise<number>;
}

export interface SettingsRepo {
  get(name: string): Promise<string | undefined>;
  /** Inserts the value unless the name exists; returns the stored value either way. */
  putIfAbsent(name: string, value: string): Promise<string>;
}

export interface EventRepo {
  /**
   * Appends events in this order; an order's events take its next sequence numbers, consecutively and
   * atomically.
   */
  appendAll(events: readonly Omit<DomainEvent, 'sequence' | 'createdAt'>[]): Promise<DomainEvent[]>;
  get(id: string): Promise<DomainEvent | undefined>;
  /** Events not yet fanned out to endpoints, oldest first, locked (SKIP LOCKED on PostgreSQL). */
  claimUndispatched(limit: number): Promise<DomainEvent[]>;
  markDispatched(ids: readonly string[]): Promise<void>;
  list(filter: { orderId?: number | undefined; type?: string | undefined }, page: PageRequest): Promise<Page<DomainEvent>>;
  /** Events written but never fanned out, or with a delivery not yet delivered or failed for good. */
  countUndelivered(): Promise<number>;
}

export interface DeliveryFilter {
  readonly endpointId?: string | undefined;
  readonly eventId?: string | undefined;
  readonly status?: WebhookDelivery['status'] | undefined;
  /** The type of the delivered event, e.g. `payment.captured`. */
  readonly eventType?: string | undefined;
}

export interface WebhookRepo {
  insertEndpoint(endpoint: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt'>): Promise<WebhookEndpoint>;
  updateEndpoint(id: string, patch: Partial<Omit<WebhookEndpoint, 'id' | 'createdAt' | 'updatedAt'>>): Promise<WebhookEndpoint | undefined>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  deleteEndpoint(id: string): Promise<boolean>;
  /** Endpoints not bound to an order (order-bound ones belong to their order and are read with getEndpoint). */
  listEndpoints(page: PageRequest): Promise<Page<WebhookEndpoint>>;
  /**
   * For each event, the enabled endpoints that want its type from its shop (one query for them all). An
   * endpoint bound to an order matches only that order's events; shop-wide ones match as before.
   */
  matchingEndpoints(events: readonly Pick<DomainEvent, 'shopId' | 'type' | 'orderId'>[]): Promise<WebhookEndpoint[][]>;
  /** Creates the deliveries that do not exist yet (one per endpoint and event). */
  createDeliveries(deliveries: readonly Pick<WebhookDelivery, 'id' | 'endpointId' | 'eventId' | 'nextAttemptAt'>[]): Promise<void>;
  /** Leases up to `limit` pending deliveries due at `now` whose lease is free or expired. */
  claimDue(now: number, limit: number, lease: Lease): Promise<WebhookDelivery[]>;
  /** Applies the outcome of an attempt if `owner` still holds the lease; false otherwise. */
  finishAttempt(id: string, owner: string, patch: Pick<WebhookDelivery, 'status' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt' | 'attempts'>): Promise<boolean>;
  recordAttempt(attempt: Omit<WebhookAttempt, 'id'>): Promise<void>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  /** Deliveries matching every filter given, newest first (`page.after` is the last id of the previous page). */
  listDeliveries(filter: DeliveryFilter, page: PageRequest): Promise<Page<WebhookDelivery>>;
  attempts(deliveryId: string): Promise<WebhookAttempt[]>;
  /** Puts a delivery back in the queue for an attempt at `at` (manual replay). */
  requeue(id: string, at: number): Promise<boolean>;
  /** Counts a failed attempt against the endpoint and returns the new run of consecutive failures. */
  endpointFailed(id: string): Promise<number>;
  endpointSucceeded(id: string): Promise<void>;
}

export interface JobRepo {
  /** Enqueues a job; a job whose dedupe key already exists is not enqueued again (returns false). */
  enqueue(job: Pick<Job, 'id' | 'kind' | 'payload' | 'nextAttemptAt'> & { dedupeKey?: string | null }): Promise<boolean>;
  claimDue(now: number, limit: number, lease: Lease, kinds?: readonly string[]): Promise<Job[]>;
  /** Records an outcome if `owner` still holds the lease. */
  finish(id: string, owner: string, patch: Pick<Job, 'status' | 'nextAttemptAt' | 'lastError' | 'attempts'>): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  list(filter: { kind?: string | undefined; status?: string | undefined }, page: PageRequest): Promise<Page<Job>>;
}

export interface CheckoutSessionRepo {
  insert(session: Omit<CheckoutSession, 'createdAt' | 'updatedAt'>): Promise<CheckoutSession>;
  get(id: string): Promise<CheckoutSession | undefined>;
  /** The newest session of an order. */
  latestForOrder(orderId: number): Promise<CheckoutSession | undefined>;
  /** Moves an `open` session to `status`; false when it was not open any more. */
  close(id: string, status: 'complete' | 'expired'): Promise<boolean>;
  /** Open sessions whose expiry has passed, oldest first, locked (SKIP LOCKED on PostgreSQL). */
  claimExpired(now: number, limit: number): Promise<CheckoutSession[]>;
}

export interface FulfillmentRepo {
  /** Grants the course; returns false when this order already granted it (exactly once per line). */
  grant(enrollment: Omit<Enrollment, 'status' | 'revokedAt'>): Promise<boolean>;
  /** Revokes every active enrollment and unredeemed seat code the order granted; returns how many. */
  revokeOrder(orderId: number, at: number): Promise<number>;
  /** Active enrollments of a customer in these courses. */
  owned(customerId: string, courseIds: readonly number[]): Promise<Enrollment[]>;
  enrollments(filter: { customerId?: string | undefined; orderId?: number | undefined }, page: PageRequest): Promise<Page<Enrollment>>;
  insertSeatCodes(codes: readonly Omit<SeatCode, 'createdAt' | 'updatedAt' | 'status' | 'redeemedBy' | 'redeemedOrderId'>[]): Promise<void>;
  seatCodes(orderId: number): Promise<SeatCode[]>;
  getSeatCode(code: string): Promise<SeatCode | undefined>;
  /** Marks an available code redeemed by this customer's order; false when it was not available. */
  redeemSeatCode(id: string, customerId: string, orderId: number): Promise<boolean>;
  /** Revokes a redeemed code (the order that bought it was refunded or cancelled); false when it was not redeemed. */
  revokeSeatCode(id: string, at: number): Promise<boolean>;
  /** Makes a code redeemed by `orderId` available again (that order was cancelled). */
  releaseSeatCode(redeemedOrderId: number): Promise<void>;
}

export interface OrderNoteRepo {
  /** Appends a note (ids grow with insertion order) and returns it. */
  add(note: Omit<OrderNote, 'id'>): Promise<OrderNote>;
  list(orderId: number): Promise<OrderNote[]>;
}

export interface PaymentSourceRepo {
  insert(source: Omit<PaymentSourceRecord, 'createdAt'>): Promise<PaymentSourceRecord>;
  get(id: string): Promise<PaymentSourceRecord | undefined>;
  listByCustomer(customerId: string): Promise<PaymentSourceRecord[]>;
}

/** Seed 002 external gateways: their settings, persisted circuit breakers and inbound webhooks. */
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
   * exceeds `threshold`; a failed probe re-opens it. An open circuit is left alone.
   */
  recordFailure(gatewayId: string, threshold: number, now: number, probe: boolean): Promise<void>;
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

/** Read-only queries for the invariant checker (`paybridge check`); each returns the offending rows. */
export interface AuditRepo {
  /** Transfers whose postings do not sum to zero. */
  unbalancedTransfers(): Promise<string[]>;
  /** Accounts whose cached balance differs from the sum of their postings. */
  accountsOutOfSync(): Promise<{ id: string; code: string; balance: number; postings: number }[]>;
  /** Accounts that may not go negative and did. */
  negativeAccounts(): Promise<{ id: string; code: string; balance: number }[]>;
  /**
   * Active enrollments and unredeemed seat codes whose order is cancelled or fully refunded, and active
   * enrollments granted through a seat code whose buying order is (`seat_enrollment`, with that order's id).
   */
  grantsOfVoidOrders(): Promise<{ orderId: number; kind: 'enrollment' | 'seat_code' | 'seat_enrollment'; id: string }[]>;
  /** Events never fanned out, and deliveries still pending whose attempt was due before `dueBefore`. */
  stuckOutbox(dueBefore: number): Promise<{ undispatched: number; overdueDeliveries: number; overdueJobs: number }>;
}

/** Invoices and their lines. */
export interface InvoiceRepo {
  insert(invoice: Omit<New<Invoice>, 'version'>, lines: readonly Omit<InvoiceLine, 'id' | 'invoiceId'>[]): Promise<Invoice>;
  get(id: string): Promise<Invoice | undefined>;
  /** Reads the invoice and, on PostgreSQL, locks its row until the transaction ends. */
  getForUpdate(id: string): Promise<Invoice | undefined>;
  lines(invoiceId: string): Promise<InvoiceLine[]>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined; status?: string | undefined }, page: PageRequest): Promise<Page<Invoice>>;
  /** Applies `patch` only if the stored version is `version`; bumps the version. False if it changed. */
  updateGuarded(id: string, version: number, patch: Patch<Omit<Invoice, 'version'>>): Promise<boolean>;
  /** Open or partially paid invoices due at or before `now`, earliest due first, locked (SKIP LOCKED on PostgreSQL). */
  claimPastDue(now: number, limit: number): Promise<Invoice[]>;
}

/** Invoice payments. At most one payment per (invoice, type) is unfinished (open or processing): a unique index holds it. */
export interface InvoicePaymentRepo {
  insert(payment: New<InvoicePayment>): Promise<InvoicePayment>;
  get(id: string): Promise<InvoicePayment | undefined>;
  /** The unfinished (open or processing) payment of this invoice and type. */
  unfinished(invoiceId: string, type: InvoicePaymentType): Promise<InvoicePayment | undefined>;
  listByInvoice(invoiceId: string): Promise<InvoicePayment[]>;
  /** Applies `patch` only while the status is one of `from`; false otherwise (someone else moved it). */
  updateIf(id: string, from: readonly InvoicePaymentStatus[], patch: Patch<InvoicePayment>): Promise<boolean>;
  /** Succeeded payments that applied `code` on invoices of `customerId`. */
  countDiscountUses(customerId: string, code: string): Promise<number>;
}

/** Internal accounts; the balance lives on their ledger account. */
export interface InternalAccountRepo {
  /** Inserts; throws a unique violation (→ already_exists) when the owner already has an account in this shop and currency. */
  insert(account: Omit<InternalAccount, 'createdAt'>): Promise<InternalAccount>;
  get(id: string): Promise<InternalAccount | undefined>;
  list(filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest): Promise<Page<InternalAccount>>;
}

/** Inbound webhooks already accepted, for de-duplication (DESIGN rule 8). */
export interface InboundWebhookRepo {
  /** Records the webhook; false when one with this (source, webhook id) was recorded before (a duplicate). */
  record(event: InboundWebhookEvent): Promise<boolean>;
}

export interface Repos {
  readonly shops: ShopRepo;
  readonly products: ProductRepo;
  readonly customers: CustomerRepo;
  readonly promoCodes: PromoCodeRepo;
  readonly taxRates: TaxRateRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly refreshTokens: RefreshTokenRepo;
  readonly orders: OrderRepo;
  readonly transactions: TransactionRepo;
  readonly gateways: GatewayRepo;
  readonly ledger: LedgerRepo;
  readonly idempotency: IdempotencyRepo;
  readonly settings: SettingsRepo;
  readonly events: EventRepo;
  readonly webhooks: WebhookRepo;
  readonly jobs: JobRepo;
  readonly checkoutSessions: CheckoutSessionRepo;
  readonly fulfillment: FulfillmentRepo;
  readonly orderNotes: OrderNoteRepo;
  readonly paymentSources: PaymentSourceRepo;
  readonly invoices: InvoiceRepo;
  readonly invoicePayments: InvoicePaymentRepo;
  readonly internalAccounts: InternalAccountRepo;
  readonly inboundWebhooks: InboundWebhookRepo;
  readonly externalGateways: ExternalGatewayRepo;
  readonly paymentMethods: PaymentMethodRepo;
  readonly audit: AuditRepo;
}

/** Thrown by `Store.tx` callbacks to roll back; the error propagates to the caller unchanged. */
export interface Store extends Repos {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one database transaction: all of its writes commit together or none do. On SQLite the
   * transaction takes the write lock at BEGIN (IMMEDIATE); on PostgreSQL it is READ COMMITTED, and
   * conflicting writers are serialised by `getForUpdate` row locks and guarded updates.
   * Never call a processor or any other network service inside `fn` (DESIGN rule 4).
   */
  tx<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Applies pending migrations. Idempotent; safe to call from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
