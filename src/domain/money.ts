import { currencyExponent } from './currencies.js';
import { parseScaledDecimal } from './decimal.js';
import { DomainError, fail, ok, type Result } from './errors.js';

/**
 * An amount of money: an integer count of the currency's minor units (cents for USD, yen for JPY,
 * fils for KWD) and an ISO 4217 code. Invariant: `amount` is a safe integer (|amount| ≤ 2^53 − 1)
 * and `currency` is a code from `currencies.ts`. Build one with `money()` or `parseMajor()`.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function invalidAmount(message: string, field = 'amount'): DomainError {
  return new DomainError('invalid_amount', message, [{ field, message }]);
}

/** Narrows a BigInt result back to a safe integer, or throws `invalid_amount`. */
function toSafeInteger(value: bigint): number {
  if (value > MAX_SAFE || value < -MAX_SAFE) throw invalidAmount('amount is out of range');
  return Number(value);
}

function exponentOf(currency: string): number {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) {
    const message = `unsupported currency ${JSON.stringify(currency)}`;
    throw new DomainError('unsupported_currency', message, [{ field: 'currency', message }]);
  }
  return exponent;
}

/**
 * Builds a Money from minor units. Throws `invalid_amount` unless `amount` is a safe integer, and
 * `unsupported_currency` unless `currency` is an active ISO 4217 code.
 */
export function money(amount: number, currency: string): Money {
  exponentOf(currency);
  if (!Number.isSafeInteger(amount)) throw invalidAmount('amount must be an integer number of minor units');
  return { amount, currency };
}

/** Zero in `currency` (throws `unsupported_currency` for an unknown code). */
export function zero(currency: string): Money {
  return money(0, currency);
}

/**
 * Reads an amount written in major units ("56.00", "56", "0.5", or the JSON number 49.99) into
 * minor units, exactly: no floating-point arithmetic is involved. Refused with `invalid_amount`:
 * anything that is not a plain decimal (exponent forms like 1e3, NaN, Infinity, "", "+5", " 5",
 * "5.", ".5", "1,00", leading zeros), a negative amount unless `allowNegative`, more decimals than
 * the currency has, and results beyond the safe-integer range. Trailing zeros beyond the exponent
 * ("56.000" in USD) are refused too: the rule is "more precision than the currency allows is a 422,
 * not a silent rounding", and judging the text rather than the value keeps the rule simple to state.
 * `field` (default "amount") names the input in the error message and details.
 */
export function parseMajor(
  input: string | number,
  currency: string,
  opts: { readonly allowNegative?: boolean | undefined; readonly field?: string | undefined } = {},
): Result<Money> {
  const field = opts.field ?? 'amount';
  const exponent = currencyExponent(currency);
  if (exponent === undefined) {
    const message = `unsupported currency ${JSON.stringify(currency)}`;
    return fail(new DomainError('unsupported_currency', message, [{ field: 'currency', message }]));
  }
  const read = parseScaledDecimal(input, exponent);
  switch (read.kind) {
    case 'syntax':
      return fail(invalidAmount(`${field} ${read.message}`, field));
    case 'range':
      return fail(invalidAmount(`${field} is out of range`, field));
    case 'precision':
      return fail(invalidAmount(
        `${field} has ${read.decimals} decimal places but ${currency} allows at most ${exponent}`,
        field,
      ));
    case 'ok':
      if (read.scaled < 0n && opts.allowNegative !== true) {
        return fail(invalidAmount(`${field} must not be negative`, field));
      }
      if (read.scaled > MAX_SAFE || read.scaled < -MAX_SAFE) {
        return fail(invalidAmount(`${field} is out of range`, field));
      }
      return ok({ amount: Number(read.scaled), currency });
  }
}

/**
 * Writes `m` in major units with exactly the currency's decimals: "56.00", "1000" (JPY), "1.234"
 * (KWD), "-0.05". The inverse of `parseMajor` for every Money.
 */
export function formatMajor(m: Money): string {
  const exponent = exponentOf(m.currency);
  const digits = String(Math.abs(m.amount)).padStart(exponent + 1, '0');
  const sign = m.amount < 0 ? '-' : '';
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * `m` as a JSON number in major units (4999 USD → 49.99), for compatible dialects that speak floats.
 * Only for the edge: the nearest double to the decimal, never used for arithmetic.
 */
export function toMajorNumber(m: Money): number {
  return Number(formatMajor(m));
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new DomainError('currency_mismatch', `cannot combine ${a.currency} with ${b.currency}`);
  }
}

/** a + b. Throws `currency_mismatch`, or `invalid_amount` if the sum leaves the safe range. */
export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: toSafeInteger(BigInt(a.amount) + BigInt(b.amount)), currency: a.currency };
}

/** a − b. Throws `currency_mismatch`, or `invalid_amount` if the result leaves the safe range. */
export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: toSafeInteger(BigInt(a.amount) - BigInt(b.amount)), currency: a.currency };
}

