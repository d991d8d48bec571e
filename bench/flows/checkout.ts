/**
 * Flow 1, the full checkout: `POST /api/v1/checkout` as the buyer → `GET /pay/{session}` (the hosted page:
 * CSRF cookie + form token) → `POST /pay/{session}` with the sandbox's success card → follow the 303 to the
 * receipt. Every 20 flows a virtual user moves to a new loopback address, as a new buyer's browser would
 * (the page allows 30 POSTs a minute per address). Order ids are kept for the exactly-once check.
 */
import type { Flow, VirtualUser } from '../load.js';
import { BuyerPool, jsonHeaders, parsePlaced } from './common.js';

const CSRF_FIELD = /name="_csrf" value="([^"]+)"/;
const FLOWS_PER_ADDRESS = 20;

export function checkoutFlow(buyers: BuyerPool, orderIds: number[], name = 'full checkout'): Flow {
  const runs = new Map<number, number>();
  return {
    name,
    async run(vu: VirtualUser) {
      const n = (runs.get(vu.id) ?? 0) + 1;
      runs.set(vu.id, n);
      if (n % FLOWS_PER_ADDRESS === 0) await vu.newAddress();
      const buyer = buyers.take();
      const placed = parsePlaced((await vu.call('POST', '/api/v1/checkout', {
        headers: jsonHeaders(buyer.token), body: JSON.stringify({ courses: [buyer.courseId] }), expect: 200,
      })).text);
      const page = `/pay/${encodeURIComponent(placed.sessionId)}`;
      const form = await vu.call('GET', page, { expect: 200 });
      const token = CSRF_FIELD.exec(form.text)?.[1];
      const setCookie = form.headers['set-cookie'];
      const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).map((c) => c.split(';')[0]).filter(Boolean).join('; ');
      if (!token || !cookie) throw new Error('the payment page has no CSRF token or cookie');
      const fields = new URLSearchParams({ _csrf: token, number: '4242 4242 4242 4242', expiry: '12/39', cvc: '123', name: 'Bench Buyer' });
      const paid = await vu.call('POST', page, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: fields.toString(), expect: 303,
      });
      const location = String(paid.headers['location'] ?? '');
      if (!location.startsWith('/')) throw new Error(`the payment redirected to ${location}`);
      await vu.call('GET', location, { headers: { cookie }, expect: 200 });
      orderIds.push(placed.orderId);
    },
  };
}
