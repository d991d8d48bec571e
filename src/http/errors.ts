/**
 * The one table from error code to HTTP status, and the native error envelope:
 * `{ "error": { "code", "message", "details"?, "request_id" } }`. A 5xx never carries internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode, type FieldProblem } from '../domain/errors.js';

const HTTP_STATUS: { readonly [C in ErrorCode]: number } = {
  validation_failed: 422,
  malformed_request: 400,
  invalid_amount: 422,
  unsupported_currency: 422,
  currency_mismatch: 422,
  idempotency_key_reused: 422,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unauthenticated: 401,
  forbidden: 403,
  invalid_grant: 400,
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_signature: 401,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  already_exists: 409,
  invalid_transition: 409,
  amount_exceeds_authorized: 422,
  amount_exceeds_captured: 422,
  amount_exceeds_due: 422,
  insufficient_funds: 422,
  unbalanced_transfer: 422,
  promo_code_invalid: 422,
  product_unavailable: 422,
  already_owned: 409,
  account_restricted: 403,
  gateway_error: 502,
  circuit_open: 503,
  internal_error: 500,
};

interface AjvIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
  readonly params: Record<string, unknown>;
}

/** Turns Ajv's validation errors into field problems that name the field, e.g. `/lines/0/quantity`. */
function fieldProblems(issues: readonly AjvIssue[], part: string): FieldProblem[] {
  const prefix = part === 'body' ? '' : `${part}:`;
  return issues.map((issue) => {
    const missing = issue.keyword === 'required' ? `/${String(issue.params['missingProperty'])}` : '';
    const extra = issue.keyword === 'additionalProperties' ? `/${String(issue.params['additionalProperty'])}` : '';
    const field = `${prefix}${issue.instancePath}${missing}${extra}` || `${prefix}/`;
    const message = issue.keyword === 'required' ? 'is required'
      : issue.keyword === 'additionalProperties' ? 'is not a known field'
        : issue.message ?? 'is invalid';
    return { field, message };
  });
}

/** Maps anything thrown by a route to a DomainError; unknown errors become `internal_error`. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const e = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (e.validation) {
    const details = fieldProblems(e.validation, e.validationContext ?? 'body');
    const first = details[0];
    return new DomainError('validation_failed', first ? `${first.field} ${first.message}` : 'the request is invalid', details);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new DomainError('payload_too_large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new DomainError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new DomainError('malformed_request', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new DomainError('malformed_request', 'the body is not valid JSON');
    default: break;
  }
  const dbCode = (error as { code?: unknown }).code;
  if (dbCode === 'SQLITE_CONSTRAINT_UNIQUE' || dbCode === 'SQLITE_CONSTRAINT_PRIMARYKEY' || dbCode === '23505') {
    return new DomainError('already_exists', 'a resource with these unique values already exists');
  }
  if (e.statusCode === 429) return new DomainError('rate_limited', 'too many requests; slow down');
  if (e.statusCode === 400 && typeof e.message === 'string' && e.code?.startsWith('FST_')) {
    return new DomainError('malformed_request', 'the request is malformed');
  }
  return new DomainError('internal_error', 'an internal error occurred; it has been logged');
}

export function httpStatus(error: DomainError): number {
  return HTTP_STATUS[error.code];
}

/** The native envelope. Dialect plugins render the same DomainError in their own dialect's shape. */
export function sendNativeError(request: FastifyRequest, reply: FastifyReply, raw: unknown): FastifyReply {
  const error = toDomainError(raw);
  const status = httpStatus(error);
  if (status >= 500) request.log.error({ err: raw }, 'request failed');
  return reply.status(status).send({
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.length > 0 ? { details: error.details } : {}),
      request_id: request.id,
    },
  });
}
