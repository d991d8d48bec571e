import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRate, money } from '../../src/domain/money.js';
import { priceOrder, type PriceLineInput, type PromoRule } from '../../src/domain/pricing.js';
import { errorOf, valueOf } from './support.js';

const line = (productId: number, unitAmount: number, quantity = 1): PriceLineInput =>
  ({ productId, sku: `SKU-${productId}`, title: `Course ${productId}`, quantity, unitAmount });
const pick = <K extends 'subtotal' | 'discount' | 'tax' | 'total'>(key: K) =>
  (lines: readonly Record<K, number>[]): number[] => lines.map((l) => l[key]);

describe('priceOrder', () => {
  it('prices lines from catalog prices with no promo and no tax', () => {
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 4999, 2), line(2, 1000)] }));
    expect(totals).toEqual({
      currency: 'USD',
      lines: [
        { ...line(1, 4999, 2), subtotal: 9998, discount: 0, tax: 0, total: 9998 },
        { ...line(2, 1000), subtotal: 1000, discount: 0, tax: 0, total: 1000 },
      ],
      subtotal: 10_998, discount: 0, tax: 0, total: 10_998,
    });
  });

  it('names every bad line field', () => {
    const error = errorOf(priceOrder({
      currency: 'USD',
      lines: [line(1, -1), line(2, 100, 0), line(3, 100, 1.5), line(4, 0.5)],
    }));
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d) => d.field)).toEqual([
      '/lines/0/unit_amount', '/lines/1/quantity', '/lines/2/quantity', '/lines/3/unit_amount',
    ]);
  });

  it.each<[string, PromoRule]>([
    ['/promo/percent_off', { kind: 'percent_off', percentOff: 0, productId: null }],
    ['/promo/percent_off', { kind: 'percent_off', percentOff: 1_000_001, productId: null }],
    ['/promo/amount_off', { kind: 'amount_off', amountOff: -1, productId: null }],
    ['/promo/price', { kind: 'price_override', price: 9.5, productId: null }],
  ])('refuses a malformed promo, naming %s', (field, promo) => {
    const error = errorOf(priceOrder({ currency: 'USD', lines: [line(1, 100)], promo }));
    expect(error.code).toBe('validation_failed');
    expect(error.details[0]?.field).toBe(field);
  });

  it('refuses a negative or fractional tax rate and override', () => {
    const lines = [line(1, 100)];
    expect(errorOf(priceOrder({ currency: 'USD', lines, taxRatePpm: -1 })).details[0]?.field).toBe('/tax_rate');
    expect(errorOf(priceOrder({ currency: 'USD', lines, taxOverride: 1.5 })).details[0]?.field).toBe('/tax_override');
  });

  it('refuses an unknown currency', () => {
    expect(errorOf(priceOrder({ currency: 'usd', lines: [line(1, 100)] })).code).toBe('unsupported_currency');
  });

  it('takes a percentage off each eligible line, rounding half up', () => {
    const promo: PromoRule = { kind: 'percent_off', percentOff: 125_000, productId: null };
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 4), line(2, 999)], promo }));
    expect(pick('discount')(totals.lines)).toEqual([1, 125]);
    expect(totals.discount).toBe(126);
  });

  it('applies a product promo only to that product', () => {
    const promo: PromoRule = { kind: 'percent_off', percentOff: 500_000, productId: 2 };
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 1000), line(2, 1000)], promo }));
    expect(pick('discount')(totals.lines)).toEqual([0, 500]);
  });

  it('shares an amount off across eligible lines by subtotal, largest remainder first', () => {
    const promo: PromoRule = { kind: 'amount_off', amountOff: 100, productId: null };
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 100), line(2, 200)], promo }));
    expect(pick('discount')(totals.lines)).toEqual([33, 67]);
  });

  it('caps an amount off at the eligible subtotal', () => {
    const promo: PromoRule = { kind: 'amount_off', amountOff: 10_000, productId: 1 };
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 3000), line(2, 2000)], promo, taxRatePpm: 200_000 }));
    expect(pick('discount')(totals.lines)).toEqual([3000, 0]);
    expect(pick('total')(totals.lines)).toEqual([0, 2400]);
  });

  it('a price override discounts the difference per unit, never raising a price', () => {
    const promo: PromoRule = { kind: 'price_override', price: 3000, productId: null };
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 5000, 2), line(2, 2000)], promo }));
    expect(pick('discount')(totals.lines)).toEqual([4000, 0]);
  });

  it('a promo that matches no line is refused', () => {
    const promo: PromoRule = { kind: 'percent_off', percentOff: 100_000, productId: 99 };
    const error = errorOf(priceOrder({ currency: 'USD', lines: [line(1, 100)], promo }));
    expect(error.code).toBe('promo_code_invalid');
    expect(error.message).toBe('promo code does not apply to any item');
    const empty = { kind: 'amount_off', amountOff: 1, productId: null } as const;
    expect(errorOf(priceOrder({ currency: 'USD', lines: [], promo: empty })).code).toBe('promo_code_invalid');
  });

  it('computes tax once on the discounted order and shares it across lines', () => {
    const totals = valueOf(priceOrder({ currency: 'USD', lines: [line(1, 333), line(2, 333), line(3, 334)], taxRatePpm: 88_750 }));
    expect(totals.tax).toBe(89);
    expect(pick('tax')(totals.lines)).toEqual([30, 29, 30]);
    expect(totals.total).toBe(1089);
  });

  it('a tax override replaces the computed tax, shared evenly when nothing is taxable', () => {
    const lines = [line(1, 1000), line(2, 3000)];
    const overridden = valueOf(priceOrder({ currency: 'USD', lines, taxRatePpm: 200_000, taxOverride: 101 }));
    expect(pick('tax')(overridden.lines)).toEqual([25, 76]);
    const free: PromoRule = { kind: 'percent_off', percentOff: 1_000_000, productId: null };
    const allFree = valueOf(priceOrder({ currency: 'USD', lines, promo: free, taxOverride: 5 }));
    expect(pick('tax')(allFree.lines)).toEqual([3, 2]);
  });

  it('prices an order without lines at zero, but refuses to put tax on it', () => {
    expect(valueOf(priceOrder({ currency: 'JPY', lines: [], taxRatePpm: 100_000 })).total).toBe(0);
    expect(errorOf(priceOrder({ currency: 'JPY', lines: [], taxOverride: 10 })).code).toBe('validation_failed');
  });

  it('refuses totals beyond the safe-integer range', () => {
    const error = errorOf(priceOrder({ currency: 'USD', lines: [line(1, Number.MAX_SAFE_INTEGER, 2)] }));
    expect(error.code).toBe('invalid_amount');
  });
});

