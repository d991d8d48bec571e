/**
 * Flow 3, an external gateway (Commerce Layer protocol): `POST /api/v1/orders` then `POST /api/v1/orders/{id}/payments`
 * with `capture: true` (authorize + capture), against the bench's fast merchant server, so what is measured
 * is Paybridge's own work around the two merchant calls.
 */
import type { Flow, VirtualUser } from '../load.js';
import { ADMIN_KEY, INTEGRATION_KEY } from '../procs.js';
import { jsonHeaders } from './common.js';

/** Creates the external gateway pointing at the merchant (admin key); returns its id. */
export async function createExternalGateway(origin: string, shopId: string, merchantUrl: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/external-gateways`, {
    method: 'POST', headers: jsonHeaders(ADMIN_KEY),
    body: JSON.stringify({
      shop_id: shopId, name: 'Bench merchant', authorize_url: `${merchantUrl}/authorize`, capture_url: `${merchantUrl}/capture`,
      void_url: `${merchantUrl}/void`, refund_url: `${merchantUrl}/refund`, timeout_ms: 5000,
    }),
  });
  if (res.status !== 201) throw new Error(`creating the external gateway: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export function externalFlow(shopId: string, gatewayId: string): Flow {
  const headers = jsonHeaders(INTEGRATION_KEY);
  // A guest order (an e-mail, no customer): one customer may not buy the same course again and again.
  const order = JSON.stringify({ shop_id: shopId, email: 'learner@example.com', lines: [{ product_id: 2 }] });
  const payment = JSON.stringify({ gateway_id: gatewayId, capture: true, source: { type: 'card_token', token: 'tok_bench' } });
  return {
    name: 'external authorize+capture',
    async run(vu: VirtualUser) {
      const created = JSON.parse((await vu.call('POST', '/api/v1/orders', { headers, body: order, expect: 201 })).text) as { id: number };
      const paid = JSON.parse((await vu.call('POST', `/api/v1/orders/${created.id}/payments`, { headers, body: payment, expect: 200 })).text) as {
        transaction: { status: string }; order: { payment_status: string };
      };
      if (paid.transaction.status !== 'succeeded' || paid.order.payment_status !== 'paid') {
        throw new Error(`payment not captured: ${paid.transaction.status}/${paid.order.payment_status}`);
      }
    },
  };
}
