import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, allocate, applyRate, compare, isNegative, isZero, min, money, multiply, subtract, sum, zero,
  type Money,
} from '../../src/domain/money.js';
import { thrownCode } from './support.js';

const usd = (amount: number): Money => money(amount, 'USD');
const eur = (amount: number): Money => money(amount, 'EUR');
const amounts = (parts: readonly Money[]): number[] => parts.map((p) => p.amount);
const MAX = Number.MAX_SAFE_INTEGER;

describe('money construction', () => {
  it('builds an amount of minor units in a known currency', () => {
    expect(money(1999, 'EUR')).toEqual({ amount: 1999, currency: 'EUR' });
    expect(zero('JPY')).toEqual({ amount: 0, currency: 'JPY' });
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1, -(MAX + 1)])('refuses the amount %d', (amount) => {
    expect(thrownCode(() => money(amount, 'USD'))).toBe('invalid_amount');
  });

  it.each(['XYZ', 'usd', ''])('refuses the currency %j', (currency) => {
    expect(thrownCode(() => money(1, currency))).toBe('unsupported_currency');
  });
});

describe('money arithmetic', () => {
  it('adds, subtracts and multiplies by an integer', () => {
    expect(add(usd(150), usd(-50))).toEqual(usd(100));
    expect(subtract(usd(150), usd(200))).toEqual(usd(-50));
    expect(multiply(usd(1999), 3)).toEqual(usd(5997));
  });

  it('compares and picks the minimum', () => {
    expect(compare(usd(1), usd(2))).toBe(-1);
    expect(compare(usd(2), usd(2))).toBe(0);
    expect(compare(usd(3), usd(2))).toBe(1);
    expect(min(usd(3), usd(2))).toEqual(usd(2));
    expect(isZero(usd(0))).toBe(true);
    expect(isZero(usd(1))).toBe(false);
    expect(isNegative(usd(-1))).toBe(true);
    expect(isNegative(usd(0))).toBe(false);
  });

  it('sums a list in its currency, the empty list to zero', () => {
    expect(sum([usd(1), usd(2), usd(3)], 'USD')).toEqual(usd(6));
    expect(sum([], 'KWD')).toEqual(money(0, 'KWD'));
  });

  it.each<[string, () => unknown]>([
    ['add', () => add(usd(1), eur(1))],
    ['subtract', () => subtract(usd(1), eur(1))],
    ['compare', () => compare(usd(1), eur(1))],
    ['min', () => min(usd(1), eur(1))],
    ['sum', () => sum([usd(1), eur(1)], 'USD')],
    ['sum in another currency', () => sum([usd(1)], 'EUR')],
  ])('%s refuses mixed currencies', (_name, operation) => {
    expect(thrownCode(operation)).toBe('currency_mismatch');
  });

  it('refuses results beyond the safe-integer range instead of losing cents', () => {
    expect(thrownCode(() => add(usd(MAX), usd(1)))).toBe('invalid_amount');
    expect(thrownCode(() => subtract(usd(-MAX), usd(1)))).toBe('invalid_amount');
    expect(thrownCode(() => multiply(usd(MAX), 2))).toBe('invalid_amount');
    expect(thrownCode(() => multiply(usd(1), 1.5))).toBe('invalid_amount');
  });
});

describe('allocate', () => {
  it.each<[number, number[], number[]]>([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 2], [33, 67]],
    [1, [1, 1], [1, 0]],
    [5, [0, 0], [3, 2]],
    [10, [0, 5], [0, 10]],
    [0, [3, 7], [0, 0]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [7, [1], [7]],
  ])('splits %i by %j into %j', (total, weights, expected) => {
    expect(amounts(allocate(usd(total), weights))).toEqual(expected);
  });

  it('stays exact when amount × weight exceeds 2^53', () => {
    const parts = allocate(usd(MAX), [MAX, 1, MAX - 1]);
    expect(parts.reduce((acc, p) => acc + BigInt(p.amount), 0n)).toBe(BigInt(MAX));
    expect(parts.every((p) => p.currency === 'USD')).toBe(true);
  });

  it.each<[string, number[]]>([['no', []], ['a negative', [1, -1]], ['a fractional', [0.5, 1]]])(
    'refuses %s weight list',
    (_name, weights) => {
      expect(thrownCode(() => allocate(usd(100), weights))).toBe('invalid_amount');
    },
  );

  const totals = fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 });
  const weightLists = fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 12 });

  it('parts always sum exactly to the total', () => {
    fc.assert(fc.property(totals, weightLists, (total, weights) => {
      const parts = allocate(usd(total), weights);
      expect(parts).toHaveLength(weights.length);
      expect(parts.reduce((acc, p) => acc + BigInt(p.amount), 0n)).toBe(BigInt(total));
    }));
  });

  it('each part is within one minor unit of its exact share, zero weights get nothing', () => {
    fc.assert(fc.property(totals, weightLists, (total, weights) => {
      fc.pre(weights.some((w) => w > 0));
      const weightSum = BigInt(weights.reduce((a, w) => a + w, 0));
      allocate(usd(total), weights).forEach((part, i) => {
        const weight = BigInt(weights[i] ?? 0);
        const error = BigInt(part.amount) * weightSum - BigInt(total) * weight;
        expect(error < weightSum && error > -weightSum).toBe(true);
        if (weight === 0n) expect(part.amount).toBe(0);
      });
    }));
  });

  it('a negative total is the mirror image of the positive one', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 53 - 1 }), weightLists, (total, weights) => {
      const positive = amounts(allocate(usd(total), weights));
      const negative = amounts(allocate(usd(-total), weights));
      expect(negative.map((n) => (n === 0 ? 0 : -n))).toEqual(positive);
    }));
  });
});

describe('applyRate', () => {
  it.each<[number, number, number]>([
    [1000, 200_000, 200],
    [4999, 88_750, 444],
    [1, 500_000, 1],
    [1, 499_999, 0],
    [3, 500_000, 2],
    [-3, 500_000, -2],
    [-1, 499_999, 0],
    [1234, 0, 0],
    [MAX, 1_000_000, MAX],
  ])('%i × %i ppm rounds half away from zero to %i', (amount, ppm, expected) => {
    expect(applyRate(usd(amount), ppm)).toEqual(usd(expected));
  });

  it('matches the exact rational result rounded half up, and mirrors for negatives', () => {
    fc.assert(fc.property(fc.nat({ max: 1_000_000 }), fc.nat({ max: 1_000_000 }), (amount, ppm) => {
      const expected = Math.round((amount * ppm) / 1_000_000);
      expect(applyRate(usd(amount), ppm).amount).toBe(expected);
      expect(applyRate(usd(-amount), ppm).amount).toBe(expected === 0 ? 0 : -expected);
    }));
  });

  it('refuses a fractional rate and a result beyond the safe range', () => {
    expect(thrownCode(() => applyRate(usd(100), 0.5))).toBe('invalid_amount');
    expect(thrownCode(() => applyRate(usd(MAX), 2_000_000))).toBe('invalid_amount');
  });
});
