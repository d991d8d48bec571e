/**
 * The ledger through the Store port, on both stores: balanced transfers, accounts that may not go
 * negative, concurrent debits racing for one balance, and transfers posted once per (kind, reference).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { createStore } from '../../src/adapters/store/kysely-store.js';
import { FakeClock } from '../../src/adapters/system-clock.js';
import type { LedgerAccount, LedgerTransfer } from '../../src/ports/ledger.js';
import type { Store } from '../../src/ports/store.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../helpers/stores.js';

/** Thrown inside `store.tx` to roll a refused posting back. */
class Refused extends Error {}

describe.each(DIALECTS)('the ledger in the store (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  const clock = new FakeClock(Date.UTC(2026, 10, 21, 12));
  const ids = new RandomIds(clock);
  let n = 0;

  const accounts = async (currency = 'USD') => {
    const tag = ++n;
    return {
      processor: await store.ledger.account(`processor:${tag}:${currency}`, currency, true),
      wallet: await store.ledger.account(`customer:${tag}:${currency}`, currency, false),
      merchant: await store.ledger.account(`merchant:${tag}:${currency}`, currency, false),
    };
  };
  const transfer = (from: LedgerAccount, to: LedgerAccount, amount: number, kind = 'test', reference = ids.next('ref')): LedgerTransfer => ({
    id: ids.next('tr'), currency: from.currency, kind, reference, createdAt: clock.now(),
    postings: [{ accountId: from.id, amount: -amount }, { accountId: to.id, amount }],
  });
  /** Posts in a transaction of its own, rolled back when the ledger refuses; true when it was posted. */
  const postAtomically = (t: LedgerTransfer) => store.tx(async (tx) => {
    if (!(await tx.ledger.post(t))) throw new Refused();
    return true;
  }).catch((error: unknown) => {
    if (error instanceof Refused) return false;
    throw error;
  });
  const balance = async (a: LedgerAccount) => (await store.ledger.getAccount(a.id))!.balance;
  const postingsOf = async (a: LedgerAccount) => (await store.ledger.transfers(a.id, { limit: 100 })).items.map((x) => x.amount);

  beforeAll(async () => {
    db = await testDatabase(dialect);
    store = createStore({ url: db.url, clock, ids, poolSize: 10 });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('moves money between accounts in balanced transfers: per currency, all balances sum to zero', async () => {
    const usd = await accounts('USD');
    const eur = await accounts('EUR');
    expect(await store.ledger.post(transfer(usd.processor, usd.wallet, 5000))).toBe(true);
    expect(await store.ledger.post(transfer(usd.wallet, usd.merchant, 1999))).toBe(true);
    expect(await store.ledger.post(transfer(eur.processor, eur.merchant, 700))).toBe(true);
    expect([await balance(usd.processor), await balance(usd.wallet), await balance(usd.merchant)]).toEqual([-5000, 3001, 1999]);
    expect(await balance(eur.merchant)).toBe(700);
    expect(await postingsOf(usd.wallet)).toEqual([5000, -1999]);
    const totals = await store.ledger.totals();
    expect(totals).toMatchObject({ USD: 0, EUR: 0 });
    expect(Object.values(totals).every((total) => total === 0)).toBe(true);
  });

  it('refuses to take an account that may not go negative below zero, and the rollback leaves no trace', async () => {
    const { processor, wallet, merchant } = await accounts();
    await store.ledger.post(transfer(processor, wallet, 500));
    expect(await postAtomically(transfer(wallet, merchant, 501))).toBe(false);
    expect([await balance(wallet), await balance(merchant)]).toEqual([500, 0]);
    expect(await postingsOf(merchant)).toEqual([]);
    expect(await postAtomically(transfer(wallet, merchant, 500))).toBe(true);
    expect([await balance(wallet), await balance(merchant)]).toEqual([0, 500]);
    expect((await store.ledger.totals())['USD']).toBe(0);
  });

  it('writes nothing when it refuses a transfer outside any transaction, so the same reference can post later', async () => {
    const { processor, wallet, merchant } = await accounts();
    await store.ledger.post(transfer(processor, merchant, 100));
    // Balances move in account-id order: the wallet's credit would be applied before the merchant's debit is refused.
    expect(wallet.id < merchant.id).toBe(true);
    expect(await store.ledger.post(transfer(merchant, wallet, 500, 'payout', 'payout_1'))).toBe(false);
    expect([await balance(merchant), await balance(wallet)]).toEqual([100, 0]);
    expect((await store.ledger.totals())['USD']).toBe(0);
    expect(await store.ledger.post(transfer(merchant, wallet, 60, 'payout', 'payout_1'))).toBe(true);
    expect([await balance(merchant), await balance(wallet)]).toEqual([40, 60]);
  });

  it('lets an account that may go negative go below zero', async () => {
    const { processor, merchant } = await accounts();
    expect(await postAtomically(transfer(processor, merchant, 123_456))).toBe(true);
    expect(await balance(processor)).toBe(-123_456);
  });

  it('lets exactly 20 of 50 concurrent debits of 10 through an account holding 200, never below zero', async () => {
    const { processor, wallet, merchant } = await accounts();
    await store.ledger.post(transfer(processor, wallet, 200));
    const results = await Promise.all(Array.from({ length: 50 }, () => postAtomically(transfer(wallet, merchant, 10))));
    expect(results.filter(Boolean)).toHaveLength(20);
    expect([await balance(wallet), await balance(merchant)]).toEqual([0, 200]);
    // Postings are written while the account's row is held, so their order is the order balances changed in.
    const history = await postingsOf(wallet);
    expect(history).toHaveLength(21);
    let running = 0;
    for (const amount of history) {
      running += amount;
      expect(running).toBeGreaterThanOrEqual(0);
    }
  });

  it('posts a transfer with the same kind and reference once, even when it arrives twice at once', async () => {
    const { processor, merchant } = await accounts();
    const capture = transfer(processor, merchant, 2500, 'capture', 'txn_once');
    expect(await store.ledger.post(capture)).toBe(true);
    expect(await store.ledger.post({ ...capture, id: ids.next('tr') })).toBe(true);
    expect(await balance(merchant)).toBe(2500);

    const refund = transfer(merchant, processor, 1000, 'refund', 'txn_once');
    const twice = await Promise.all([postAtomically(refund), postAtomically({ ...refund, id: ids.next('tr') })]);
    expect(twice).toEqual([true, true]);
    expect(await balance(merchant)).toBe(1500);
    expect(await postingsOf(merchant)).toEqual([2500, -1000]);
  });

  // Captures and refunds move the same two accounts (the processor's and the merchant's, both allowed to go
  // negative); their balance moves wait for the end of the transaction, so the row locks are held briefly.
  it('moves balances of accounts that may go negative by the end of the transaction, and reads inside it see them', async () => {
    const a = await store.ledger.account(`processor:a${++n}:USD`, 'USD', true);
    const b = await store.ledger.account(`merchant:b${n}:USD`, 'USD', true);
    const seen = await store.tx(async (tx) => {
      await tx.ledger.account(a.code, 'USD', true);
      await tx.ledger.account(b.code, 'USD', true);
      expect(await tx.ledger.post(transfer(a, b, 700))).toBe(true);
      expect(await tx.ledger.post(transfer(a, b, 300))).toBe(true);
      return (await tx.ledger.getAccount(b.id))!.balance; // a read in the transaction sees both moves
    });
    expect(seen).toBe(1000);
    await store.tx(async (tx) => {
      await tx.ledger.account(a.code, 'USD', true);
      await tx.ledger.account(b.code, 'USD', true);
      await tx.ledger.post(transfer(b, a, 250)); // left to the end of the transaction: no read follows
    });
    expect([await balance(a), await balance(b)]).toEqual([-750, 750]);
    expect(await postingsOf(b)).toEqual([700, 300, -250]);
  });

  it('a transaction that fails after such a transfer leaves neither the transfer nor a balance move', async () => {
    const a = await store.ledger.account(`processor:c${++n}:USD`, 'USD', true);
    const b = await store.ledger.account(`merchant:d${n}:USD`, 'USD', true);
    await expect(store.tx(async (tx) => {
      await tx.ledger.account(a.code, 'USD', true);
      await tx.ledger.account(b.code, 'USD', true);
      await tx.ledger.post(transfer(a, b, 400));
      throw new Error('a later step failed');
    })).rejects.toThrow('a later step failed');
    expect([await balance(a), await balance(b)]).toEqual([0, 0]);
    expect(await postingsOf(b)).toEqual([]);
  });

  it('keeps every balance equal to its postings when captures and refunds over the same accounts run at once', async () => {
    const processor = await store.ledger.account(`processor:e${++n}:USD`, 'USD', true);
    const merchant = await store.ledger.account(`merchant:f${n}:USD`, 'USD', true);
    const moves = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? transfer(merchant, processor, 100) : transfer(processor, merchant, 250)));
    await Promise.all(moves.map((t) => store.tx(async (tx) => {
      await tx.ledger.account(processor.code, 'USD', true);
      await tx.ledger.account(merchant.code, 'USD', true);
      return tx.ledger.post(t);
    })));
    const sum = (await postingsOf(merchant)).reduce((x, y) => x + y, 0);
    expect(sum).toBe(30 * 250 - 10 * 100);
    expect(await balance(merchant)).toBe(sum);
    expect(await balance(processor)).toBe(-sum);
  });
});
