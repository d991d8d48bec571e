/**
 * `paybridge gateway check <base-url> --secret <s>`: drives a merchant's Commerce Layer external gateways endpoints through the
 * protocol, with the documents Paybridge sends, and prints one PASS/FAIL line per requirement (exit code 1
 * on any failure). It authorizes, captures and refunds one payment, authorizes and voids another, saves a
 * customer token, follows 202 answers to their signed webhook (listening on --webhook-port), and checks
 * that requests with a wrong or missing signature are refused with HTTP ≥ 400.
 */
import { createServer, type Server } from 'node:http';
import { externalRequest } from '../adapters/gateways/external-http-gateway.js';
import type { ExternalAction } from '../adapters/gateways/external-payload.js';
import { readExternalReply } from '../adapters/gateways/external-reply.js';
import { signExternalBody, verifyExternalSignature } from '../adapters/gateways/external-signature.js';
import { UndiciHttpClient } from '../adapters/undici-http-client.js';
import type { GatewayRequest, GatewayResult } from '../ports/payment-gateway.js';
import type { Shop } from '../ports/catalog.js';
import type { Customer } from '../ports/customers.js';
import type { Order, OrderLine } from '../ports/orders.js';
import type { PaymentTransaction } from '../ports/payments.js';

/** What `paybridge gateway check` was asked to do (parsed by the CLI). */
interface GatewayCheckOptions {
  readonly urls: Record<ExternalAction, string>;
  readonly secret: string;
  readonly webhookPort: number | null;
  readonly webhookHost: string;
  readonly timeoutMs: number;
}

/** The endpoint of each action: the one given, or `<base-url>/<action>`. */
export function gatewayUrls(base: string, given: Partial<Record<ExternalAction, string>>): Record<ExternalAction, string> {
  return Object.fromEntries((['authorize', 'capture', 'void', 'refund', 'token'] as const)
    .map((a) => [a, given[a] ?? `${base.replace(/\/+$/, '')}/${a}`])) as Record<ExternalAction, string>;
}

/** A realistic order: two courses, a signed-in customer, a billing country. */
function sampleRequest(kind: PaymentTransaction['kind'], id: string, amount: number, parent: PaymentTransaction | null): GatewayRequest {
  const now = Date.now();
  const shop: Shop = {
    id: 'shop_check', name: 'Paybridge gateway check', currency: 'USD', remoteCheckoutUrl: null, successUrl: null, cancelUrl: null,
    autoCapture: false, clearingDays: 1, webhookSecret: '', createdAt: now, updatedAt: now,
  };
  const customer: Customer = { id: 'cus_check', email: 'gateway-check@example.com', firstName: 'Gateway', lastName: 'Check', restricted: false, passwordHash: null, externalId: null, createdAt: now, updatedAt: now };
  const line = (n: number, productId: number, sku: string, title: string, unit: number): OrderLine => ({
    id: n, orderId: 1001, productId, sku, title, quantity: 1, unitAmount: unit, subtotal: unit, discount: 0, tax: 0, total: unit,
  });
  const lines = [line(1, 1, 'JS-FUND', 'JavaScript Fundamentals', 4999), line(2, 2, 'ADV-REACT', 'Advanced React', 9999)];
  const order: Order = {
    id: 1001, shopId: shop.id, customerId: customer.id, number: 'CHECK-1001', currency: 'USD', status: 'placed', paymentStatus: 'unpaid',
    fulfillmentStatus: 'unfulfilled', subtotal: 14998, discount: 0, tax: 0, taxOverride: null, total: 14998, promoCodeId: null, promoCode: null,
    country: 'US', email: customer.email, metadata: {}, placedAt: now, cancelledAt: null, releasedAt: null, statusMessage: null, processorReference: null,
    processorData: null, createdAt: now, updatedAt: now, version: 1,
  };
  const transaction: PaymentTransaction = {
    id, orderId: order.id, gatewayId: 'gw_check', kind, status: 'pending', amount, currency: 'USD', parentId: parent?.id ?? null,
    idempotencyKey: `pb_${id}`, processorToken: null, actionId: null, errorCode: null, errorMessage: null, metadata: {}, createdAt: now, updatedAt: now,
  };
  return { transaction, parent, order, lines, shop, customer, source: { type: 'card_token', token: 'tok_paybridge_check' } };
}

interface Webhooks {
  wait(actionId: string, ms: number): Promise<{ signed: boolean; body: Record<string, unknown> } | null>;
  close(): Promise<void>;
}

