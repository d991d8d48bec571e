/**
 * The closed set of error codes Paybridge can answer with. Codes are stable, snake_case and part of
 * the public API: clients branch on them. `http/errors.ts` maps each one to exactly one HTTP status.
 */
const ERROR_CODES = [
  // request shape and input
  'validation_failed',
  'malformed_request',
  'invalid_amount',
  'unsupported_currency',
  'currency_mismatch',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  // authentication and authorization
  'unauthenticated',
  'forbidden',
  'invalid_grant',
  'invalid_client',
  'unsupported_grant_type',
  'invalid_signature',
  // resources
  'not_found',
  'route_not_found',
  'conflict',
  'already_exists',
  // state machines and money invariants
  'invalid_transition',
  'amount_exceeds_authorized',
  'amount_exceeds_captured',
  'amount_exceeds_due',
  'insufficient_funds',
  'unbalanced_transfer',
  'promo_code_invalid',
  'product_unavailable',
  'already_owned',
  'account_restricted',
  // processors
  'gateway_error',
  'circuit_open',
  // last resort
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of the input; `field` is a JSON pointer-ish path such as `/lines/0/quantity`. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * An expected failure with a stable code. Thrown by use cases and mapped to HTTP once, at the edge.
 * The message is safe to show to API clients: it never carries secrets or internals.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly FieldProblem[];

  constructor(code: ErrorCode, message: string, details: readonly FieldProblem[] = []) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** The result of a pure operation that can be refused: data, never an exception. */
export type Result<T, E = DomainError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E = DomainError>(error: E): Result<never, E> => ({ ok: false, error });

/** Unwraps a result, throwing its error: for use-case code where a refusal ends the request. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}
