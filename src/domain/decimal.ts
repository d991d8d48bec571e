/**
 * Exact reading of plain decimal numbers ("56.00", "-0.5", 49.99) into scaled integers, without
 * floating-point arithmetic. Shared by money and percentage parsing; not an API of its own.
 */

/** How a decimal input was read. `scaled` is value × 10^places, exact. */
type ScaledDecimal =
  | { readonly kind: 'ok'; readonly scaled: bigint }
  /** Not a plain decimal: wrong type, NaN/Infinity, exponent form, sign '+', spaces, "5.", ".5", "1,00", leading zeros. */
  | { readonly kind: 'syntax'; readonly message: string }
  /** Well-formed, but has `decimals` digits after the point where at most `places` are allowed. */
  | { readonly kind: 'precision'; readonly decimals: number }
  /** Longer than any amount Paybridge can hold; refused before doing arithmetic on it. */
  | { readonly kind: 'range' };

/**
 * The grammar is JSON's number grammar without exponent: an optional '-', an integer part with no
 * leading zeros, and an optional '.' followed by at least one digit.
 */
const PLAIN_DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;
const MAX_INPUT_LENGTH = 64;

/**
 * Reads `input` and scales it by 10^`places`. A number is read through its shortest round-trip
 * string (`String(49.99)` is "49.99"), so a float that is not exactly the decimal the client meant
 * (0.1 + 0.2) shows up as too precise rather than being rounded. Trailing zeros count as decimals:
 * "56.000" has 3, so it is refused when `places` is 2.
 */
export function parseScaledDecimal(input: unknown, places: number): ScaledDecimal {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { kind: 'syntax', message: 'must be a finite number' };
    text = String(input);
    if (/e/i.test(text)) return { kind: 'syntax', message: 'must not use exponent notation' };
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { kind: 'syntax', message: 'must be a decimal number or a string holding one' };
  }
  if (text.length > MAX_INPUT_LENGTH) return { kind: 'range' };
  const match = PLAIN_DECIMAL.exec(text);
  if (match === null) {
    return { kind: 'syntax', message: 'must be a plain decimal such as "56.00" (digits, optional "-" and ".")' };
  }
  const [, sign = '', whole = '0', fraction = ''] = match;
  if (fraction.length > places) return { kind: 'precision', decimals: fraction.length };
  const magnitude = BigInt(whole + fraction.padEnd(places, '0'));
  return { kind: 'ok', scaled: sign === '-' ? -magnitude : magnitude };
}
