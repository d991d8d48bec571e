/** Semantic checks shared by use cases (the HTTP schemas already checked types and shapes). */
import { isCurrency } from '../domain/currencies.js';
import { DomainError } from '../domain/errors.js';
import type { Deps } from './deps.js';

export function invalid(field: string, message: string): DomainError {
  return new DomainError('validation_failed', `${field.replace(/^\//, '').replaceAll('/', '.')} ${message}`, [{ field, message }]);
}

export function currency(value: string, field = '/currency'): string {
  const code = value.toUpperCase();
  if (!isCurrency(code)) throw new DomainError('unsupported_currency', `${code} is not an ISO-4217 currency`, [{ field, message: 'is not an ISO-4217 currency code' }]);
  return code;
}

export function url(value: string | null | undefined, field: string): string | null | undefined {
  if (value === null || value === undefined) return value;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(field, 'is not an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid(field, 'must be an http or https URL');
  return parsed.toString();
}

/**
 * An http(s) URL Paybridge will call (a webhook endpoint, a callback, a gateway): it must reach a public
 * address unless private targets are allowed (DESIGN rule 15). 422 naming `field` otherwise.
 */
export async function outboundUrl(deps: Pick<Deps, 'outbound'>, value: string | null | undefined, field: string): Promise<string | null | undefined> {
  const checked = url(value, field);
  if (checked === null || checked === undefined) return checked;
  const refusal = await deps.outbound.refusal(checked);
  if (refusal !== null) throw invalid(field, refusal);
  return checked;
}

/** RFC 5322 dot-atom local part (no quoting), then a domain of letter/digit/hyphen labels with a dotted name. */
const MAILBOX = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?=.{1,253}$)([\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

/**
 * Exactly one e-mail address, bare (`ada@example.com`): never a list (`a@x, b@y`), a display name
 * (`"Ada" <ada@example.com>`) or anything else a mailer would read as more recipients. 422 naming `field`.
 */
export function emailAddress(value: string | null | undefined, field: string): string | null | undefined {
  if (value === null || value === undefined) return value;
  const at = value.lastIndexOf('@');
  if (value.length > 254 || at > 64 || !MAILBOX.test(value)) throw invalid(field, 'must be one e-mail address, like ada@example.com');
  return value;
}

export function country(value: string | null | undefined, field = '/country'): string | null | undefined {
  if (value === null || value === undefined) return value;
  if (!/^[A-Za-z]{2}$/.test(value)) throw invalid(field, 'must be an ISO 3166-1 alpha-2 country code');
  return value.toUpperCase();
}

export function found<T>(value: T | undefined, what: string, id: string | number): T {
  if (value === undefined) throw new DomainError('not_found', `${what} ${id} not found`);
  return value;
}

/** Drops keys whose value is undefined, so a partial update only touches what was sent. */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
