/**
 * Product names instead of internal specification labels in stored values: payment-order callback endpoints
 * had the format `seed004` (now `payment_order`), and the timers of payment orders were jobs of the kinds
 * `seed004.expire`, `seed004.capture-deadline` and `seed004.clearing` (now `payment-order.…`, with their
 * dedupe keys `<kind>:<order id>` renamed alike). A database written by an earlier version keeps working:
 * its rows are renamed here, before any process of this version reads them.
 */
import { sql, type Kysely } from 'kysely';

const OLD_FORMAT = 'seed004';
const OLD_TIMER = 'seed004.';
const NEW_TIMER = 'payment-order.';

export function productNames(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`UPDATE webhook_endpoints SET format = 'payment_order' WHERE format = ${OLD_FORMAT}`.execute(db);
      const rest = OLD_TIMER.length + 1;
      await sql`UPDATE jobs SET
          kind = ${NEW_TIMER} || substr(kind, ${sql.lit(rest)}),
          dedupe_key = CASE WHEN dedupe_key LIKE ${`${OLD_TIMER}%`} THEN ${NEW_TIMER} || substr(dedupe_key, ${sql.lit(rest)}) ELSE dedupe_key END
        WHERE kind LIKE ${`${OLD_TIMER}%`}`.execute(db);
    },
  };
}
