/**
 * Periodic housekeeping run by `serve` and `worker`: forgets idempotency keys older than the retention
 * (at least 24 hours, DESIGN rule 3). Returns a function that stops it.
 */
import type { Deps } from '../app/deps.js';
import { IDEMPOTENCY_RETENTION_MS } from '../http/plugins/idempotency.js';

export const HOUSEKEEPING_INTERVAL_MS = 15 * 60 * 1000;

export async function purgeIdempotencyKeys(deps: Pick<Deps, 'store' | 'clock'>): Promise<number> {
  return deps.store.idempotency.purge(deps.clock.now() - IDEMPOTENCY_RETENTION_MS);
}

export function runHousekeeping(deps: Deps): () => void {
  const tick = () => { purgeIdempotencyKeys(deps).catch(() => undefined); };
  tick();
  const timer = setInterval(tick, HOUSEKEEPING_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
