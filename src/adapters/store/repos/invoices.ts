/** Invoices and their lines, invoice payments, internal accounts, and de-duplicated inbound webhooks. */
import { UNFINISHED_PAYMENT_STATUSES } from '../../../domain/invoice.js';
import type { InboundWebhookRepo } from '../../../ports/events.js';
import type { Invoice, InvoiceLine, InvoicePayment, InvoicePaymentRepo, InvoiceRepo } from '../../../ports/invoices.js';
import type { InternalAccount, InternalAccountRepo } from '../../../ports/ledger.js';
import { crud, fromRow, toRow, type Columns, type Db, type NewRow } from '../mapping.js';

type Dialect = 'sqlite' | 'postgres';

const INVOICE: Columns<Invoice> = {
  id: ['id'], shopId: ['shop_id'], customerId: ['customer_id'], number: ['number'], description: ['description'],
  currency: ['currency'], status: ['status'], total: ['total'], amountPaid: ['amount_paid'],
  amountDiscounted: ['amount_discounted'], dueAt: ['due_at'], discountCodes: ['discount_codes', 'json'],
  metadata: ['metadata', 'json'], paidAt: ['paid_at'], voidedAt: ['voided_at'], createdAt: ['created_at'],
  updatedAt: ['updated_at'], version: ['version'],
};

const LINE: Columns<InvoiceLine> = {
  id: ['id'], invoiceId: ['invoice_id'], description: ['description'], quantity: ['quantity'],
  unitAmount: ['unit_amount'], amount: ['amount'],
};

export function invoiceRepo(db: Db, now: () => number, dialect: Dialect): InvoiceRepo {
  const base = crud(db, 'invoices', INVOICE);
  return {
    async insert(invoice, lines) {
      const created = await base.insert({ ...invoice, version: 1, createdAt: now(), updatedAt: now() });
      if (lines.length > 0) {
        await db.insertInto('invoice_lines').values(lines.map((l) => toRow(LINE, { ...l, invoiceId: created.id }) as NewRow<'invoice_lines'>)).execute();
      }
      return created;
    },
    get: (id) => base.get(id),
    async getForUpdate(id) {
      let q = db.selectFrom('invoices').selectAll().where('id', '=', id);
      if (dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async lines(invoiceId) {
      const rows = await db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoiceId).orderBy('id').execute();
      return rows.map((r) => fromRow(LINE, r));
    },
    list: (filter, page) => base.list({ shop_id: filter.shopId, customer_id: filter.customerId, status: filter.status }, page),
    async updateGuarded(id, version, patch) {
      const values = toRow(INVOICE, { ...patch, updatedAt: now(), version: version + 1 });
      delete values['id'];
      const r = await db.updateTable('invoices').set(values).where('id', '=', id).where('version', '=', version).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async claimPastDue(at, limit) {
      let q = db.selectFrom('invoices').selectAll().where('status', 'in', ['open', 'partially_paid']).where('due_at', '<=', at)
        .orderBy('due_at').orderBy('id').limit(limit);
      if (dialect === 'postgres') q = q.forUpdate().skipLocked();
      return (await q.execute()).map(base.map);
    },
  };
}

const PAYMENT: Columns<InvoicePayment> = {
  id: ['id'], invoiceId: ['invoice_id'], type: ['type'], status: ['status'], amount: ['amount'], currency: ['currency'],
  discountCode: ['discount_code'], discount: ['discount'], requestedAmount: ['requested_amount'], accountId: ['account_id'],
  someData: ['some_data'], externalData: ['external_data'], orderId: ['order_id'], sessionId: ['session_id'],
  paymentDate: ['payment_date'], failureReason: ['failure_reason'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function invoicePaymentRepo(db: Db, now: () => number): InvoicePaymentRepo {
  const base = crud(db, 'invoice_payments', PAYMENT);
  return {
    insert: (payment) => base.insert({ ...payment, createdAt: now(), updatedAt: now() }),
    get: (id) => base.get(id),
    async unfinished(invoiceId, type) {
      const row = await db.selectFrom('invoice_payments').selectAll().where('invoice_id', '=', invoiceId).where('type', '=', type)
        .where('status', 'in', [...UNFINISHED_PAYMENT_STATUSES]).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async listByInvoice(invoiceId) {
      const rows = await db.selectFrom('invoice_payments').selectAll().where('invoice_id', '=', invoiceId).orderBy('id').execute();
      return rows.map(base.map);
    },
    async updateIf(id, from, patch) {
      const values = toRow(PAYMENT, { ...patch, updatedAt: now() });
      delete values['id'];
      const r = await db.updateTable('invoice_payments').set(values).where('id', '=', id).where('status', 'in', [...from]).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async countDiscountUses(customerId, code) {
      const row = await db.selectFrom('invoice_payments as p').innerJoin('invoices as i', 'i.id', 'p.invoice_id')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('i.customer_id', '=', customerId).where('p.discount_code', '=', code).where('p.status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

const ACCOUNT: Columns<InternalAccount> = {
  id: ['id'], shopId: ['shop_id'], customerId: ['customer_id'], organisation: ['organisation'], currency: ['currency'],
  ledgerAccountId: ['ledger_account_id'], createdAt: ['created_at'],
};

export function internalAccountRepo(db: Db, now: () => number): InternalAccountRepo {
  const base = crud(db, 'internal_accounts', ACCOUNT);
  return {
    async insert(account) {
      const owner = account.customerId !== null ? `customer:${account.customerId}` : `organisation:${(account.organisation ?? '').toLowerCase()}`;
      const row = await db.insertInto('internal_accounts').values({ ...toRow(ACCOUNT, { ...account, createdAt: now() }), owner_key: owner } as NewRow<'internal_accounts'>)
        .returningAll().executeTakeFirstOrThrow();
      return base.map(row);
    },
    get: (id) => base.get(id),
    list: (filter, page) => base.list({ shop_id: filter.shopId, customer_id: filter.customerId }, page),
  };
}

export function inboundWebhookRepo(db: Db): InboundWebhookRepo {
  return {
    async record(event) {
      const r = await db.insertInto('inbound_webhook_events').values({
        source: event.source, webhook_id: event.webhookId, body: event.body, received_at: event.receivedAt,
      }).onConflict((oc) => oc.columns(['source', 'webhook_id']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
  };
}
