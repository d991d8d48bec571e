/**
 * Reads the card form. The card number and security code only pass through here on their way to the
 * sandbox's tokenizer: they are never stored, logged or rendered back into a page.
 */
import { sandboxCardToken } from '../../adapters/gateways/sandbox-gateway.js';

export type CardField = 'number' | 'expiry' | 'cvc' | 'name';

/** The form as posted; every field is optional text (anything else counts as empty). */
export interface CardFormBody {
  readonly _csrf?: string;
  readonly number?: string;
  readonly expiry?: string;
  readonly cvc?: string;
  readonly name?: string;
}

export type FieldErrors = Partial<Record<CardField, string>>;

type CardRead =
  | { readonly ok: true; readonly token: string; readonly last4: string }
  | { readonly ok: false; readonly errors: FieldErrors };

/** Parses "MM/YY" (also "MM / YY", "MM/YYYY", "MMYY"). */
function parseExpiry(text: string): { expMonth: number; expYear: number } | null {
  const m = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(text.trim());
  if (!m) return null;
  return { expMonth: Number(m[1]), expYear: Number(m[2]) };
}

/**
 * Checks every field and, when all are valid, turns the card into a sandbox token. `now` (ms since the
 * epoch) decides whether the card has expired.
 */
export function readCard(body: CardFormBody, now: number): CardRead {
  const errors: FieldErrors = {};
  const number = (body.number ?? '').trim();
  const expiry = parseExpiry(body.expiry ?? '');
  const cvc = (body.cvc ?? '').trim();
  const name = (body.name ?? '').trim();
  if (number === '') errors.number = 'Enter the card number.';
  if (!expiry) errors.expiry = 'Enter the expiry date as MM/YY.';
  if (cvc === '') errors.cvc = 'Enter the security code.';
  if (name === '') errors.name = 'Enter the name on the card.';
  else if (name.length > 100) errors.name = 'The name is too long (at most 100 characters).';
  if (number !== '' && expiry && cvc !== '') {
    const result = sandboxCardToken({ number, cvc, ...expiry }, now);
    if ('error' in result) errors[result.field as CardField] = result.error;
    else if (Object.keys(errors).length === 0) return { ok: true, token: result.token, last4: result.last4 };
  }
  return { ok: false, errors };
}
