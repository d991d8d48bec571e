/**
 * Checkout and fulfillment: hosted checkout sessions, enrollments (who owns which course, granted by which
 * order), seat codes for bulk purchases, notes attached to orders by processors, saved payment sources.
 */
import type { Kysely } from 'kysely';
import { serialId } from './001-core.js';

export function payments(dialect: 'sqlite' | 'postgres') {
  const serial = serialId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.alterTable('orders').addColumn('status_message', 'text').execute();
      await s.alterTable('orders').addColumn('processor_reference', 'text').execute();
      await s.alterTable('orders').addColumn('processor_data', 'text').execute();

      await s.createTable('checkout_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('success_url', 'text')
        .addColumn('cancel_url', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('checkout_sessions_order').on('checkout_sessions').column('order_id').execute();
      await s.createIndex('checkout_sessions_expiry').on('checkout_sessions').columns(['status', 'expires_at']).execute();

      await s.createTable('seat_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('product_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('redeemed_by', 'text', (c) => c.references('customers.id'))
        .addColumn('redeemed_order_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('seat_codes_order').on('seat_codes').column('order_id').execute();

      await s.createTable('enrollments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('course_id', 'bigint', (c) => c.notNull().references('products.id'))
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        // Exactly once per paid line: an order grants a course to its customer once, whatever retries.
        .addUniqueConstraint('enrollments_once', ['order_id', 'course_id']).execute();
      await s.createIndex('enrollments_customer').on('enrollments').columns(['customer_id', 'course_id']).execute();

      await s.createTable('order_notes')
        .addColumn('id', serial.type, serial.build)
        .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('order_notes_order').on('order_notes').column('order_id').execute();

      await s.createTable('payment_sources')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
        .addColumn('gateway_id', 'text', (c) => c.notNull().references('gateways.id'))
        .addColumn('customer_token', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('payment_sources_customer').on('payment_sources').columns(['customer_id', 'id']).execute();
    },
  };
}
