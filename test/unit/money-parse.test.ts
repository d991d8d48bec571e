import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES } from '../../src/domain/currencies.js';
import { formatMajor, parseMajor, parsePercent, toMajorNumber } from '../../src/domain/money.js';
import { errorOf, valueOf } from './support.js';

describe('parseMajor', () => {
  it.each<[string | number, string, number]>([
    ['56.00', 'USD', 5600],
    ['56', 'USD', 5600],
    ['0.5', 'USD', 50],
    ['0', 'USD', 0],
    ['-0', 'USD', 0],
    [49.99, 'USD', 4999],
    [0.1, 'USD', 10],
    [0, 'USD', 0],
    [1000, 'JPY', 1000],
    ['1000', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['1.2', 'KWD', 1200],
    ['1.2345', 'CLF', 12345],
    ['90071992547409.91', 'USD', Number.MAX_SAFE_INTEGER],
  ])('reads %j %s as %i minor units', (input, currency, amount) => {
    expect(valueOf(parseMajor(input, currency))).toEqual({ amount, currency });
  });

  it.each<[unknown, string]>([
    [1e21, 'USD'], ['1e3', 'USD'], ['1E3', 'USD'], [1e-7, 'USD'], [Number.NaN, 'USD'],
    [Number.POSITIVE_INFINITY, 'USD'], [Number.NEGATIVE_INFINITY, 'USD'], ['', 'USD'], ['+5', 'USD'],
    [' 5', 'USD'], ['5 ', 'USD'], ['5.', 'USD'], ['.5', 'USD'], ['1,00', 'USD'], ['0x10', 'USD'],
    ['05', 'USD'], ['--5', 'USD'], ['5..0', 'USD'], ['abc', 'USD'], ['٥', 'USD'], ['Infinity', 'USD'],
    [null, 'USD'], [{}, 'USD'], [true, 'USD'],
  ])('refuses %j as not a plain decimal', (input, currency) => {
    expect(errorOf(parseMajor(input as string, currency)).code).toBe('invalid_amount');
  });

  it.each<[string | number, string]>([
    ['56.001', 'USD'], ['56.000', 'USD'], ['1.5', 'JPY'], ['1.0', 'JPY'], ['1.2345', 'KWD'],
    [0.1 + 0.2, 'USD'], [49.999, 'USD'],
  ])('refuses %j %s as more precise than the currency, never rounding it', (input, currency) => {
    expect(errorOf(parseMajor(input, currency)).code).toBe('invalid_amount');
  });

  it('names the decimals found and allowed in the precision message', () => {
    const error = errorOf(parseMajor('56.000', 'USD'));
    expect(error.message).toBe('amount has 3 decimal places but USD allows at most 2');
    expect(error.details).toEqual([{ field: 'amount', message: error.message }]);
  });

  it('puts the given field name into the message and details', () => {
    const error = errorOf(parseMajor('abc', 'EUR', { field: 'total_amount' }));
    expect(error.message).toMatch(/^total_amount /);
    expect(error.details).toEqual([{ field: 'total_amount', message: error.message }]);
  });

  it('refuses a negative amount unless negatives are allowed', () => {
    expect(errorOf(parseMajor('-5.00', 'USD')).message).toBe('amount must not be negative');
    expect(errorOf(parseMajor(-5, 'USD')).code).toBe('invalid_amount');
    expect(valueOf(parseMajor('-5.25', 'USD', { allowNegative: true })).amount).toBe(-525);
  });

  it('refuses amounts beyond the safe-integer range', () => {
    expect(errorOf(parseMajor('90071992547409.92', 'USD')).code).toBe('invalid_amount');
    expect(errorOf(parseMajor('1'.repeat(100), 'JPY')).code).toBe('invalid_amount');
  });

  it.each(['usd', 'XYZ', '', 'XAU'])('refuses the unknown currency %j', (currency) => {
    const error = errorOf(parseMajor('1.00', currency));
    expect(error.code).toBe('unsupported_currency');
    expect(error.details[0]?.field).toBe('currency');
  });

  it('reads back whatever formatMajor writes, in every currency', () => {
    fc.assert(fc.property(
      fc.maxSafeInteger(), fc.constantFrom(...CURRENCY_CODES),
      (amount, currency) => {
        const text = formatMajor({ amount, currency });
        expect(valueOf(parseMajor(text, currency, { allowNegative: true }))).toEqual({ amount, currency });
      },
    ));
  });

  it('reads back the JSON number toMajorNumber gives, up to 15 significant digits', () => {
    fc.assert(fc.property(
      fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }), fc.constantFrom('USD', 'JPY', 'KWD', 'CLF'),
      (amount, currency) => {
        const major = toMajorNumber({ amount, currency });
        expect(valueOf(parseMajor(major, currency, { allowNegative: true })).amount).toBe(amount);
      },
    ));
  });
});

describe('formatMajor and toMajorNumber', () => {
  it.each<[number, string, string, number]>([
    [5600, 'USD', '56.00', 56],
    [4999, 'USD', '49.99', 49.99],
    [1000, 'JPY', '1000', 1000],
    [-1000, 'JPY', '-1000', -1000],
    [1234, 'KWD', '1.234', 1.234],
    [5, 'KWD', '0.005', 0.005],
    [-5, 'USD', '-0.05', -0.05],
    [0, 'USD', '0.00', 0],
    [12345, 'CLF', '1.2345', 1.2345],
  ])('%i %s is written %j and as the number %d', (amount, currency, text, major) => {
    expect(formatMajor({ amount, currency })).toBe(text);
    expect(toMajorNumber({ amount, currency })).toBe(major);
  });
});

describe('parsePercent', () => {
  it.each<[string | number, number]>([
    ['20', 200_000], ['8.875', 88_750], [7.5, 75_000], ['0', 0], ['100', 1_000_000], ['100.0', 1_000_000],
    ['0.0001', 1], ['33.3333', 333_333],
  ])('reads %j percent as %i ppm', (input, ppm) => {
    expect(valueOf(parsePercent(input))).toBe(ppm);
  });

  it.each<string | number>(['100.0001', '101', 1000, '-1', -0.5, '0.00001', '1e1', '', '5%', Number.NaN])(
    'refuses %j',
    (input) => {
      const error = errorOf(parsePercent(input));
      expect(error.code).toBe('validation_failed');
      expect(error.details[0]?.field).toBe('percent');
    },
  );

  it('honours a smaller maxDecimals and names the field', () => {
    expect(valueOf(parsePercent('8.87', { maxDecimals: 2 }))).toBe(88_700);
    const error = errorOf(parsePercent('8.875', { maxDecimals: 2, field: 'tax_rate' }));
    expect(error.message).toBe('tax_rate has 3 decimal places but at most 2 are allowed');
    expect(error.details).toEqual([{ field: 'tax_rate', message: error.message }]);
  });

  it('never allows more than the 4 decimals a ppm can hold', () => {
    expect(errorOf(parsePercent('1.00001', { maxDecimals: 6 })).code).toBe('validation_failed');
  });
});
