/**
 * The database's tables as TypeScript types: one interface per table, one property per column, the way the
 * migrations in ./migrations create them (test/integration/schema.test.ts checks both ways against a freshly
 * migrated SQLite and PostgreSQL database). A column with a default is \`Generated\` (optional on insert).
 * Stored shapes: booleans are integers 0/1, JSON is text, times are epoch milliseconds, amounts minor units.
 * A new migration that adds or changes a column changes its table's interface here in the same commit.
 */
import type { Generated } from 'kysely';

interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

interface BundleCoursesTable {
  bundle_id: number;
  course_id: number;
  position: number;
}

interface CheckoutSessionsTable {
  id: string;
  order_id: number;
  status: string;
  success_url: string | null;
  cancel_url: string | null;
  expires_at: number;
  created_at: number;
  updated_at: number;
  native: Generated<number>;
}

interface CustomersTable {
  id: string;
  email: string;
  email_lower: string;
  first_name: string | null;
  last_name: string | null;
  restricted: number;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  external_id: string | null;
}

interface EnrollmentsTable {
  id: string;
  customer_id: string;
  course_id: number;
  order_id: number;
  status: string;
  created_at: number;
  revoked_at: number | null;
}

interface EventsTable {
  id: string;
  type: string;
  shop_id: string | null;
  order_id: number | null;
  sequence: number | null;
  data: string;
  dispatched: number;
  created_at: number;
}

interface GatewayCircuitsTable {
  gateway_id: string;
  state: string;
  failure_count: number;
  opened_at: number | null;
  probe_until: number | null;
  updated_at: number;
}

interface GatewaysTable {
  id: string;
  shop_id: string;
  kind: string;
  name: string;
  config: string;
  created_at: number;
  updated_at: number;
}

interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: number;
}

interface InboundWebhookEventsTable {
  source: string;
  webhook_id: string;
  body: string;
  received_at: number;
}

interface InboundWebhooksTable {
  id: string;
  gateway_id: string;
  action_id: string | null;
  body_hash: string;
  body: string;
  status: string;
  transaction_id: string | null;
  outcome: string | null;
  created_at: number;
  processed_at: number | null;
}

interface InternalAccountsTable {
  id: string;
  shop_id: string;
  customer_id: string | null;
  organisation: string | null;
  owner_key: string;
  currency: string;
  ledger_account_id: string;
  created_at: number;
}

interface InvoiceLinesTable {
  id: Generated<number>;
  invoice_id: string;
  description: string;
  quantity: number;
  unit_amount: number;
  amount: number;
}

interface InvoicePaymentsTable {
  id: string;
  invoice_id: string;
  type: string;
  status: string;
  amount: number;
  currency: string;
  discount_code: string | null;
  discount: number;
  requested_amount: number | null;
  account_id: string | null;
  some_data: string | null;
  external_data: string | null;
  order_id: number | null;
  session_id: string | null;
  payment_date: number | null;
  failure_reason: string | null;
  created_at: number;
  updated_at: number;
}

interface InvoicesTable {
  id: string;
  shop_id: string;
  customer_id: string;
  number: string | null;
  description: string | null;
  currency: string;
  status: string;
  total: number;
  amount_paid: number;
  amount_discounted: number;
  due_at: number;
  discount_codes: string;
  metadata: string;
  paid_at: number | null;
  voided_at: number | null;
  created_at: number;
  updated_at: number;
  version: number;
}

