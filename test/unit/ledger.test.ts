import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTransfer, transfer, validateTransfer, type AccountBalance, type Posting, type Transfer,
} from '../../src/domain/ledger.js';
import { money } from '../../src/domain/money.js';
import { errorOf, valueOf } from './support.js';

const account = (accountId: string, balance: number, mayGoNegative = false): [string, AccountBalance] =>
  [accountId, { accountId, balance, mayGoNegative }];
const usdTransfer = (postings: Posting[]): Transfer => ({ currency: 'USD', kind: 'capture', postings });

describe('transfer', () => {
  it('debits the source and credits the destination', () => {
    expect(valueOf(transfer('capture', 'processor', 'merchant', money(4999, 'USD')))).toEqual({
      currency: 'USD',
      kind: 'capture',
      postings: [{ accountId: 'processor', amount: -4999 }, { accountId: 'merchant', amount: 4999 }],
    });
  });

  it.each([0, -100])('refuses to move %i', (amount) => {
    expect(errorOf(transfer('capture', 'a', 'b', money(amount, 'USD'))).code).toBe('invalid_amount');
  });

  it('refuses a transfer from an account to itself', () => {
    expect(errorOf(transfer('capture', 'a', 'a', money(1, 'USD'))).code).toBe('validation_failed');
  });
});

describe('validateTransfer', () => {
  it('accepts balanced postings over several accounts', () => {
    const t = usdTransfer([{ accountId: 'a', amount: -100 }, { accountId: 'b', amount: 70 }, { accountId: 'c', amount: 30 }]);
    expect(valueOf(validateTransfer(t))).toBe(t);
  });

  it.each<[string, Posting[]]>([
    ['postings that do not sum to zero', [{ accountId: 'a', amount: -100 }, { accountId: 'b', amount: 99 }]],
    ['a single posting', [{ accountId: 'a', amount: 0 }]],
    ['no postings', []],
    ['a zero posting', [{ accountId: 'a', amount: 0 }, { accountId: 'b', amount: 0 }]],
    ['a fractional posting', [{ accountId: 'a', amount: -0.5 }, { accountId: 'b', amount: 0.5 }]],
    ['an account posted twice', [{ accountId: 'a', amount: -1 }, { accountId: 'a', amount: 1 }]],
  ])('refuses %s as unbalanced', (_name, postings) => {
    expect(errorOf(validateTransfer(usdTransfer(postings))).code).toBe('unbalanced_transfer');
  });

  it('refuses an unknown currency', () => {
    const t = { ...usdTransfer([{ accountId: 'a', amount: -1 }, { accountId: 'b', amount: 1 }]), currency: 'XYZ' };
    expect(errorOf(validateTransfer(t)).code).toBe('unsupported_currency');
  });
});

describe('applyTransfer', () => {
  const books = new Map([account('world', 0, true), account('customer', 500), account('merchant', 0)]);

  it('moves the balances and leaves the input map untouched', () => {
    const t = valueOf(transfer('top_up', 'world', 'customer', money(1000, 'USD')));
    const after = valueOf(applyTransfer(books, t));
    expect(after.get('world')?.balance).toBe(-1000);
    expect(after.get('customer')?.balance).toBe(1500);
    expect(after.get('merchant')?.balance).toBe(0);
    expect(books.get('customer')?.balance).toBe(500);
  });

  it('an internal account never goes below zero', () => {
    const t = valueOf(transfer('payment', 'customer', 'merchant', money(501, 'USD')));
    expect(errorOf(applyTransfer(books, t)).code).toBe('insufficient_funds');
    const exact = valueOf(transfer('payment', 'customer', 'merchant', money(500, 'USD')));
    expect(valueOf(applyTransfer(books, exact)).get('customer')?.balance).toBe(0);
  });

  it('an account that may go negative can be debited past zero', () => {
    const t = valueOf(transfer('capture', 'world', 'merchant', money(10_000, 'USD')));
    expect(valueOf(applyTransfer(books, t)).get('world')?.balance).toBe(-10_000);
  });

  it('refuses a posting to an account missing from the balances', () => {
    const t = valueOf(transfer('capture', 'world', 'stranger', money(1, 'USD')));
    expect(errorOf(applyTransfer(books, t)).code).toBe('not_found');
  });

  it('refuses an unbalanced transfer before touching any balance', () => {
    const t = usdTransfer([{ accountId: 'world', amount: -5 }, { accountId: 'merchant', amount: 6 }]);
    expect(errorOf(applyTransfer(books, t)).code).toBe('unbalanced_transfer');
  });

  it('refuses a balance beyond the safe-integer range', () => {
    const rich = new Map([account('world', 0, true), account('whale', Number.MAX_SAFE_INTEGER)]);
    const t = valueOf(transfer('top_up', 'world', 'whale', money(1, 'USD')));
    expect(errorOf(applyTransfer(rich, t)).code).toBe('invalid_amount');
  });
});

describe('any sequence of applied transfers', () => {
  const ACCOUNTS = ['world', 'processor', 'alice', 'bob', 'merchant'];
  const MAY_GO_NEGATIVE = new Set(['world', 'processor']);
  const step = fc.record({
    currency: fc.constantFrom('USD', 'JPY'),
    from: fc.constantFrom(...ACCOUNTS),
    to: fc.constantFrom(...ACCOUNTS),
    amount: fc.integer({ min: 1, max: 10_000 }),
  });

  it('keeps the balances of each currency summing to zero, internal accounts never negative', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
      const books = new Map(['USD', 'JPY'].map((currency) => [
        currency,
        new Map(ACCOUNTS.map((id) => account(id, 0, MAY_GO_NEGATIVE.has(id)))),
      ]));
      for (const { currency, from, to, amount } of steps) {
        const t = transfer('move', from, to, money(amount, currency));
        const balances = books.get(currency);
        if (!t.ok || balances === undefined) continue;
        const after = applyTransfer(balances, t.value);
        if (!after.ok) {
          expect(after.error.code).toBe('insufficient_funds');
          continue;
        }
        books.set(currency, after.value);
      }
      for (const balances of books.values()) {
        const all = [...balances.values()];
        expect(all.reduce((acc, b) => acc + b.balance, 0)).toBe(0);
        for (const b of all) if (!b.mayGoNegative) expect(b.balance).toBeGreaterThanOrEqual(0);
      }
    }));
  });
});
