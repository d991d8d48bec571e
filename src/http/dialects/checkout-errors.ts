/**
 * The course checkout's error envelope, `{"status":"ERROR","message","errors"?}`, with the specification's messages: 401 "User
 * not authenticated", 403 "Access forbidden", 422 "Validation failed" with `errors.<field>` sentences,
 * 500 "An error occurred while processing your request" (nothing internal, ever).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError, type ErrorCode, type FieldProblem } from '../../domain/errors.js';
import { toDomainError } from '../errors.js';

export const CheckoutError = Type.Object({
  status: Type.Literal('ERROR'),
  message: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Messages per request field' })),
}, { description: 'course checkout error envelope' });

const MESSAGES: Partial<Record<ErrorCode, [number, string]>> = {
  unauthenticated: [401, 'User not authenticated'],
  forbidden: [403, 'Access forbidden'],
  account_restricted: [403, 'Access forbidden'],
  already_owned: [403, 'Access forbidden'],
  validation_failed: [422, 'Validation failed'],
  promo_code_invalid: [422, 'Validation failed'],
  product_unavailable: [422, 'Validation failed'],
  invalid_amount: [422, 'Validation failed'],
  idempotency_key_reused: [422, 'Validation failed'],
  malformed_request: [400, 'The request body is not valid JSON'],
  unsupported_media_type: [415, 'Send the request body as application/json'],
  payload_too_large: [413, 'The request body is too large'],
  rate_limited: [429, 'Too many requests; retry later'],
  conflict: [409, 'The request conflicted with another one; retry it'],
  idempotency_key_in_use: [409, 'A request with this Idempotency-Key is still in progress; retry shortly'],
};

const INTERNAL: [number, string] = [500, 'An error occurred while processing your request'];

interface AjvIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

/** Body validation failures, in the specification's words (Laravel-like sentences, keyed by top-level field). */
function schemaProblems(issues: readonly AjvIssue[]): FieldProblem[] {
  return issues.flatMap((issue): FieldProblem[] => {
    const path = issue.instancePath.split('/').filter(Boolean);
    const field = issue.keyword === 'required' ? String(issue.params['missingProperty']) : path[0] ?? '';
    if (field === '' || (field === 'courses' && issue.keyword === 'required')) {
      return [
        { field: '/courses', message: 'The courses field is required.' },
        { field: '/courses', message: 'At least one course must be selected.' },
      ];
    }
    if (field === 'courses') {
      if (issue.keyword === 'minItems') return [{ field: '/courses', message: 'At least one course must be selected.' }];
      if (issue.keyword === 'maxItems') return [{ field: '/courses', message: `At most ${String(issue.params['limit'])} courses can be bought at once.` }];
      if (path.length > 1) return [{ field: `/courses/${path[1]}`, message: `The course at position ${Number(path[1]) + 1} must be a positive integer id.` }];
      return [{ field: '/courses', message: 'The courses field must be a list of course ids.' }];
    }
    if (field === 'quantity') return [{ field: '/quantity', message: 'The quantity must be an integer between 1 and 1000.' }];
    if (field === 'promo_code') return [{ field: '/promo_code', message: 'The promo code must be a text of 1 to 64 characters.' }];
    return [{ field: `/${field}`, message: `The ${field.replaceAll('_', ' ')} field is invalid.` }];
  });
}

/** A field problem as a sentence: "has expired" on /promo_code → "The promo code has expired." */
function sentence(field: string, message: string): string {
  if (/^[A-Z]/.test(message)) return message;
  const name = field.replaceAll('_', ' ');
  const text = message.startsWith(name) ? message : `The ${name} ${message}`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`;
}

/** `errors` keyed by top-level field (`/courses/2` → `courses`), or undefined when there is nothing to say. */
function groupErrors(problems: readonly FieldProblem[]): Record<string, string[]> | undefined {
  const errors: Record<string, string[]> = {};
  for (const p of problems) {
    const key = p.field.replace(/^header:/, '').split('/').filter(Boolean)[0]?.replaceAll('-', '_') ?? 'body';
    const text = sentence(key, p.message);
    if (!(errors[key] ??= []).includes(text)) errors[key]!.push(text);
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** Renders anything a checkout route threw in the course checkout envelope. */
export function sendCheckoutError(request: FastifyRequest, reply: FastifyReply, raw: unknown): FastifyReply {
  const validation = (raw as { validation?: AjvIssue[] }).validation;
  const error = validation ? new DomainError('validation_failed', 'Validation failed', schemaProblems(validation)) : toDomainError(raw);
  const [status, envelopeMessage] = MESSAGES[error.code] ?? INTERNAL;
  if (status >= 500) request.log.error({ err: raw }, 'checkout failed');
  // 403s say why (restricted account, course already owned); 422s list the problems per field.
  // A 400 names the limit it broke (JSON nested too deep), when it is more than "not valid JSON".
  const says = (status === 403 && error.code !== 'forbidden') || (status === 400 && !/not valid JSON/i.test(error.message));
  const message = says ? `${envelopeMessage}: ${error.message}` : envelopeMessage;
  const errors = status === 422 || error.code === 'already_owned' ? groupErrors(error.details) : undefined;
  if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="paybridge"');
  return reply.status(status).send({ status: 'ERROR', message, ...(errors ? { errors } : {}) });
}
