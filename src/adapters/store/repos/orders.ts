/** Orders, their lines and status history, and payment transactions. */
import type { Order, OrderLine, OrderRepo, StatusChange } from '../../../ports/orders.js';
import type { PaymentTransaction, TransactionRepo } from '../../../ports/payments.js';
import { cachedRows, changed, crud, fromRow, insertRows, slot, toRow, updateWhere, type ColumnOf, type Columns, type Db } from '../mapping.js';

export const ORDER: Columns<Order> = {
  id: ['id'], shopId: ['shop_id'], customerId: ['customer_id'], number: ['number'], currency: ['currency'],
  status: ['status'], paymentStatus: ['payment_status'], fulfillmentStatus: ['fulfillment_status'],
  subtotal: ['subtotal'], discount: ['discount'], tax: ['tax'], taxOverride: ['tax_override'], total: ['total'],
  promoCodeId: ['promo_code_id'], promoCode: ['promo_code'], country: ['country'], email: ['email'],
  metadata: ['metadata', 'json'], placedAt: ['placed_at'], cancelledAt: ['cancelled_at'], releasedAt: ['released_at'], statusMessage: ['status_message'],
  processorReference: ['processor_reference'], processorData: ['processor_data'],
  createdAt: ['created_at'], updatedAt: ['updated_at'], version: ['version'],
};

const LINE: Columns<OrderLine> = {
  id: ['id'], orderId: ['order_id'], productId: ['product_id'], sku: ['sku'], title: ['title'],
  quantity: ['quantity'], unitAmount: ['unit_amount'], subtotal: ['subtotal'], discount: ['discount'],
  tax: ['tax'], total: ['total'],
};

const CHANGE: Columns<StatusChange> = {
  id: ['id'], orderId: ['order_id'], axis: ['axis'], from: ['from_status'], to: ['to_status'],
  actor: ['actor'], reason: ['reason'], createdAt: ['created_at'],
};

export function orderRepo(db: Db, now: () => number, dialect: 'sqlite' | 'postgres'): OrderRepo {
  const base = crud(db, 'orders', ORDER);
  return {
    async insert(order, lines) {
      const created = await base.insert({ ...order, version: 1, createdAt: now(), updatedAt: now() });
      await insertRows(db, 'order_lines', lines.map((l) => toRow(LINE, { ...l, orderId: created.id })));
      return created;
    },
    get: (id) => base.get(id),
    async getForUpdate(id) {
      const [row] = await cachedRows(db, 'orders.getForUpdate', [id], () => {
        const q = db.selectFrom('orders').selectAll().where('id', '=', slot(0));
        return dialect === 'postgres' ? q.forUpdate() : q;
      });
      return row ? base.map(row) : undefined;
    },
    async lines(orderId) {
      const rows = await cachedRows(db, 'order_lines.byOrder', [orderId],
        () => db.selectFrom('order_lines').selectAll().where('order_id', '=', slot(0)).orderBy('id'));
      return rows.map((r) => fromRow(LINE, r));
    },
    list: (filter, page) => base.list({ shop_id: filter.shopId, customer_id: filter.customerId }, page),
    async updateGuarded(id, version, patch) {
      const values = toRow(ORDER, { ...patch, updatedAt: now(), version: version + 1 });
      delete values['id'];
      return changed(await updateWhere(db, 'orders', values, { id, version })) > 0;
    },
    async updateLineAmounts(lines) {
      for (const l of lines) await db.updateTable('order_lines').set({ tax: l.tax, total: l.total }).where('id', '=', l.id).execute();
    },
    async addStatusChanges(changes) {
      await insertRows(db, 'order_status_changes', changes.map((c) => toRow(CHANGE, c)));
    },
    async countWithPromo(promoCodeId, customerId) {
      const row = await db.selectFrom('orders').select((eb) => eb.fn.countAll().as('n'))
        .where('promo_code_id', '=', promoCodeId).where('customer_id', '=', customerId)
        .where('released_at', 'is', null).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async history(orderId) {
      const rows = await cachedRows(db, 'order_status_changes.byOrder', [orderId],
        () => db.selectFrom('order_status_changes').selectAll().where('order_id', '=', slot(0)).orderBy('id'));
      return rows.map((r) => fromRow(CHANGE, r));
    },
  };
}

const TXN: Columns<PaymentTransaction> = {
  id: ['id'], orderId: ['order_id'], gatewayId: ['gateway_id'], kind: ['kind'], status: ['status'],
  amount: ['amount'], currency: ['currency'], parentId: ['parent_id'], idempotencyKey: ['idempotency_key'],
  processorToken: ['processor_token'], actionId: ['action_id'], errorCode: ['error_code'],
  errorMessage: ['error_message'], metadata: ['metadata', 'json'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function transactionRepo(db: Db, now: () => number): TransactionRepo {
  const base = crud(db, 'payment_transactions', TXN);
  const one = async (column: ColumnOf<'payment_transactions'>, value: unknown, extra?: [ColumnOf<'payment_transactions'>, unknown]) => {
    const [row] = await cachedRows(db, `payment_transactions.by(${column},${extra?.[0] ?? ''})`, extra ? [value, extra[1]] : [value], () => {
      const q = db.selectFrom('payment_transactions').selectAll().where(column, '=', slot(0));
      return extra ? q.where(extra[0], '=', slot(1)) : q;
    });
    return row ? base.map(row) : undefined;
  };
  return {
    insert: (txn) => base.insert({ ...txn, createdAt: now(), updatedAt: now() }),
    get: (id) => base.get(id),
    getByIdempotencyKey: (key) => one('idempotency_key', key),
    getByActionId: (gatewayId, actionId) => one('action_id', actionId, ['gateway_id', gatewayId]),
    async listByOrder(orderId) {
      const rows = await cachedRows(db, 'payment_transactions.byOrder', [orderId],
        () => db.selectFrom('payment_transactions').selectAll().where('order_id', '=', slot(0)).orderBy('created_at').orderBy('id'));
      return rows.map(base.map);
    },
    async setPendingDetails(id, patch) {
      await updateWhere(db, 'payment_transactions', { ...toRow(TXN, patch), updated_at: now() }, { id, status: 'pending' });
    },
    async listPending(before, limit) {
      const rows = await db.selectFrom('payment_transactions').selectAll().where('status', '=', 'pending')
        .where('created_at', '<', before).orderBy('created_at').limit(limit).execute();
      return rows.map(base.map);
    },
    async complete(id, patch, at) {
      return changed(await updateWhere(db, 'payment_transactions', toRow(TXN, { ...patch, updatedAt: at }), { id, status: 'pending' })) > 0;
    },
  };
}
