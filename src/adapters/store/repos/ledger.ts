/** The double-entry ledger: accounts with cached balances, transfers and their postings. */
import { sql } from 'kysely';
import type { LedgerAccount, LedgerRepo, LedgerTransfer } from '../../../ports/ledger.js';
import { cached, cachedRows, changed, fromRow, insertRow, insertRows, pageBy, slot, type Columns, type Db, type Row } from '../mapping.js';

const ACCOUNT: Columns<LedgerAccount> = {
  id: ['id'], code: ['code'], currency: ['currency'], mayGoNegative: ['may_go_negative', 'bool'],
  balance: ['balance'], createdAt: ['created_at'],
};

/**
 * Work a transaction runs just before its COMMIT (see `tx` in kysely-store.ts). The ledger moves the
 * balances of accounts that may go negative there: every capture and refund moves the same processor and
 * merchant accounts, and on PostgreSQL a row lock taken mid-transaction is held until the COMMIT, so
 * every checkout queued behind the one before it for the rest of its transaction. Moved last, the lock is
 * held for the update and the commit only.
 */
export type BeforeCommit = (action: () => Promise<void>) => void;

export function ledgerRepo(db: Db, now: () => number, newId: (prefix: string) => string, beforeCommit?: BeforeCommit): LedgerRepo {
  const map = (row: Row) => {
    const account = fromRow(ACCOUNT, row);
    mayGoNegative.set(account.id, account.mayGoNegative);
    return account;
  };
  /** What this transaction has read of each account: whether it may go negative (no guard to check). */
  const mayGoNegative = new Map<string, boolean>();
  /** Balance moves of accounts that may go negative, applied before the COMMIT (or before a read of balances). */
  const pending = new Map<string, { currency: string; amount: number }>();
  let flushQueued = false;
  const flush = async () => {
    const moves = [...pending].sort(([a], [b]) => (a < b ? -1 : 1)); // lock order by account id, as below
    pending.clear();
    for (const [accountId, m] of moves) {
      if (m.amount === 0) continue;
      const moved = await cached(db, 'ledger_accounts.move', [m.amount, accountId, m.currency, 1, m.amount, 0], moveQuery);
      if (changed(moved) === 0) throw new Error(`ledger account ${accountId} (${m.currency}) could not be moved`);
    }
  };
  const moveQuery = () => db.updateTable('ledger_accounts')
    .set({ balance: sql`balance + ${slot(0)}` })
    .where('id', '=', slot(1))
    .where('currency', '=', slot(2))
    .where((eb) => eb.or([eb('may_go_negative', '=', slot(3)), eb(sql`balance + ${slot(4)}`, '>=', slot(5))]));
  const byCode = async (code: string) => {
    if (pending.size > 0) await flush();
    const [row] = await cachedRows(db, 'ledger_accounts.byCode', [code], () => db.selectFrom('ledger_accounts').selectAll().where('code', '=', slot(0)));
    return row ? map(row) : undefined;
  };
  /**
   * A transfer between accounts that may all go negative cannot be refused, so it needs no savepoint, and
   * its balance moves can wait for the COMMIT (inside a transaction that runs `beforeCommit` work).
   */
  const deferrable = (transfer: LedgerTransfer) =>
    beforeCommit !== undefined && db.isTransaction && transfer.postings.every((p) => mayGoNegative.get(p.accountId) === true);
  const applyDeferred = async (transfer: LedgerTransfer): Promise<void> => {
    const inserted = await insertRow(db, 'ledger_transfers', {
      id: transfer.id, currency: transfer.currency, kind: transfer.kind, reference: transfer.reference, created_at: transfer.createdAt,
    }, { ignoreConflictOn: ['kind', 'reference'] });
    if (changed(inserted) === 0) return;
    const postings = [...transfer.postings].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
    await insertRows(db, 'ledger_postings', postings.map((p) => ({ transfer_id: transfer.id, account_id: p.accountId, amount: p.amount })));
    for (const p of postings) {
      const m = pending.get(p.accountId);
      pending.set(p.accountId, { currency: transfer.currency, amount: (m?.amount ?? 0) + p.amount });
    }
    if (!flushQueued) {
      flushQueued = true;
      beforeCommit!(async () => { flushQueued = false; await flush(); });
    }
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
      const moved = await cached(db, 'ledger_accounts.move', [p.amount, p.accountId, transfer.currency, 1, p.amount, 0], moveQuery);
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
      if (pending.size > 0) await flush();
      const row = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? map(row) : undefined;
    },
    async post(transfer) {
      // A refusal must leave nothing behind (neither the transfer row nor a credit already applied), so the
      // postings run under a savepoint, inside the caller's transaction or, without one, a transaction of our own.
      if (!db.isTransaction) return db.transaction().execute((trx) => ledgerRepo(trx, now, newId).post(transfer));
      if (deferrable(transfer)) {
        await applyDeferred(transfer);
        return true;
      }
      if (pending.size > 0) await flush();
      await sql`savepoint ledger_post`.execute(db);
      const posted = await apply(transfer);
      if (!posted) await sql`rollback to savepoint ledger_post`.execute(db);
      await sql`release savepoint ledger_post`.execute(db);
      return posted;
    },
    async transfers(accountId, page) {
      if (pending.size > 0) await flush();
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
      if (pending.size > 0) await flush();
      const rows = await db.selectFrom('ledger_accounts').select(['currency', sql<number>`sum(balance)`.as('total')])
        .groupBy('currency').execute();
      return Object.fromEntries(rows.map((r: Row) => [r['currency'] as string, Number(r['total'])]));
    },
  };
}
