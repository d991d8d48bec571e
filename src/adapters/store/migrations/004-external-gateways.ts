/**
 * Commerce Layer external gateways and shop payment methods: the persisted circuit breaker of each external
 * gateway (shared by every API and worker process), the inbound webhooks merchants send (stored once per
 * gateway, action id and body), and the payment methods a shop offers on its gateways.
 */
import type { Kysely } from 'kysely';

export function externalGateways(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.createTable('gateway_circuits')
        .addColumn('gateway_id', 'text', (c) => c.primaryKey().references('gateways.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('failure_count', 'integer', (c) => c.notNull())
        .addColumn('opened_at', 'bigint')
        .addColumn('probe_until', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();

      await s.createTable('inbound_webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('gateway_id', 'text', (c) => c.notNull().references('gateways.id'))
        .addColumn('action_id', 'text')
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text')
        .addColumn('outcome', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('processed_at', 'bigint')
        // A replayed webhook (same gateway, action and bytes) is stored once and acknowledged again.
        .addUniqueConstraint('inbound_webhooks_once', ['gateway_id', 'action_id', 'body_hash']).execute();
      await s.createIndex('inbound_webhooks_gateway').on('inbound_webhooks').columns(['gateway_id', 'id']).execute();

      await s.createTable('payment_methods')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('gateway_id', 'text', (c) => c.notNull().references('gateways.id'))
        .addColumn('instrument', 'text', (c) => c.notNull())
        .addColumn('currencies', 'text', (c) => c.notNull())
        .addColumn('two_stage', 'integer', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();
      await s.createIndex('payment_methods_shop').on('payment_methods').columns(['shop_id', 'id']).execute();
    },
  };
}
