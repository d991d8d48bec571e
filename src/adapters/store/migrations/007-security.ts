/**
 * From the security and fault review:
 * - Cancellation never strands money: a cancelled order gives back its promo code use and its redeemed seat
 *   code only once it holds no money and has no payment in flight. `orders.released_at` records that moment
 *   (null while an order is not cancelled, or is cancelled but may still hold money). Orders cancelled
 *   before this migration took no money, so they count as released when they were cancelled.
 * - A password change revokes every sign-in of the customer: refresh tokens are found by customer.
 */
import { sql, type Kysely } from 'kysely';

export function securityReview(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('orders').addColumn('released_at', 'bigint').execute();
      await sql`update orders set released_at = cancelled_at where status = 'cancelled'`.execute(db);
      await db.schema.createIndex('refresh_tokens_customer').on('refresh_tokens').column('customer_id').execute();
    },
  };
}
