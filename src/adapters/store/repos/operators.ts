/** Operators of the dashboard, their sessions, and the dashboard's read-only queries. */
import { sql } from 'kysely';
import type { DashboardRepo, Operator, OperatorRepo, OperatorSession } from '../../../ports/operators.js';
import { changed, crud, fromRow, insertRow, toRow, type Columns, type Db, type Row } from '../mapping.js';
import { ORDER } from './orders.js';

const OPERATOR: Columns<Operator> = {
  id: ['id'], email: ['email'], passwordHash: ['password_hash'], createdBy: ['created_by'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

const SESSION: Columns<OperatorSession> = {
  id: ['id'], tokenHash: ['token_hash'], operatorId: ['operator_id'], apiKeyId: ['api_key_id'],
  createdAt: ['created_at'], lastSeenAt: ['last_seen_at'], revokedAt: ['revoked_at'],
};

export function operatorRepo(db: Db): OperatorRepo {
  const base = crud(db, 'operators', OPERATOR);
  return {
    async insert(operator) {
      const row = { ...toRow(OPERATOR, operator), email_lower: operator.email.toLowerCase() };
      return changed(await insertRow(db, 'operators', row, { ignoreConflictOn: ['email_lower'] })) > 0;
    },
    get: (id) => base.get(id),
    async getByEmail(email) {
      const row = await db.selectFrom('operators').selectAll().where('email_lower', '=', email.toLowerCase()).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async list() {
      return (await db.selectFrom('operators').selectAll().orderBy('email_lower').execute()).map(base.map);
    },
    async count() {
      const row = await db.selectFrom('operators').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insertSession(session) {
      await insertRow(db, 'operator_sessions', toRow(SESSION, { ...session, revokedAt: null }));
    },
    async sessionByTokenHash(tokenHash) {
      const row = await db.selectFrom('operator_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? fromRow(SESSION, row) : undefined;
    },
    async touchSession(id, at) {
      await db.updateTable('operator_sessions').set({ last_seen_at: at }).where('id', '=', id).where('last_seen_at', '<', at).execute();
    },
    async revokeSession(id, at) {
      await db.updateTable('operator_sessions').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
  };
}

const DAY_MS = 86_400_000;

export function dashboardRepo(db: Db, dialect: 'sqlite' | 'postgres'): DashboardRepo {
  const mapOrder = (row: Row) => fromRow(ORDER, row);
  const contains = (column: string, needle: string) => (dialect === 'sqlite'
    ? sql<boolean>`instr(lower(${sql.ref(column)}), ${needle}) > 0`
    : sql<boolean>`strpos(lower(${sql.ref(column)}), ${needle}) > 0`);
  return {
    async searchOrders(search, page) {
      let q = db.selectFrom('orders as o').leftJoin('customers as c', 'c.id', 'o.customer_id').selectAll('o');
      const text = search.text?.trim().toLowerCase();
      if (text) {
        const id = /^#?\d{1,15}$/.test(text) ? Number(text.replace('#', '')) : null;
        q = q.where((eb) => eb.or([
          ...(id !== null ? [eb('o.id', '=', id)] : []),
          eb('o.number', '=', search.text!.trim()),
          eb('o.processor_reference', '=', search.text!.trim()),
          eb('o.customer_id', '=', search.text!.trim()),
          contains('o.email', text),
          contains('c.email_lower', text),
        ]));
      }
      if (search.status) q = q.where('o.status', '=', search.status);
      if (search.paymentStatus) q = q.where('o.payment_status', '=', search.paymentStatus);
      if (search.fulfillmentStatus) q = q.where('o.fulfillment_status', '=', search.fulfillmentStatus);
      if (search.customerId) q = q.where('o.customer_id', '=', search.customerId);
      if (search.from !== undefined) q = q.where('o.created_at', '>=', search.from);
      if (search.to !== undefined) q = q.where('o.created_at', '<', search.to);
      if (page.before !== undefined) q = q.where('o.id', '<', page.before);
      const rows = await q.orderBy('o.id', 'desc').limit(page.limit + 1).execute();
      return { items: rows.slice(0, page.limit).map((r) => mapOrder(r as Row)), hasMore: rows.length > page.limit };
    },
    async moneyTotals(kind, from, to) {
      const rows = await db.selectFrom('payment_transactions').select(['currency', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.sum('amount').as('amount')])
        .where('kind', '=', kind).where('status', '=', 'succeeded').where('updated_at', '>=', from).where('updated_at', '<', to)
        .groupBy('currency').orderBy('currency').execute();
      return rows.map((r) => ({ currency: r.currency, count: Number(r.n), amount: Number(r.amount) }));
    },
    async salesByDay(from, to) {
      const day = sql<number>`updated_at / ${sql.lit(DAY_MS)}`;
      const rows = await db.selectFrom('payment_transactions')
        .select(['currency', 'kind', day.as('day'), (eb) => eb.fn.sum('amount').as('amount')])
        .where('kind', 'in', ['capture', 'refund']).where('status', '=', 'succeeded').where('updated_at', '>=', from).where('updated_at', '<', to)
        .groupBy(['currency', 'kind', day]).execute();
      const sums = new Map<string, { currency: string; day: string; amount: number }>();
      for (const r of rows) {
        const date = new Date(Math.floor(Number(r.day)) * DAY_MS).toISOString().slice(0, 10);
        const key = `${r.currency} ${date}`;
        const entry = sums.get(key) ?? { currency: r.currency, day: date, amount: 0 };
        entry.amount += (r.kind === 'refund' ? -1 : 1) * Number(r.amount);
        sums.set(key, entry);
      }
      return [...sums.values()].sort((a, b) => a.currency.localeCompare(b.currency) || a.day.localeCompare(b.day));
    },
    async outcomes(from, to) {
      const rows = await db.selectFrom('payment_transactions').select(['kind', 'status', (eb) => eb.fn.countAll().as('n')])
        .where('created_at', '>=', from).where('created_at', '<', to).groupBy(['kind', 'status']).orderBy('kind').orderBy('status').execute();
      return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) }));
    },
    async stalePending(before, limit) {
      const rows = await db.selectFrom('payment_transactions').select(['id', 'order_id', 'kind', 'amount', 'currency', 'created_at'])
        .where('status', '=', 'pending').where('created_at', '<', before).orderBy('created_at').limit(limit).execute();
      return rows.map((r) => ({ id: r.id, orderId: Number(r.order_id), kind: r.kind, amount: Number(r.amount), currency: r.currency, createdAt: Number(r.created_at) }));
    },
    async paidUnfulfilled(limit) {
      const rows = await db.selectFrom('orders').selectAll()
        .where('payment_status', 'in', ['paid', 'partially_refunded']).where('fulfillment_status', 'in', ['unfulfilled', 'in_progress'])
        .where('status', '!=', 'cancelled').orderBy('id').limit(limit).execute();
      return rows.map((r) => mapOrder(r as Row));
    },
    async unsentEmails(dueBefore, limit) {
      const rows = await db.selectFrom('jobs').select(['id', 'status', 'attempts', 'last_error', 'payload', 'created_at'])
        .where('kind', '=', 'email')
        .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<', dueBefore)])]))
        .orderBy('created_at').limit(limit).execute();
      return rows.map((r) => {
        const payload = JSON.parse(r.payload) as { to?: string; subject?: string };
        return { id: r.id, status: r.status, attempts: Number(r.attempts), lastError: r.last_error, to: payload.to ?? '', subject: payload.subject ?? '', createdAt: Number(r.created_at) };
      });
    },
  };
}
