import { isCurrency } from './currencies.js';
import { DomainError, fail, ok, type FieldProblem, type Result } from './errors.js';
import { allocate, applyRate, money, multiply, PPM, sum, type Money } from './money.js';

/** One catalog line to price. `quantity` ≥ 1; `unitAmount` is the catalog price, minor units ≥ 0. */
export interface PriceLineInput {
  readonly productId: number;
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

/**
 * A promo code's effect. `productId: null` applies to every line, otherwise only to the lines of
 * that product. `percentOff` is in ppm (1..1_000_000, so 25 % = 250_000); `amountOff` and `price`
 * (a fixed price per unit) are minor units ≥ 0 of the order's currency.
 */
export type PromoRule =
  | { readonly kind: 'percent_off'; readonly percentOff: number; readonly productId: number | null }
  | { readonly kind: 'amount_off'; readonly amountOff: number; readonly productId: number | null }
  | { readonly kind: 'price_override'; readonly price: number; readonly productId: number | null };

/**
 * A priced line, all in minor units: subtotal = quantity × unitAmount, 0 ≤ discount ≤ subtotal,
 * tax ≥ 0, total = subtotal − discount + tax.
 */
interface PricedLine extends PriceLineInput {
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  readonly total: number;
}

/**
 * An order's totals in minor units of `currency`. Each order field is exactly the sum of that field
 * over `lines`, and total = subtotal − discount + tax, for the order and for every line.
 */
export interface OrderTotals {
  readonly currency: string;
  readonly lines: readonly PricedLine[];
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  readonly total: number;
}

/**
 * What to price. `taxRatePpm` is an exclusive tax rate in ppm (20 % = 200_000); `taxOverride`, in
 * minor units, replaces the computed tax (an external checkout page that computed it itself).
 */
interface PriceOrderInput {
  readonly currency: string;
  readonly lines: readonly PriceLineInput[];
  readonly promo?: PromoRule | null | undefined;
  readonly taxRatePpm?: number | null | undefined;
  readonly taxOverride?: number | null | undefined;
}

const isNonNegativeInteger = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

function inputProblems(input: PriceOrderInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string): void => {
    problems.push({ field, message: `${field} ${message}` });
  };
  input.lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) {
      problem(`/lines/${i}/quantity`, 'must be an integer of at least 1');
    }
    if (!isNonNegativeInteger(line.unitAmount)) {
      problem(`/lines/${i}/unit_amount`, 'must be a non-negative integer number of minor units');
    }
  });
  const promo = input.promo;
  if (promo) {
    if (promo.kind === 'percent_off' && !(Number.isSafeInteger(promo.percentOff) && promo.percentOff >= 1 && promo.percentOff <= PPM)) {
      problem('/promo/percent_off', 'must be an integer between 1 and 1000000 ppm');
    }
    if (promo.kind === 'amount_off' && !isNonNegativeInteger(promo.amountOff)) {
      problem('/promo/amount_off', 'must be a non-negative integer number of minor units');
    }
    if (promo.kind === 'price_override' && !isNonNegativeInteger(promo.price)) {
      problem('/promo/price', 'must be a non-negative integer number of minor units');
    }
  }
  if (input.taxRatePpm != null && !isNonNegativeInteger(input.taxRatePpm)) {
    problem('/tax_rate', 'must be a non-negative integer number of ppm');
  }
  if (input.taxOverride != null && !isNonNegativeInteger(input.taxOverride)) {
    problem('/tax_override', 'must be a non-negative integer number of minor units');
  }
  return problems;
}