async function listen(o: GatewayCheckOptions): Promise<Webhooks | null> {
  if (o.webhookPort === null) return null;
  const seen = new Map<string, { signed: boolean; body: Record<string, unknown> }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['x-commercelayer-signature'];
      let body: Record<string, any> = {};
      try { body = JSON.parse(raw.toString('utf8')); } catch { /* recorded as unreadable below */ }
      const actionId = body?.['data']?.['action_id'] ?? body?.['action_id'];
      if (typeof actionId === 'string') seen.set(actionId, { signed: verifyExternalSignature(raw, typeof header === 'string' ? header : undefined, o.secret), body });
      res.writeHead(typeof actionId === 'string' ? 200 : 422, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.webhookPort!, o.webhookHost, resolve));
  return {
    async wait(actionId, ms) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && !seen.has(actionId)) await new Promise((r) => setTimeout(r, 50));
      return seen.get(actionId) ?? null;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Runs the check; returns the process exit code. `print` receives one line at a time. */
export async function gatewayCheck(o: GatewayCheckOptions, print: (line: string) => void): Promise<number> {
  const http = new UndiciHttpClient({ allowPrivate: true }); // the operator's own tool, aimed at the merchant's server
  const hooks = await listen(o);
  let passed = 0;
  let failed = 0;
  const report = (ok: boolean, what: string, detail: string) => {
    if (ok) passed++; else failed++;
    print(`${ok ? 'PASS' : 'FAIL'}  ${what}: ${detail}`);
  };

  async function act(action: ExternalAction, request: GatewayRequest): Promise<GatewayResult | null> {
    const { body, headers } = externalRequest(action, request, o.secret);
    let result: GatewayResult;
    try {
      const response = await http.post({ url: o.urls[action], headers, body, timeoutMs: o.timeoutMs });
      const reading = readExternalReply(action, response);
      if (reading.kind === 'fault') { report(false, action, `${reading.code}: ${reading.message}`); return null; }
      result = reading.result;
    } catch (error) {
      report(false, action, `no answer from ${o.urls[action]} (${(error as Error).message})`);
      return null;
    }
    if (result.outcome === 'failed') { report(false, action, `declined the test payment: ${result.errorCode}: ${result.errorMessage}`); return null; }
    const amount = request.transaction.amount;
    if (action !== 'token' && result.amount !== undefined && result.amount !== null && result.amount !== amount) {
      report(false, action, `answered amount_cents ${result.amount} for a request of ${amount}`); return null;
    }
    if (result.outcome === 'succeeded') {
      report(true, action, action === 'token' ? `payment_source_token ${result.processorToken}` : `succeeded, transaction_token ${result.processorToken ?? '(none)'}, amount_cents ${result.amount}`);
      return result;
    }
    report(true, action, `202 with action_id ${result.actionId}`);
    if (!hooks) { report(false, `${action} completion`, 'answered 202, but no --webhook-port was given to receive the webhook'); return null; }
    const hook = await hooks.wait(result.actionId!, o.timeoutMs * 3);
    if (!hook) { report(false, `${action} completion`, `no webhook for action_id ${result.actionId} within ${o.timeoutMs * 3} ms`); return null; }
    const ok = hook.signed && hook.body['success'] === true;
    report(ok, `${action} completion`, !hook.signed ? 'the webhook\'s X-CommerceLayer-Signature does not match its body' : `webhook success: ${String(hook.body['success'])}`);
    return ok ? result : null;
  }

  const asDone = (r: GatewayRequest, result: GatewayResult): PaymentTransaction => ({ ...r.transaction, status: 'succeeded', processorToken: result.processorToken ?? null });
  try {
    const auth = sampleRequest('authorization', 'txn_check_auth_1', 14998, null);
    const authorized = await act('authorize', auth);
    if (authorized) {
      const cap = sampleRequest('capture', 'txn_check_capture_1', 14998, asDone(auth, authorized));
      const captured = await act('capture', cap);
      if (captured) await act('refund', sampleRequest('refund', 'txn_check_refund_1', 7499, asDone(cap, captured)));
    }
    const second = sampleRequest('authorization', 'txn_check_auth_2', 14998, null);
    const authorizedAgain = await act('authorize', second);
    if (authorizedAgain) await act('void', sampleRequest('void', 'txn_check_void_1', 14998, asDone(second, authorizedAgain)));
    await act('token', sampleRequest('token', 'txn_check_token_1', 0, null));

    for (const [what, signature] of [['a wrong signature', signExternalBody('{}', o.secret)], ['no signature', null]] as const) {
      const { body, headers } = externalRequest('authorize', sampleRequest('authorization', 'txn_check_forged', 14998, null), o.secret);
      const forged: Record<string, string> = { ...headers };
      if (signature === null) delete forged['x-commercelayer-signature']; else forged['x-commercelayer-signature'] = signature;
      try {
        const res = await http.post({ url: o.urls.authorize, headers: forged, body, timeoutMs: o.timeoutMs });
        report(res.status >= 400, `authorize with ${what}`, `answered HTTP ${res.status}${res.status >= 400 ? '' : ' (must be refused with ≥ 400)'}`);
      } catch (error) {
        report(false, `authorize with ${what}`, `no answer (${(error as Error).message})`);
      }
    }
  } finally {
    await hooks?.close();
    await http.close();
  }
  print(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
