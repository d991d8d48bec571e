/** Checkout sessions, enrollments and seat codes, order notes, saved payment sources. */
import type { PaymentSourceRecord, PaymentSourceRepo } from '../../../ports/customers.js';
import type { Enrollment, FulfillmentRepo, SeatCode } from '../../../ports/fulfillment.js';
import type { CheckoutSession, CheckoutSessionRepo, OrderNote, OrderNoteRepo } from '../../../ports/orders.js';
import { cachedRows, changed, crud, pageBy, fromRow, insertRow, slot, toRow, updateWhere, type Columns, type Db, type Row, type NewRow } from '../mapping.js';

type Dialect = 'sqlite' | 'postgres';

const SESSION: Columns<CheckoutSession> = {
  id: ['id'], orderId: ['order_id'], status: ['status'], successUrl: ['success_url'], cancelUrl: ['cancel_url'],
  expiresAt: ['expires_at'], native: ['native', 'bool'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function checkoutSessionRepo(db: Db, now: () => number, dialect: Dialect): CheckoutSessionRepo {
  const base = crud(db, 'checkout_sessions', SESSION);
  return {
    insert: (session) => base.insert({ ...session, createdAt: now(), updatedAt: now() }),
    get: (id) => base.get(id),
    listByCustomer(customerId, page) {
      // One native session per order: the order id (time-ordered) pages them, newest first.
      const q = db.selectFrom('checkout_sessions').innerJoin('orders', 'orders.id', 'checkout_sessions.order_id')
        .selectAll('checkout_sessions').where('orders.customer_id', '=', customerId).where('checkout_sessions.native', '=', 1);
      return pageBy(q, page, base.map, 'checkout_sessions.order_id', 'desc');
    },
    async latestForOrder(orderId) {
      const row = await db.selectFrom('checkout_sessions').selectAll().where('order_id', '=', orderId)
        .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async close(id, status) {
      return changed(await updateWhere(db, 'checkout_sessions', { status, updated_at: now() }, { id, status: 'open' })) > 0;
    },
    async claimExpired(at, limit) {
      let q = db.selectFrom('checkout_sessions').selectAll().where('status', '=', 'open').where('expires_at', '<=', at)
        .orderBy('expires_at').limit(limit);
      if (dialect === 'postgres') q = q.forUpdate().skipLocked();
      return (await q.execute()).map(base.map);
    },
  };
}

const ENROLLMENT: Columns<Enrollment> = {
  id: ['id'], customerId: ['customer_id'], courseId: ['course_id'], orderId: ['order_id'], status: ['status'],
  createdAt: ['created_at'], revokedAt: ['revoked_at'],
};
const SEAT: Columns<SeatCode> = {
  id: ['id'], code: ['code'], orderId: ['order_id'], productId: ['product_id'], status: ['status'],
  redeemedBy: ['redeemed_by'], redeemedOrderId: ['redeemed_order_id'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function fulfillmentRepo(db: Db, now: () => number): FulfillmentRepo {
  const enrollments = crud(db, 'enrollments', ENROLLMENT);
  const seat = (row: Row) => fromRow(SEAT, row);
  return {
    async grant(e) {
      const row = toRow(ENROLLMENT, { ...e, status: 'active', revokedAt: null });
      return changed(await insertRow(db, 'enrollments', row, { ignoreConflictOn: ['order_id', 'course_id'] })) > 0;
    },
    async revokeOrder(orderId, at) {
      const a = await db.updateTable('enrollments').set({ status: 'revoked', revoked_at: at }).where('order_id', '=', orderId)
        .where('status', '=', 'active').executeTakeFirst();
      const b = await db.updateTable('seat_codes').set({ status: 'revoked', updated_at: at }).where('order_id', '=', orderId)
        .where('status', '=', 'available').executeTakeFirst();
      return Number(a.numUpdatedRows) + Number(b.numUpdatedRows);
    },
    async owned(customerId, courseIds) {
      if (courseIds.length === 0) return [];
      const rows = await cachedRows(db, `enrollments.owned(${courseIds.length})`, [customerId, 'active', ...courseIds],
        () => db.selectFrom('enrollments').selectAll().where('customer_id', '=', slot(0)).where('status', '=', slot(1))
          .where('course_id', 'in', courseIds.map((_, i) => slot(2 + i))));
      return rows.map(enrollments.map);
    },
    enrollments: (filter, page) => enrollments.list({ customer_id: filter.customerId, order_id: filter.orderId }, page),
    async insertSeatCodes(codes) {
      if (codes.length === 0) return;
      await db.insertInto('seat_codes').values(codes.map((c) => toRow(SEAT, {
        ...c, status: 'available', redeemedBy: null, redeemedOrderId: null, createdAt: now(), updatedAt: now(),
      }) as NewRow<'seat_codes'>)).execute();
    },
    async seatCodes(orderId) {
      return (await cachedRows(db, 'seat_codes.byOrder', [orderId], () => db.selectFrom('seat_codes').selectAll().where('order_id', '=', slot(0)).orderBy('id'))).map(seat);
    },
    async getSeatCode(code) {
      const row = await db.selectFrom('seat_codes').selectAll().where('code', '=', code.toUpperCase()).executeTakeFirst();
      return row ? seat(row) : undefined;
    },
    async redeemSeatCode(id, customerId, orderId) {
      const r = await db.updateTable('seat_codes').set({ status: 'redeemed', redeemed_by: customerId, redeemed_order_id: orderId, updated_at: now() })
        .where('id', '=', id).where('status', '=', 'available').executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async revokeSeatCode(id, at) {
      const r = await db.updateTable('seat_codes').set({ status: 'revoked', updated_at: at }).where('id', '=', id)
        .where('status', '=', 'redeemed').executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async releaseSeatCode(redeemedOrderId) {
      await db.updateTable('seat_codes').set({ status: 'available', redeemed_by: null, redeemed_order_id: null, updated_at: now() })
        .where('redeemed_order_id', '=', redeemedOrderId).where('status', '=', 'redeemed').execute();
    },
  };
}

const NOTE: Columns<OrderNote> = { id: ['id'], orderId: ['order_id'], source: ['source'], body: ['body', 'json'], createdAt: ['created_at'] };

export function orderNoteRepo(db: Db): OrderNoteRepo {
  return {
    async add(note) {
      return fromRow(NOTE, await db.insertInto('order_notes').values(toRow(NOTE, note) as NewRow<'order_notes'>).returningAll().executeTakeFirstOrThrow());
    },
    async list(orderId) {
      return (await db.selectFrom('order_notes').selectAll().where('order_id', '=', orderId).orderBy('id').execute())
        .map((r: Row) => fromRow(NOTE, r));
    },
  };
}

const SOURCE: Columns<PaymentSourceRecord> = {
  id: ['id'], customerId: ['customer_id'], gatewayId: ['gateway_id'], customerToken: ['customer_token'], token: ['token'],
  metadata: ['metadata', 'json'], createdAt: ['created_at'],
};

export function paymentSourceRepo(db: Db, now: () => number): PaymentSourceRepo {
  const base = crud(db, 'payment_sources', SOURCE);
  return {
    insert: (source) => base.insert({ ...source, createdAt: now() }),
    get: (id) => base.get(id),
    async listByCustomer(customerId) {
      return (await db.selectFrom('payment_sources').selectAll().where('customer_id', '=', customerId).orderBy('id').execute()).map(base.map);
    },
  };
}
