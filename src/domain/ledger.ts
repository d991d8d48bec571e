import { isCurrency } from './currencies.js';
import { DomainError, fail, ok, type Result } from './errors.js';
import type { Money } from './money.js';

/**
 * One leg of a transfer, in signed minor units: a positive amount credits the account (its balance
 * goes up), a negative amount debits it (its balance goes down).
 */
export interface Posting {
  readonly accountId: string;
  readonly amount: number;
}

/**
 * A double-entry transfer in one currency. Invariants once validated: at least two postings, each
 * a non-zero safe integer on a distinct account, summing to exactly zero, so money only ever moves
 * between accounts and the sum of all balances of a currency stays zero. `kind` says why the money
 * moved ("capture", "refund", "top_up", …).
 */
export interface Transfer {
  readonly currency: string;
  readonly kind: string;
  readonly postings: readonly Posting[];
}

/** An account's balance in the transfer's currency, in minor units. */
export interface AccountBalance {
  readonly accountId: string;
  readonly balance: number;
  /** False for internal customer accounts (never below zero); true for clearing/external accounts. */
  readonly mayGoNegative: boolean;
}

function unbalanced(message: string): Result<never> {
  return fail(new DomainError('unbalanced_transfer', message));
}

/**
 * Checks the transfer invariants. Every structural fault (fewer than two postings, a zero or
 * non-integer amount, an account posted twice, a non-zero sum, an empty kind) is refused with
 * `unbalanced_transfer`: transfers are built by Paybridge itself, so any of them is a bug to stop
 * before it reaches the books, not a client mistake. An unknown currency is `unsupported_currency`.
 */
export function validateTransfer(t: Transfer): Result<Transfer> {
  if (!isCurrency(t.currency)) {
    return fail(new DomainError('unsupported_currency', `unsupported currency ${JSON.stringify(t.currency)}`));
  }
  if (t.kind.length === 0) return unbalanced('a transfer needs a kind');
  if (t.postings.length < 2) return unbalanced('a transfer needs at least two postings');
  const accounts = new Set<string>();
  let total = 0n;
  for (const posting of t.postings) {
    if (!Number.isSafeInteger(posting.amount) || posting.amount === 0) {
      return unbalanced(`posting to ${posting.accountId} must be a non-zero integer number of minor units`);
    }
    if (accounts.has(posting.accountId)) return unbalanced(`account ${posting.accountId} is posted twice`);
    accounts.add(posting.accountId);
    total += BigInt(posting.amount);
  }
  if (total !== 0n) return unbalanced(`postings sum to ${total}, not 0`);
  return ok(t);
}

/**
 * Moves `m` from one account to another: `from` is debited (−amount), `to` credited (+amount).
 * Refused with `invalid_amount` unless m.amount > 0, `validation_failed` when from = to.
 */
export function transfer(kind: string, from: string, to: string, m: Money): Result<Transfer> {
  if (!Number.isSafeInteger(m.amount) || m.amount <= 0) {
    return fail(new DomainError('invalid_amount', 'a transfer moves a positive amount'));
  }
  if (from === to) return fail(new DomainError('validation_failed', 'a transfer needs two different accounts'));
  return validateTransfer({
    currency: m.currency,
    kind,
    postings: [{ accountId: from, amount: -m.amount }, { accountId: to, amount: m.amount }],
  });
}

/**
 * Validates `t`, then applies it to `balances` (all in `t.currency`), returning a new map; the
 * input is never mutated. All or nothing: refused with `insufficient_funds` when a debit would
 * take an account that may not go negative below zero, `not_found` when a posting names an account
 * missing from `balances`, `invalid_amount` on overflow, or any `validateTransfer` refusal.
 */
export function applyTransfer(
  balances: ReadonlyMap<string, AccountBalance>,
  t: Transfer,
): Result<Map<string, AccountBalance>> {
  const valid = validateTransfer(t);
  if (!valid.ok) return valid;
  const next = new Map(balances);
  for (const posting of t.postings) {
    const account = balances.get(posting.accountId);
    if (account === undefined) {
      return fail(new DomainError('not_found', `account ${posting.accountId} has no ${t.currency} balance`));
    }
    const balance = account.balance + posting.amount;
    if (!Number.isSafeInteger(balance)) {
      return fail(new DomainError('invalid_amount', `balance of ${posting.accountId} would be out of range`));
    }
    if (posting.amount < 0 && balance < 0 && !account.mayGoNegative) {
      return fail(new DomainError(
        'insufficient_funds',
        `account ${posting.accountId} holds ${account.balance}, less than the ${-posting.amount} to debit`,
      ));
    }
    next.set(posting.accountId, { ...account, balance });
  }
  return ok(next);
}
