/** Read-only audit queries for the invariant checker. */
import { sql } from 'kysely';
import type { AuditRepo } from '../../../ports/store.js';
import type { Db, Row } from '../mapping.js';

export function auditRepo(db: Db): AuditRepo {
  return {
    async unbalancedTransfers() {
      const rows = await db.selectFrom('ledger_postings').select(['transfer_id', sql<number>`sum(amount)`.as('total')])
        .groupBy('transfer_id').having(sql`sum(amount)`, '!=', 0).execute();
      return rows.map((r: Row) => r['transfer_id'] as string);
    },
    async accountsOutOfSync() {
      const rows = await db.selectFrom('ledger_accounts as a')
        .leftJoin('ledger_postings as p', 'p.account_id', 'a.id')
        .select(['a.id', 'a.code', 'a.balance', sql<number>`coalesce(sum(p.amount), 0)`.as('postings')])
        .groupBy(['a.id', 'a.code', 'a.balance'])
        .having(sql`coalesce(sum(p.amount), 0)`, '!=', sql.ref('a.balance')).execute();
      return rows.map((r: Row) => ({ id: r['id'] as string, code: r['code'] as string, balance: Number(r['balance']), postings: Number(r['postings']) }));
    },
    async negativeAccounts() {
      const rows = await db.selectFrom('ledger_accounts').select(['id', 'code', 'balance']).where('may_go_negative', '=', 0)
        .where('balance', '<', 0).execute();
      return rows.map((r: Row) => ({ id: r['id'] as string, code: r['code'] as string, balance: Number(r['balance']) }));
    },
    async grantsOfVoidOrders() {
      const voided = (eb: any) => eb.or([eb('o.status', '=', 'cancelled'), eb('o.payment_status', '=', 'refunded')]);
      const enrollments = await db.selectFrom('enrollments as e').innerJoin('orders as o', 'o.id', 'e.order_id')
        .select(['e.id', 'e.order_id']).where('e.status', '=', 'active').where(voided).execute();
      const seats = await db.selectFrom('seat_codes as s').innerJoin('orders as o', 'o.id', 's.order_id')
        .select(['s.id', 's.order_id']).where('s.status', '=', 'available').where(voided).execute();
      const viaSeats = await db.selectFrom('enrollments as e').innerJoin('seat_codes as s', 's.redeemed_order_id', 'e.order_id')
        .innerJoin('orders as o', 'o.id', 's.order_id').select(['e.id', 's.order_id']).where('e.status', '=', 'active').where(voided).execute();
      return [
        ...viaSeats.map((r: Row) => ({ orderId: Number(r['order_id']), kind: 'seat_enrollment' as const, id: r['id'] as string })),
        ...enrollments.map((r: Row) => ({ orderId: Number(r['order_id']), kind: 'enrollment' as const, id: r['id'] as string })),
        ...seats.map((r: Row) => ({ orderId: Number(r['order_id']), kind: 'seat_code' as const, id: r['id'] as string })),
      ];
    },
    async stuckOutbox(dueBefore) {
      const count = async (q: any) => Number((await q.select((eb: any) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return {
        undispatched: await count(db.selectFrom('events').where('dispatched', '=', 0)),
        overdueDeliveries: await count(db.selectFrom('webhook_deliveries').where('status', '=', 'pending').where('next_attempt_at', '<', dueBefore)),
        overdueJobs: await count(db.selectFrom('jobs').where('status', '=', 'pending').where('next_attempt_at', '<', dueBefore)),
      };
    },
  };
}
