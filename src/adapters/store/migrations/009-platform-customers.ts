/**
 * A platform's backend opens checkouts for its own users:
 * - `customers.external_id`: the platform's own id for the customer (unique; customers are platform-wide,
 *   like their e-mail), so a platform can find, create or update a customer without keeping a password here;
 * - `checkout_sessions.native`: 1 for sessions opened through `POST /api/v1/checkout-sessions`. Only those
 *   announce `checkout_session.*` events: the sessions the compatible dialects open have their own events.
 */
import type { Kysely } from 'kysely';

export function platformCustomers(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('customers').addColumn('external_id', 'text').execute();
      await db.schema.createIndex('customers_external_id').on('customers').column('external_id').unique().execute();
      await db.schema.alterTable('checkout_sessions').addColumn('native', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