/** m × factor for an integer factor (a quantity). Throws `invalid_amount` on a non-integer or overflow. */
export function multiply(m: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw invalidAmount('factor must be an integer', 'factor');
  return { amount: toSafeInteger(BigInt(m.amount) * BigInt(factor)), currency: m.currency };
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. Throws `currency_mismatch`. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** True when `m` is exactly zero minor units. */
export function isZero(m: Money): boolean {
  return m.amount === 0;
}

/** True when `m` is below zero. */
export function isNegative(m: Money): boolean {
  return m.amount < 0;
}

/** The smaller of a and b (a when equal). Throws `currency_mismatch`. */
export function min(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

/**
 * The sum of `items`, all of which must be in `currency` (so an empty list sums to zero in a known
 * currency). Throws `currency_mismatch`, `unsupported_currency` or `invalid_amount` on overflow.
 */
export function sum(items: readonly Money[], currency: string): Money {
  let total = zero(currency);
  for (const item of items) total = add(total, item);
  return total;
}

/**
 * Splits `total` into `weights.length` parts proportional to the non-negative integer `weights`,
 * by the largest-remainder method: each part gets the floor of its exact share, then the minor
 * units left over go one each to the parts with the largest remainders, ties to the lower index.
 * Invariants: the parts sum exactly to `total`; each part differs from its exact share by less than
 * one minor unit; a zero weight gets zero unless all weights are zero, in which case the split is
 * even. A negative total is split as the mirror image of its absolute value, so
 * `allocate(−x, w) = −allocate(x, w)` part by part. Arithmetic is BigInt, so `amount × weight` may
 * exceed 2^53. Throws `invalid_amount` for an empty or invalid weight list.
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw invalidAmount('allocation needs at least one weight', 'weights');
  if (!weights.every((w) => Number.isSafeInteger(w) && w >= 0)) {
    throw invalidAmount('allocation weights must be non-negative integers', 'weights');
  }
  const effective = weights.every((w) => w === 0) ? weights.map(() => 1n) : weights.map(BigInt);
  const weightSum = effective.reduce((acc, w) => acc + w, 0n);
  const magnitude = BigInt(Math.abs(total.amount));
  const sign = total.amount < 0 ? -1n : 1n;

  const parts = effective.map((w) => (magnitude * w) / weightSum);
  const remainders = effective.map((w, index) => ({ index, remainder: (magnitude * w) % weightSum }));
  let left = magnitude - parts.reduce((acc, p) => acc + p, 0n);
  remainders.sort((x, y) => (x.remainder === y.remainder ? x.index - y.index : x.remainder > y.remainder ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map((p) => ({ amount: Number(sign * p), currency: total.currency }));
}

/** One million: `ratePpm` values are parts per million (20 % = 200_000, 8.875 % = 88_750). */
export const PPM = 1_000_000;

/**
 * m × ratePpm / 1_000_000, rounded to the nearest minor unit with halves away from zero
 * (0.5 → 1, −0.5 → −1). Integer/BigInt arithmetic only. Throws `invalid_amount` when `ratePpm` is
 * not a safe integer or the result leaves the safe range.
 */
export function applyRate(m: Money, ratePpm: number): Money {
  if (!Number.isSafeInteger(ratePpm)) throw invalidAmount('rate must be an integer number of ppm', 'rate');
  const product = BigInt(m.amount) * BigInt(ratePpm);
  const negative = product < 0n;
  const magnitude = negative ? -product : product;
  const million = BigInt(PPM);
  let quotient = magnitude / million;
  if ((magnitude % million) * 2n >= million) quotient += 1n;
  return { amount: toSafeInteger(negative ? -quotient : quotient), currency: m.currency };
}

/**
 * Reads a percentage between 0 and 100 inclusive ("20", "8.875", 7.5) into parts per million
 * (200_000, 88_750, 75_000), exactly. At most `maxDecimals` decimals (default and ceiling 4, the
 * finest a ppm can hold); more is refused, never rounded. Refusals are `validation_failed` naming
 * `field` (default "percent").
 */
export function parsePercent(
  input: string | number,
  opts: { readonly field?: string | undefined; readonly maxDecimals?: number | undefined } = {},
): Result<number> {
  const field = opts.field ?? 'percent';
  const maxDecimals = Math.max(0, Math.min(opts.maxDecimals ?? 4, 4));
  const refuse = (message: string): Result<never> =>
    fail(new DomainError('validation_failed', `${field} ${message}`, [{ field, message: `${field} ${message}` }]));
  const read = parseScaledDecimal(input, maxDecimals);
  switch (read.kind) {
    case 'syntax':
      return refuse(read.message);
    case 'range':
      return refuse('must be between 0 and 100');
    case 'precision':
      return refuse(`has ${read.decimals} decimal places but at most ${maxDecimals} are allowed`);
    case 'ok': {
      const ppm = read.scaled * 10n ** BigInt(4 - maxDecimals);
      if (ppm < 0n || ppm > BigInt(PPM)) return refuse('must be between 0 and 100');
      return ok(Number(ppm));
    }
  }
}
