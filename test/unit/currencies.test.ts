import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, currencyExponent, isCurrency } from '../../src/domain/currencies.js';

describe('currency exponents', () => {
  it.each([
    ['USD', 2], ['EUR', 2], ['GBP', 2], ['JPY', 0], ['KRW', 0], ['KWD', 3], ['BHD', 3], ['JOD', 3],
    ['OMR', 3], ['TND', 3], ['IQD', 3], ['LYD', 3], ['CLF', 4], ['UYW', 4], ['ISK', 0], ['VND', 0],
    ['UGX', 0], ['XAF', 0], ['XOF', 0], ['XPF', 0], ['CLP', 0], ['PYG', 0], ['XCG', 2], ['ZWG', 2],
  ])('%s uses the ISO 4217 exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
    expect(isCurrency(code)).toBe(true);
  });

  it.each(['usd', 'Usd', 'US', 'USDD', '', ' USD', 'XYZ'])('%j is not a currency', (code) => {
    expect(isCurrency(code)).toBe(false);
    expect(currencyExponent(code)).toBeUndefined();
  });

  it.each(['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XSU', 'XUA', 'XBA', 'XTS', 'XXX'])(
    '%s has no minor unit in ISO 4217, so it is refused',
    (code) => {
      expect(isCurrency(code)).toBe(false);
    },
  );

  it.each(['HRK', 'BGN', 'ANG', 'ZWL', 'SLL', 'CUC', 'VEF', 'STD'])('the withdrawn code %s is refused', (code) => {
    expect(isCurrency(code)).toBe(false);
  });

  it('every listed code is three upper-case letters with an exponent of 0, 2, 3 or 4', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
    for (const code of CURRENCY_CODES) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(currencyExponent(code));
    }
  });

  it('lists every code once, sorted', () => {
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
  });
});
