/** Flow 6, the baseline: one POST to the bare Fastify + better-sqlite3 server (one INSERT in a transaction). */
import type { Flow, VirtualUser } from '../load.js';

export function baselineFlow(): Flow {
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ name: 'order', amount: 4999 });
  return {
    name: 'baseline (bare INSERT)',
    async run(vu: VirtualUser) {
      await vu.call('POST', '/insert', { headers, body, expect: 201 });
    },
  };
}
