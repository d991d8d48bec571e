/**
 * Payment order callbacks: a webhook endpoint may be bound to one order (`order_id`), so it receives that
 * order's events only, and may speak another body format than the native event envelope (`format`:
 * `native` | `payment_order`, the payment order JSON). Existing endpoints stay shop-wide and native.
 */
import type { Kysely } from 'kysely';

export function orderCallbacks(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.alterTable('webhook_endpoints').addColumn('order_id', 'bigint', (c) => c.references('orders.id')).execute();
      await s.alterTable('webhook_endpoints').addColumn('format', 'text', (c) => c.notNull().defaultTo('native')).execute();
      await s.createIndex('webhook_endpoints_order').on('webhook_endpoints').column('order_id').execute();
    },
  };
}
