/**
 * JSON bodies nested absurdly deep (thousands of `[`) are refused before anything walks them: parsers,
 * validators, the idempotency hash and use cases all recurse over a body, and none of them should meet
 * one that exhausts the stack. The limit is far beyond any request Paybridge takes.
 */
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../domain/errors.js';

const MAX_JSON_DEPTH = 64;

/** Whether arrays and objects in JSON `text` nest deeper than `limit` (one pass, strings skipped). */
export function nestedTooDeep(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

export function tooDeep(): DomainError {
  return new DomainError('malformed_request', `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`);
}

/**
 * Replaces the app's JSON body parser with Fastify's own (prototype-poisoning checks kept) behind the depth
 * check. An empty body sent as application/json (`curl -X POST -H 'Content-Type: application/json'`) is no
 * body, as without the header: routes that take none accept it, the others name the missing body.
 */
export function limitJsonDepth(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (nestedTooDeep(text)) {
      done(tooDeep(), undefined);
      return;
    }
    parse(request, text, done);
  });
}
