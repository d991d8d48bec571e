/**
 * Skilljar-compatible purchases errors, the way Django REST framework (behind Skilljar's API) renders them: `{"detail": "…"}`,
 * or `{"<field>": ["message"]}` for a 400 on the request's fields. A 5xx never says more than its detail.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type FieldProblem } from '../../domain/errors.js';
import { httpStatus, toDomainError } from '../errors.js';

interface AjvIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

const FIELD_ERROR_CODES = new Set(['validation_failed', 'invalid_amount', 'amount_exceeds_captured', 'amount_exceeds_due', 'promo_code_invalid']);

const DETAIL: Partial<Record<string, string>> = {
  unauthenticated: 'Authentication credentials were not provided.',
  forbidden: 'You do not have permission to perform this action.',
  not_found: 'Not found.',
  route_not_found: 'Not found.',
  payload_too_large: 'Request body too large.',
  rate_limited: 'Request was throttled.',
};

/** DRF's words for a schema failure on one field; null when another issue of the same field says it better. */
function drfMessage(issue: AjvIssue, value: unknown): string | null {
  const p = issue.params;
  switch (issue.keyword) {
    case 'required': return 'This field is required.';
    case 'enum': case 'const': return `"${String(value)}" is not a valid choice.`;
    case 'minimum': return `Ensure this value is greater than or equal to ${String(p['limit'])}.`;
    case 'maximum': return `Ensure this value is less than or equal to ${String(p['limit'])}.`;
    case 'minLength': return 'This field may not be blank.';
    case 'maxLength': return `Ensure this field has no more than ${String(p['limit'])} characters.`;
    case 'format': return 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';
    case 'type':
      if (p['type'] === 'null') return null;
      if (p['type'] === 'integer' || p['type'] === 'number') return 'A valid integer is required.';
      if (p['type'] === 'string') return 'Not a valid string.';
      return 'Invalid value.';
    case 'anyOf': return null;
    default: return 'Invalid value.';
  }
}

/** Ajv issues on the body as DRF field errors (the first message per field). */
function fieldErrors(issues: readonly AjvIssue[], body: unknown): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of issues) {
    const segments = issue.instancePath.split('/').filter(Boolean);
    const field = issue.keyword === 'required' ? String(issue.params['missingProperty']) : segments[0];
    if (!field) return { non_field_errors: [`Invalid data. Expected a dictionary, but got ${Array.isArray(body) ? 'list' : typeof body}.`] };
    const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
    const message = drfMessage(issue, value);
    if (message && !errors[field]) errors[field] = [message];
  }
  return errors;
}

/** A domain field problem as a sentence naming its field: "/price_cents is computed…" → "price_cents is computed…." */
function domainFieldErrors(details: readonly FieldProblem[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const d of details) {
    const field = d.field.split('/').filter(Boolean)[0] ?? 'non_field_errors';
    const text = /^[A-Z]/.test(d.message) || d.message.startsWith(field) ? d.message : `${field} ${d.message}`;
    (errors[field] ??= []).push(text.endsWith('.') ? text : `${text}.`);
  }
  return errors;
}

/** Renders anything a purchases route threw in DRF's shape. */
export function sendPurchaseError(request: FastifyRequest, reply: FastifyReply, raw: unknown): FastifyReply {
  const failed = raw as { validation?: AjvIssue[]; validationContext?: string; code?: string };
  if (failed.validation) {
    // A purchase id that cannot exist (the contract's pattern) is simply not found.
    if (failed.validationContext === 'params') return reply.status(404).send({ detail: DETAIL['not_found'] });
    return reply.status(400).send(fieldErrors(failed.validation, request.body));
  }
  if (failed.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.status(415).send({ detail: `Unsupported media type "${String(request.headers['content-type'] ?? '')}" in request.` });
  }
  const error: DomainError = toDomainError(raw);
  const status = FIELD_ERROR_CODES.has(error.code) ? 400 : httpStatus(error);
  if (status >= 500) {
    request.log.error({ err: raw }, 'purchase request failed');
    return reply.status(status).send({ detail: 'A server error occurred.' });
  }
  if (status === 401) {
    if (!reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Basic realm="paybridge", Bearer realm="paybridge"');
    const sent = request.headers.authorization;
    if (sent) return reply.status(401).send({ detail: /^basic /i.test(sent) ? 'Invalid username/password.' : 'Invalid token.' });
  }
  if (status === 400 && error.details.length > 0) return reply.status(400).send(domainFieldErrors(error.details));
  const multipart = /^multipart\//i.test(String(request.headers['content-type'] ?? ''));
  const detail = error.code === 'malformed_request' ? `${multipart ? 'Multipart form' : 'JSON'} parse error - ${error.message}` : DETAIL[error.code] ?? error.message;
  return reply.status(status).send({ detail });
}
