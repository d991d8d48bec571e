/** Opaque cursors over id-ordered lists: `next_cursor` is base64url of the last item's id. */
import { DomainError } from '../domain/errors.js';
import type { Page, PageRequest } from '../ports/common.js';

/** `idType` is the type of the list's ids: a cursor of the other type is refused, never passed to SQL. */
export function pageRequest(query: { limit?: number | undefined; starting_after?: string | undefined }, idType: 'string' | 'integer' = 'string'): PageRequest {
  const limit = query.limit ?? 20;
  if (query.starting_after === undefined) return { limit };
  try {
    const after: unknown = JSON.parse(Buffer.from(query.starting_after, 'base64url').toString('utf8'));
    if (idType === 'string' ? typeof after === 'string' : Number.isSafeInteger(after)) return { limit, after: after as string | number };
  } catch { /* fall through */ }
  throw new DomainError('validation_failed', 'starting_after is not a cursor this API returned', [{ field: 'querystring:/starting_after', message: 'is not a valid cursor' }]);
}

export function listBody<T, V>(page: Page<T>, view: (item: T) => V, cursorOf: (item: T) => string | number) {
  const last = page.items[page.items.length - 1];
  return {
    object: 'list' as const,
    data: page.items.map(view),
    has_more: page.hasMore,
    next_cursor: page.hasMore && last !== undefined
      ? Buffer.from(JSON.stringify(cursorOf(last)), 'utf8').toString('base64url') : null,
  };
}
