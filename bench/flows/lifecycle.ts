/**
 * Flow 2, a purchase's life through an external checkout (course checkout + Skilljar-compatible purchases): the buyer's checkout, then the
 * checkout page's calls with the integration key: `GET /v1/purchases/{id}`, `PATCH` (sets the tax), and
 * `POST …/fulfill` with SUCCESS, which grants the course.
 */
import type { Flow, VirtualUser } from '../load.js';
import { INTEGRATION_KEY } from '../procs.js';
import { BuyerPool, jsonHeaders, parsePlaced } from './common.js';

export function lifecycleFlow(buyers: BuyerPool, orderIds: number[]): Flow {
  const integration = jsonHeaders(INTEGRATION_KEY);
  return {
    name: 'purchase lifecycle',
    async run(vu: VirtualUser) {
      const buyer = buyers.take();
      const { orderId } = parsePlaced((await vu.call('POST', '/api/v1/checkout', {
        headers: jsonHeaders(buyer.token), body: JSON.stringify({ courses: [buyer.courseId] }), expect: 200,
      })).text);
      const path = `/v1/purchases/${orderId}`;
      await vu.call('GET', path, { headers: { authorization: integration.authorization! }, expect: 200 });
      await vu.call('PATCH', path, { headers: integration, body: JSON.stringify({ tax_price_cents: 0 }), expect: 200 });
      const done = await vu.call('POST', `${path}/fulfill`, {
        headers: integration, body: JSON.stringify({ state: 'SUCCESS', payment_processor_order_id: `bench_${orderId}` }), expect: 200,
      });
      if (!done.text.includes('"SUCCESS"')) throw new Error(`fulfill did not answer SUCCESS: ${done.text.slice(0, 200)}`);
      orderIds.push(orderId);
    },
  };
}
