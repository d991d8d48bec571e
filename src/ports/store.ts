/**
 * Persistence. Every method of a repository runs in the transaction it was obtained from, or in its own
 * implicit one when called on the Store directly. Methods throw only on storage faults; "not there" is
 * `undefined`, and a refused guarded update is `false`.
 */
import type { ApiKeyRepo, IdempotencyRepo, RefreshTokenRepo } from './access.js';
import type { ProductRepo, PromoCodeRepo, ShopRepo, TaxRateRepo } from './catalog.js';
import type { CustomerRepo, PaymentSourceRepo } from './customers.js';
import type { EventRepo, InboundWebhookRepo, JobRepo, WebhookRepo } from './events.js';
import type { FulfillmentRepo } from './fulfillment.js';
import type { ExternalGatewayRepo, GatewayRepo, PaymentMethodRepo } from './gateways.js';
import type { InvoicePaymentRepo, InvoiceRepo } from './invoices.js';
import type { InternalAccountRepo, LedgerRepo } from './ledger.js';
import type { CheckoutSessionRepo, OrderNoteRepo, OrderRepo } from './orders.js';
import type { OperationsRepo } from './operations.js';
import type { DashboardRepo, OperatorRepo } from './operators.js';
import type { TransactionRepo } from './payments.js';

export interface SettingsRepo {
  get(name: string): Promise<string | undefined>;
  /** Inserts the value unless the name exists; returns the stored value either way. */
  putIfAbsent(name: string, value: string): Promise<string>;
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
  readonly operations: OperationsRepo;
  readonly operators: OperatorRepo;
  /** Read-only queries of the operators' dashboard. */
  readonly dashboard: DashboardRepo;
  /**
   * Runs `action` once the transaction commits (never when it rolls back); outside a transaction, at once.
   * For what must not happen unless the change is durable, such as the log line announcing it.
   */
  readonly onCommit: (action: () => void) => void;
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