interface JobsTable {
  id: string;
  kind: string;
  dedupe_key: string | null;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

interface LedgerAccountsTable {
  id: string;
  code: string;
  currency: string;
  may_go_negative: number;
  balance: number;
  created_at: number;
}

interface LedgerPostingsTable {
  id: Generated<number>;
  transfer_id: string;
  account_id: string;
  amount: number;
}

interface LedgerTransfersTable {
  id: string;
  currency: string;
  kind: string;
  reference: string;
  created_at: number;
}

interface OperatorSessionsTable {
  id: string;
  token_hash: string;
  operator_id: string | null;
  api_key_id: string | null;
  created_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

interface OperatorsTable {
  id: string;
  email: string;
  email_lower: string;
  password_hash: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

interface OrderLinesTable {
  id: Generated<number>;
  order_id: number;
  product_id: number;
  sku: string;
  title: string;
  quantity: number;
  unit_amount: number;
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}

interface OrderNotesTable {
  id: Generated<number>;
  order_id: number;
  source: string;
  body: string;
  created_at: number;
}

interface OrderStatusChangesTable {
  id: string;
  order_id: number;
  axis: string;
  from_status: string;
  to_status: string;
  actor: string;
  reason: string | null;
  created_at: number;
}

interface OrdersTable {
  id: Generated<number>;
  shop_id: string;
  customer_id: string | null;
  number: string | null;
  currency: string;
  status: string;
  payment_status: string;
  fulfillment_status: string;
  subtotal: number;
  discount: number;
  tax: number;
  tax_override: number | null;
  total: number;
  promo_code_id: string | null;
  promo_code: string | null;
  country: string | null;
  email: string | null;
  metadata: string;
  placed_at: number | null;
  cancelled_at: number | null;
  created_at: number;
  updated_at: number;
  version: number;
  event_seq: Generated<number>;
  status_message: string | null;
  processor_reference: string | null;
  processor_data: string | null;
  released_at: number | null;
}

interface PaymentMethodsTable {
  id: string;
  shop_id: string;
  gateway_id: string;
  instrument: string;
  currencies: string;
  two_stage: number;
  active: number;
  created_at: number;
  updated_at: number;
}

interface PaymentSourcesTable {
  id: string;
  customer_id: string;
  gateway_id: string;
  customer_token: string;
  token: string;
  metadata: string;
  created_at: number;
}

interface PaymentTransactionsTable {
  id: string;
  order_id: number;
  gateway_id: string | null;
  kind: string;
  status: string;
  amount: number;
  currency: string;
  parent_id: string | null;
  idempotency_key: string;
  processor_token: string | null;
  action_id: string | null;
  error_code: string | null;
  error_message: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

interface ProductPricesTable {
  product_id: number;
  currency: string;
  amount: number;
}

interface ProductsTable {
  id: Generated<number>;
  shop_id: string;
  kind: string;
  title: string;
  sku: string;
  description: string | null;
  active: number;
  created_at: number;
  updated_at: number;
}

interface PromoCodesTable {
  id: string;
  shop_id: string;
  code: string;
  kind: string;
  percent_off_ppm: number | null;
  amount: number | null;
  currency: string | null;
  product_id: number | null;
  expires_at: number | null;
  usage_limit: number | null;
  times_used: number;
  once_per_customer: number;
  active: number;
  created_at: number;
  updated_at: number;
}

interface RefreshTokensTable {
  id: string;
  customer_id: string;
  hash: string;
  family: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

interface SeatCodesTable {
  id: string;
  code: string;
  order_id: number;
  product_id: number;
  status: string;
  redeemed_by: string | null;
  redeemed_order_id: number | null;
  created_at: number;
  updated_at: number;
}

interface SettingsTable {
  name: string;
  value: string;
}

interface ShopsTable {
  id: string;
  name: string;
  currency: string;
  remote_checkout_url: string | null;
  success_url: string | null;
  cancel_url: string | null;
  auto_capture: number;
  clearing_days: number;
  webhook_secret: string;
  created_at: number;
  updated_at: number;
}

interface TaxRatesTable {
  id: string;
  shop_id: string;
  name: string;
  country: string;
  rate_ppm: number;
  created_at: number;
  updated_at: number;
}

interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  created_at: number;
}

interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
  updated_at: number;
}

interface WebhookEndpointsTable {
  id: string;
  shop_id: string | null;
  url: string;
  secret: string;
  event_types: string;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_at: number;
  updated_at: number;
  order_id: number | null;
  format: Generated<string>;
}

/** Every table, by name: the type of the store's `Kysely<Database>`. */
export interface Database {
  api_keys: ApiKeysTable;
  bundle_courses: BundleCoursesTable;
  checkout_sessions: CheckoutSessionsTable;
  customers: CustomersTable;
  enrollments: EnrollmentsTable;
  events: EventsTable;
  gateway_circuits: GatewayCircuitsTable;
  gateways: GatewaysTable;
  idempotency_keys: IdempotencyKeysTable;
  inbound_webhook_events: InboundWebhookEventsTable;
  inbound_webhooks: InboundWebhooksTable;
  internal_accounts: InternalAccountsTable;
  invoice_lines: InvoiceLinesTable;
  invoice_payments: InvoicePaymentsTable;
  invoices: InvoicesTable;
  jobs: JobsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_transfers: LedgerTransfersTable;
  operator_sessions: OperatorSessionsTable;
  operators: OperatorsTable;
  order_lines: OrderLinesTable;
  order_notes: OrderNotesTable;
  order_status_changes: OrderStatusChangesTable;
  orders: OrdersTable;
  payment_methods: PaymentMethodsTable;
  payment_sources: PaymentSourcesTable;
  payment_transactions: PaymentTransactionsTable;
  product_prices: ProductPricesTable;
  products: ProductsTable;
  promo_codes: PromoCodesTable;
  refresh_tokens: RefreshTokensTable;
  seat_codes: SeatCodesTable;
  settings: SettingsTable;
  shops: ShopsTable;
  tax_rates: TaxRatesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
}
