/**
 * The core schema. One migration set for SQLite and PostgreSQL: times are epoch milliseconds (bigint),
 * booleans are 0/1 integers, JSON is text, money is bigint minor units. Integer ids (products, orders)
 * are SQLite rowids or PostgreSQL identities.
 */
import type { Kysely } from 'kysely';

type Db = Kysely<unknown>;

export function serialId(dialect: 'sqlite' | 'postgres') {
  return dialect === 'sqlite'
    ? { type: 'integer' as const, build: (c: any) => c.primaryKey().autoIncrement() }
    : { type: 'bigint' as const, build: (c: any) => c.primaryKey().generatedByDefaultAsIdentity() };
}

export function core(dialect: 'sqlite' | 'postgres') {
  const serial = serialId(dialect);
  return {
    async up(db: Db): Promise<void> {
      const s = db.schema;
      await s.createTable('settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull()).execute();

      await s.createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint').execute();

      await s.createTable('shops')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('remote_checkout_url', 'text')
        .addColumn('success_url', 'text')
        .addColumn('cancel_url', 'text')
        .addColumn('auto_capture', 'integer', (c) => c.notNull())
        .addColumn('clearing_days', 'integer', (c) => c.notNull())
        .addColumn('webhook_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();

      await s.createTable('customers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_lower', 'text', (c) => c.notNull().unique())
        .addColumn('first_name', 'text')
        .addColumn('last_name', 'text')
        .addColumn('restricted', 'integer', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();

      await s.createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('family', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('refresh_tokens_family').on('refresh_tokens').column('family').execute();

      await s.createTable('products')
        .addColumn('id', serial.type, serial.build)
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('products_shop_sku', ['shop_id', 'sku']).execute();

      await s.createTable('product_prices')
        .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('product_prices_pk', ['product_id', 'currency']).execute();

      await s.createTable('bundle_courses')
        .addColumn('bundle_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('course_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('bundle_courses_pk', ['bundle_id', 'course_id']).execute();

      await s.createTable('promo_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('percent_off_ppm', 'integer')
        .addColumn('amount', 'bigint')
        .addColumn('currency', 'text')
        .addColumn('product_id', 'bigint', (c) => c.references('products.id'))
        .addColumn('expires_at', 'bigint')
        .addColumn('usage_limit', 'integer')
        .addColumn('times_used', 'integer', (c) => c.notNull())
        .addColumn('once_per_customer', 'integer', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('promo_codes_shop_code', ['shop_id', 'code']).execute();

      await s.createTable('tax_rates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull()) // '' = the shop's default rate
        .addColumn('rate_ppm', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('tax_rates_shop_country', ['shop_id', 'country']).execute();

      await s.createTable('gateways')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();

      await s.createTable('orders')
        .addColumn('id', serial.type, serial.build)
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
        .addColumn('number', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payment_status', 'text', (c) => c.notNull())
        .addColumn('fulfillment_status', 'text', (c) => c.notNull())
        .addColumn('subtotal', 'bigint', (c) => c.notNull())
        .addColumn('discount', 'bigint', (c) => c.notNull())
        .addColumn('tax', 'bigint', (c) => c.notNull())
        .addColumn('tax_override', 'bigint')
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('promo_code_id', 'text', (c) => c.references('promo_codes.id'))
        .addColumn('promo_code', 'text')
        .addColumn('country', 'text')
        .addColumn('email', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('placed_at', 'bigint')
        .addColumn('cancelled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addUniqueConstraint('orders_shop_number', ['shop_id', 'number']).execute();
      await s.createIndex('orders_customer').on('orders').columns(['customer_id', 'id']).execute();
      await s.createIndex('orders_shop').on('orders').columns(['shop_id', 'id']).execute();

      await s.createTable('order_lines')
        .addColumn('id', serial.type, serial.build)
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_amount', 'bigint', (c) => c.notNull())
        .addColumn('subtotal', 'bigint', (c) => c.notNull())
        .addColumn('discount', 'bigint', (c) => c.notNull())
        .addColumn('tax', 'bigint', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('order_lines_order').on('order_lines').column('order_id').execute();

      await s.createTable('order_status_changes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('axis', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text', (c) => c.notNull())
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('order_status_changes_order').on('order_status_changes').columns(['order_id', 'id']).execute();

      await s.createTable('payment_transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('gateway_id', 'text', (c) => c.references('gateways.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text', (c) => c.references('payment_transactions.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('processor_token', 'text')
        .addColumn('action_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('payment_transactions_action', ['gateway_id', 'action_id']).execute();
      await s.createIndex('payment_transactions_order').on('payment_transactions').columns(['order_id', 'id']).execute();
      await s.createIndex('payment_transactions_pending').on('payment_transactions').columns(['status', 'created_at']).execute();

      await s.createTable('ledger_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('may_go_negative', 'integer', (c) => c.notNull())
        .addColumn('balance', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull()).execute();

      await s.createTable('ledger_transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('ledger_transfers_reference', ['kind', 'reference']).execute();

      await s.createTable('ledger_postings')
        .addColumn('id', serial.type, serial.build)
        .addColumn('transfer_id', 'text', (c) => c.notNull().references('ledger_transfers.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('ledger_accounts.id'))
        .addColumn('amount', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('ledger_postings_account').on('ledger_postings').columns(['account_id', 'id']).execute();
      await s.createIndex('ledger_postings_transfer').on('ledger_postings').column('transfer_id').execute();

      await s.createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key']).execute();
      await s.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
    },
  };
}
