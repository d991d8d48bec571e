/**
 * Invoices and their payments: invoices and lines, internal accounts on the ledger, invoice
 * payments (PLATFORM, CHECKOUT, EXTERNAL), and the inbound webhooks already accepted (de-duplication).
 */
import { sql, type Kysely } from 'kysely';
import { serialId } from './001-core.js';

export function invoices(dialect: 'sqlite' | 'postgres') {
  const serial = serialId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.createTable('invoices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('number', 'text')
        .addColumn('description', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('amount_paid', 'bigint', (c) => c.notNull())
        .addColumn('amount_discounted', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('discount_codes', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .addColumn('voided_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addUniqueConstraint('invoices_number', ['shop_id', 'number']).execute();
      await s.createIndex('invoices_customer').on('invoices').columns(['customer_id', 'id']).execute();
      await s.createIndex('invoices_due').on('invoices').columns(['status', 'due_at']).execute();

      await s.createTable('invoice_lines')
        .addColumn('id', serial.type, serial.build)
        .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id'))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_amount', 'bigint', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('invoice_lines_invoice').on('invoice_lines').column('invoice_id').execute();

      await s.createTable('internal_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
        .addColumn('organisation', 'text')
        // `customer:<id>` or `organisation:<name in lower case>`: one account per owner, shop and currency.
        .addColumn('owner_key', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('ledger_account_id', 'text', (c) => c.notNull().unique().references('ledger_accounts.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('internal_accounts_owner', ['shop_id', 'owner_key', 'currency']).execute();
      await s.createIndex('internal_accounts_customer').on('internal_accounts').columns(['customer_id', 'id']).execute();

      await s.createTable('invoice_payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('discount_code', 'text')
        .addColumn('discount', 'bigint', (c) => c.notNull())
        .addColumn('requested_amount', 'bigint')
        .addColumn('account_id', 'text', (c) => c.references('internal_accounts.id'))
        .addColumn('some_data', 'text')
        .addColumn('external_data', 'text')
        .addColumn('order_id', 'bigint', (c) => c.references('orders.id'))
        .addColumn('session_id', 'text')
        .addColumn('payment_date', 'bigint')
        .addColumn('failure_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('invoice_payments_invoice').on('invoice_payments').columns(['invoice_id', 'id']).execute();
      // Create-or-retrieve: two concurrent creates for one invoice and type can never both insert.
      await s.createIndex('invoice_payments_unfinished').on('invoice_payments').columns(['invoice_id', 'type']).unique()
        .where(sql.ref('status'), 'in', ['open', 'processing']).execute();

      await s.createTable('inbound_webhook_events')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('inbound_webhook_events_pk', ['source', 'webhook_id']).execute();
    },
  };
}
