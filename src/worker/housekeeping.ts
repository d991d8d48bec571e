/** Forgets idempotency keys older than the retention (at least 24 hours, DESIGN rule 3). */
import type { Deps } from '../app/deps.js';

const IDEMPOTENCY_RETENTION_MS = 48 * 3600 * 1000;

export function purgeIdempotencyKeys(deps: Pick<Deps, 'store' | 'clock'>): Promise<number> {
  return deps.store.idempotency.purge(deps.clock.now() - IDEMPOTENCY_RETENTION_MS);
}