const lineArb = fc.record({
  productId: fc.integer({ min: 1, max: 4 }),
  sku: fc.constant('SKU'),
  title: fc.constant('Course'),
  quantity: fc.integer({ min: 1, max: 50 }),
  unitAmount: fc.integer({ min: 0, max: 1_000_000 }),
});
const productId = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null });
const promoArb: fc.Arbitrary<PromoRule | null> = fc.option(fc.oneof(
  fc.record({ kind: fc.constant('percent_off' as const), percentOff: fc.integer({ min: 1, max: 1_000_000 }), productId }),
  fc.record({ kind: fc.constant('amount_off' as const), amountOff: fc.nat({ max: 100_000_000 }), productId }),
  fc.record({ kind: fc.constant('price_override' as const), price: fc.nat({ max: 1_000_000 }), productId }),
), { nil: null });
const orderArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 6 }),
  promo: promoArb,
  taxRatePpm: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
  taxOverride: fc.option(fc.nat({ max: 1_000_000 }), { nil: null }),
});

describe('priceOrder, for any order', () => {
  it('refuses the promo exactly when it matches no line', () => {
    fc.assert(fc.property(orderArb, (order) => {
      const result = priceOrder({ currency: 'EUR', ...order });
      const matches = order.promo === null || order.promo.productId === null
        || order.lines.some((l) => l.productId === order.promo?.productId);
      expect(result.ok).toBe(matches);
      if (!result.ok) expect(result.error.code).toBe('promo_code_invalid');
    }));
  });

  it('lines sum exactly to the order, and every total is subtotal − discount + tax', () => {
    fc.assert(fc.property(orderArb, (order) => {
      const result = priceOrder({ currency: 'EUR', ...order });
      fc.pre(result.ok);
      const totals = valueOf(result);
      for (const key of ['subtotal', 'discount', 'tax', 'total'] as const) {
        expect(pick(key)(totals.lines).reduce((a, b) => a + b, 0)).toBe(totals[key]);
      }
      for (const l of [...totals.lines, totals]) expect(l.total).toBe(l.subtotal - l.discount + l.tax);
      totals.lines.forEach((l, i) => expect(l.subtotal).toBe((order.lines[i]?.unitAmount ?? 0) * l.quantity));
    }));
  });

  it('never discounts more than a line costs and never goes negative', () => {
    fc.assert(fc.property(orderArb, (order) => {
      const result = priceOrder({ currency: 'EUR', ...order });
      fc.pre(result.ok);
      for (const l of [...valueOf(result).lines, valueOf(result)]) {
        expect(l.discount).toBeGreaterThanOrEqual(0);
        expect(l.discount).toBeLessThanOrEqual(l.subtotal);
        expect(l.tax).toBeGreaterThanOrEqual(0);
        expect(l.total).toBeGreaterThanOrEqual(0);
      }
    }));
  });

  it('charges the override, else the rate on the discounted subtotal, as the order tax', () => {
    fc.assert(fc.property(orderArb, (order) => {
      const result = priceOrder({ currency: 'EUR', ...order });
      fc.pre(result.ok);
      const totals = valueOf(result);
      const rated = applyRate(money(totals.subtotal - totals.discount, 'EUR'), order.taxRatePpm ?? 0).amount;
      expect(totals.tax).toBe(order.taxOverride ?? rated);
    }));
  });

  it('an amount off takes exactly the smaller of the amount and the eligible subtotal', () => {
    fc.assert(fc.property(orderArb, (order) => {
      const promo = order.promo;
      fc.pre(promo?.kind === 'amount_off');
      const result = priceOrder({ currency: 'EUR', ...order });
      fc.pre(result.ok && promo?.kind === 'amount_off');
      const eligible = valueOf(result).lines
        .filter((l) => promo.productId === null || l.productId === promo.productId)
        .reduce((acc, l) => acc + l.subtotal, 0);
      expect(valueOf(result).discount).toBe(Math.min(promo.amountOff, eligible));
    }));
  });
});
