/** The double-entry ledger: accounts with cached balances, transfers and their postings. */
import { sql } from 'kysely';
import type { LedgerAccount, LedgerTransfer } from '../../../ports/records.js';
import type { LedgerRepo } from '../../../ports/store.js';
import { cached, cachedRows, changed, fromRow, insertRow, insertRows, pageBy, slot, type Columns, type Db, type Row } from '../mapping.js';

const ACCOUNT: Columns<LedgerAccount> = {
  id: ['id'], code: ['code'], currency: ['currency'], mayGoNegative: ['may_go_negative', 'bool'],
  balance: ['balance'], createdAt: ['created_at'],
};

export function ledgerRepo(db: Db, now: () => number, newId: (prefix: string) => string): LedgerRepo {
  const map = (row: Row) => fromRow(ACCOUNT, row);
  const byCode = async (code: string) => {
    const [row] = await cachedRows(db, 'ledger_accounts.byCode', [code], () => db.selectFrom('ledger_accounts').selectAll().where('code', '=', slot(0)));
    return row ? map(row) : undefined;
  };
  /** Writes the transfer and moves the balances; false as soon as a guard refuses (the caller undoes the rest). */
  const apply = async (transfer: LedgerTransfer): Promise<boolean> => {
    const inserted = await insertRow(db, 'ledger_transfers', {
      id: transfer.id, currency: transfer.currency, kind: transfer.kind, reference: transfer.reference, created_at: transfer.createdAt,
    }, { ignoreConflictOn: ['kind', 'reference'] });
    if (changed(inserted) === 0) return true;
    // Lock order by account id, so two transfers over the same accounts cannot deadlock on PostgreSQL.
    const postings = [...transfer.postings].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
    for (const p of postings) {
      const moved = await cached(db, 'ledger_accounts.move', [p.amount, p.accountId, transfer.currency, 1, p.amount, 0],
        () => db.updateTable('ledger_accounts')
          .set({ balance: sql`balance + ${slot(0)}` })
          .where('id', '=', slot(1))
          .where('currency', '=', slot(2))
          .where((eb) => eb.or([eb('may_go_negative', '=', slot(3)), eb(sql`balance + ${slot(4)}`, '>=', slot(5))])));
      if (changed(moved) === 0) return false;
    }
    await insertRows(db, 'ledger_postings', postings.map((p) => ({ transfer_id: transfer.id, account_id: p.accountId, amount: p.amount })));
    return true;
  };
  return {
    async account(code, currency, mayGoNegative) {
      const existing = await byCode(code);
      if (existing) return existing;
      await db.insertInto('ledger_accounts').values({
        id: newId('acct'), code, currency, may_go_negative: mayGoNegative ? 1 : 0, balance: 0, created_at: now(),
      }).onConflict((oc) => oc.column('code').doNothing()).execute();
      return (await byCode(code))!;
    },
    async getAccount(id) {
      const row = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? map(row) : undefined;
    },
    async post(transfer) {
      // A refusal must leave nothing behind (neither the transfer row nor a credit already applied), so the
      // postings run under a savepoint, inside the caller's transaction or, without one, a transaction of our own.
      if (!db.isTransaction) return db.transaction().execute((trx) => ledgerRepo(trx, now, newId).post(transfer));
      await sql`savepoint ledger_post`.execute(db);
      const posted = await apply(transfer);
      if (!posted) await sql`rollback to savepoint ledger_post`.execute(db);
      await sql`release savepoint ledger_post`.execute(db);
      return posted;
    },
    async transfers(accountId, page) {
      const q = db.selectFrom('ledger_postings as p').innerJoin('ledger_transfers as t', 't.id', 'p.transfer_id')
        .select(['p.id as posting_id', 'p.amount', 't.id', 't.currency', 't.kind', 't.reference', 't.created_at'])
        .where('p.account_id', '=', accountId);
      const result = await pageBy(q, page, (r) => r, 'p.id');
      const ids = result.items.map((r) => r['id'] as string);
      const all: Row[] = ids.length === 0 ? [] : await db.selectFrom('ledger_postings').selectAll()
        .where('transfer_id', 'in', ids).orderBy('id').execute();
      return {
        hasMore: result.hasMore,
        items: result.items.map((r) => ({
          id: r['id'] as string, currency: r['currency'] as string, kind: r['kind'] as string,
          reference: r['reference'] as string, createdAt: r['created_at'] as number, amount: r['amount'] as number,
          cursor: r['posting_id'] as number,
          postings: all.filter((p) => p['transfer_id'] === r['id'])
            .map((p) => ({ accountId: p['account_id'] as string, amount: p['amount'] as number })),
        })),
      };
    },
    async totals() {
      const rows = await db.selectFrom('ledger_accounts').select(['currency', sql<number>`sum(balance)`.as('total')])
        .groupBy('currency').execute();
      return Object.fromEntries(rows.map((r: Row) => [r['currency'] as string, Number(r['total'])]));
    },
  };
}
