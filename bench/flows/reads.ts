/** Flow 4, reads: `GET /api/v1/orders/{id}` (lines, transactions, history) with the integration key. */
import type { Flow, VirtualUser } from '../load.js';
import { INTEGRATION_KEY } from '../procs.js';
import { jsonHeaders } from './common.js';

/** Creates `count` orders through the API (16 at a time) for the reads to pick from; returns their ids. */
export async function createReadableOrders(origin: string, shopId: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  const body = JSON.stringify({ shop_id: shopId, lines: [{ product_id: 1 }, { product_id: 3, quantity: 2 }] });
  const one = async () => {
    const res = await fetch(`${origin}/api/v1/orders`, { method: 'POST', headers: jsonHeaders(INTEGRATION_KEY), body });
    if (res.status !== 201) throw new Error(`creating an order: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: number }).id);
  };
  for (let i = 0; i < count; i += 16) await Promise.all(Array.from({ length: Math.min(16, count - i) }, one));
  return ids;
}

export function readsFlow(orderIds: readonly number[]): Flow {
  const headers = { authorization: `Bearer ${INTEGRATION_KEY}` };
  let i = 0;
  return {
    name: 'read one order',
    async run(vu: VirtualUser) {
      const id = orderIds[(i++ * 7919) % orderIds.length]!;
      await vu.call('GET', `/api/v1/orders/${id}`, { headers, expect: 200 });
    },
  };
}