/** Per-line discounts for `promo`, each between 0 and the line's subtotal. */
function lineDiscounts(
  promo: PromoRule,
  lines: readonly PriceLineInput[],
  subtotals: readonly Money[],
  currency: string,
): Result<number[]> {
  const eligible = lines.map((line) => promo.productId === null || line.productId === promo.productId);
  if (!eligible.includes(true)) {
    const message = 'promo code does not apply to any item';
    return fail(new DomainError('promo_code_invalid', message, [{ field: 'promo_code', message }]));
  }
  switch (promo.kind) {
    case 'percent_off':
      return ok(subtotals.map((s, i) => (eligible[i] ? applyRate(s, promo.percentOff).amount : 0)));
    case 'amount_off': {
      const weights = subtotals.map((s, i) => (eligible[i] ? s.amount : 0));
      const eligibleSubtotal = sum(subtotals.filter((_, i) => eligible[i]), currency).amount;
      const discount = Math.min(promo.amountOff, eligibleSubtotal);
      return ok(allocate(money(discount, currency), weights).map((part) => part.amount));
    }
    case 'price_override':
      return ok(lines.map((line, i) => {
        if (!eligible[i] || line.unitAmount <= promo.price) return 0;
        return multiply(money(line.unitAmount - promo.price, currency), line.quantity).amount;
      }));
  }
}

function computeTotals(input: PriceOrderInput): Result<OrderTotals> {
  const { currency, lines } = input;
  const subtotals = lines.map((line) => multiply(money(line.unitAmount, currency), line.quantity));
  let discounts = lines.map(() => 0);
  if (input.promo) {
    const promoted = lineDiscounts(input.promo, lines, subtotals, currency);
    if (!promoted.ok) return promoted;
    discounts = promoted.value;
  }
  const taxable = subtotals.map((s, i) => s.amount - (discounts[i] ?? 0));
  const taxableTotal = sum(taxable.map((t) => money(t, currency)), currency);
  const tax = input.taxOverride ?? (input.taxRatePpm != null ? applyRate(taxableTotal, input.taxRatePpm).amount : 0);
  if (lines.length === 0 && tax > 0) {
    const message = '/tax_override cannot be applied to an order without lines';
    return fail(new DomainError('validation_failed', message, [{ field: '/tax_override', message }]));
  }
  // Tax is computed once on the order, then shared out, so the lines add up to it exactly.
  const taxes = lines.length === 0 ? [] : allocate(money(tax, currency), taxable).map((part) => part.amount);

  const priced: PricedLine[] = lines.map((line, i) => {
    const subtotal = subtotals[i]?.amount ?? 0;
    const discount = discounts[i] ?? 0;
    const lineTax = taxes[i] ?? 0;
    return {
      productId: line.productId,
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitAmount: line.unitAmount,
      subtotal,
      discount,
      tax: lineTax,
      total: sum([money(subtotal - discount, currency), money(lineTax, currency)], currency).amount,
    };
  });
  const total = (pick: (line: PricedLine) => number): number =>
    sum(priced.map((line) => money(pick(line), currency)), currency).amount;
  return ok({
    currency,
    lines: priced,
    subtotal: total((l) => l.subtotal),
    discount: total((l) => l.discount),
    tax: total((l) => l.tax),
    total: total((l) => l.total),
  });
}

/**
 * Prices an order on the server: line subtotals from catalog prices, the promo's discount, an
 * exclusive tax, and totals. Rules: percent_off takes its rate off each eligible line (rounded half
 * up); amount_off is capped at the eligible subtotal and shared across eligible lines by subtotal
 * (largest remainder); price_override discounts (unit − price) × quantity where the price is lower.
 * Tax = rate × (subtotal − discount) of the whole order, or `taxOverride`, shared across lines by
 * their taxable amount (evenly if none has any). Refused with `validation_failed` (every bad field
 * named, e.g. `/lines/0/quantity`), `unsupported_currency`, `promo_code_invalid` when the promo
 * matches no line, or `invalid_amount` when an amount leaves the safe-integer range.
 */
export function priceOrder(input: PriceOrderInput): Result<OrderTotals> {
  if (!isCurrency(input.currency)) {
    const message = `unsupported currency ${JSON.stringify(input.currency)}`;
    return fail(new DomainError('unsupported_currency', message, [{ field: '/currency', message }]));
  }
  const problems = inputProblems(input);
  if (problems.length > 0) {
    const message = problems.map((p) => p.message).join('; ');
    return fail(new DomainError('validation_failed', message, problems));
  }
  try {
    return computeTotals(input);
  } catch (error) {
    if (error instanceof DomainError) return fail(error);
    throw error;
  }
}
