/**
 * A reference external payment gateway for Paybridge (and Commerce Layer): the five Commerce Layer external gateways actions,
 * signature checks, and asynchronous completion through the signed webhook. Node's standard library only;
 * copy it and replace `decide()` with calls to your payment service provider.
 *
 *   SHARED_SECRET=… WEBHOOK_URL=https://paybridge.example/webhooks/external/gw_… npx tsx server.ts
 *
 * Environment: SHARED_SECRET (required: the gateway's shared_secret), PORT (default 4100; 0 picks a free
 * port), HOST (default 127.0.0.1), WEBHOOK_URL (the gateway's webhook_endpoint_url, needed for asynchronous
 * answers), ASYNC=1 (answer every authorize/capture/void/refund with 202 and complete it later),
 * ASYNC_DELAY_MS (default 500), WEBHOOK_ATTEMPTS (default 12) and WEBHOOK_MAX_DELAY_MS (default 30000) for
 * the webhook's retries. A payment source token containing "decline" is declined; one containing "async" is
 * completed asynchronously.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const SECRET = process.env['SHARED_SECRET'] ?? '';
const PORT = Number(process.env['PORT'] ?? 4100);
const HOST = process.env['HOST'] ?? '127.0.0.1';
const WEBHOOK_URL = process.env['WEBHOOK_URL'] ?? '';
const ALWAYS_ASYNC = process.env['ASYNC'] === '1';
const ASYNC_DELAY_MS = Number(process.env['ASYNC_DELAY_MS'] ?? 500);
const WEBHOOK_ATTEMPTS = Number(process.env['WEBHOOK_ATTEMPTS'] ?? 12);
const WEBHOOK_MAX_DELAY_MS = Number(process.env['WEBHOOK_MAX_DELAY_MS'] ?? 30_000);

if (!SECRET) {
  process.stderr.write('SHARED_SECRET is required: copy it from the gateway (GET /api/v1/external-gateways/{id}/secret)\n');
  process.exit(2);
}

type Json = Record<string, any>;
type Action = 'authorize' | 'capture' | 'void' | 'refund' | 'token';
const ACTIONS = new Set<string>(['authorize', 'capture', 'void', 'refund', 'token']);

/** base64(HMAC-SHA256(raw body, shared secret)): the X-CommerceLayer-Signature header. */
function sign(body: string | Buffer): string {
  return createHmac('sha256', SECRET).update(body).digest('base64');
}

function signatureValid(raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(sign(raw));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The amount this action moves, read from the fields a Commerce Layer request carries. */
function amountOf(action: Action, doc: Json): number {
  const attributes: Json = doc['data']?.['attributes'] ?? {};
  if (action === 'capture') return attributes['capture_amount_cents'];
  if (action === 'void') return attributes['void_balance_cents'] ?? attributes['amount_cents'];
  if (action === 'refund') return attributes['refund_amount_cents'];
  const order = (doc['included'] ?? []).find((r: Json) => r['type'] === 'orders');
  return attributes['amount_cents'] ?? order?.['attributes']?.['total_amount_with_taxes_cents'];
}

/** Where a real gateway would call its payment service provider. */
function decide(action: Action, doc: Json): 'approve' | 'decline' | 'async' {
  const source = String(doc['data']?.['attributes']?.['payment_source_token'] ?? '');
  if (source.includes('decline')) return 'decline';
  if (action !== 'token' && (ALWAYS_ASYNC || source.includes('async'))) return 'async';
  return 'approve';
}

/**
 * POSTs the signed completion to WEBHOOK_URL until it is acknowledged (2xx): on no answer, 5xx, 429 or 404
 * it tries again, up to WEBHOOK_ATTEMPTS times, waiting 500 ms, 1 s, 2 s … (at most WEBHOOK_MAX_DELAY_MS)
 * in between. 404 is retried because the webhook can overtake Paybridge recording the 202 reply (its
 * action_id is not known yet); any other 4xx will not change on a retry.
 */
async function complete(actionId: string, transactionToken: string, amount: number, attempt = 1): Promise<void> {
  const body = JSON.stringify({ success: true, data: { action_id: actionId, transaction_token: transactionToken, amount_cents: amount, message: 'Approved' } });
  try {
    const res = await fetch(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', 'x-commercelayer-signature': sign(body) }, body, signal: AbortSignal.timeout(10_000) });
    log(`webhook ${actionId} → ${res.status}`);
    if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 404)) return;
  } catch (error) {
    log(`webhook ${actionId} failed: ${(error as Error).message}`);
  }
  if (attempt < WEBHOOK_ATTEMPTS) {
    setTimeout(() => void complete(actionId, transactionToken, amount, attempt + 1), Math.min(250 * 2 ** attempt, WEBHOOK_MAX_DELAY_MS));
  } else {
    log(`webhook ${actionId}: giving up after ${attempt} attempts`);
  }
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function handle(action: Action, doc: Json, res: ServerResponse): void {
  const decision = decide(action, doc);
  const token = `ref_${action}_${randomUUID()}`;
  if (action === 'token') {
    if (decision === 'decline') return send(res, 422, { success: false, error: { code: 'TOKEN-REFUSED', message: 'This payment source cannot be saved' } });
    const source = String(doc['data']?.['attributes']?.['payment_source_token'] ?? '');
    return send(res, 200, { success: true, data: { customer_token: `cus_${randomUUID()}`, payment_source_token: `pst_${source}` } });
  }
  const amount = amountOf(action, doc);
  if (!Number.isInteger(amount)) return send(res, 422, { success: false, error: { code: 'BAD-REQUEST', message: 'no amount found in the request' } });
  if (decision === 'decline') {
    return send(res, 402, { success: false, data: { transaction_token: token, amount_cents: amount }, error: { code: 'DECLINED', message: 'The payment was declined' } });
  }
  if (decision === 'async') {
    if (!WEBHOOK_URL) return send(res, 500, { success: false, error: { code: 'NO-WEBHOOK-URL', message: 'WEBHOOK_URL is not configured' } });
    const actionId = `act_${randomUUID()}`;
    setTimeout(() => void complete(actionId, token, amount), ASYNC_DELAY_MS);
    return send(res, 202, { success: true, data: { transaction_token: token, amount_cents: amount, action_id: actionId } });
  }
  send(res, 200, { success: true, data: { transaction_token: token, amount_cents: amount, messages: [{ action, text: `${action} approved` }], metadata: { reference_gateway: true } } });
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const action = (req.url ?? '/').split('?')[0]!.replace(/^\/+|\/+$/g, '');
    if (req.method !== 'POST' || !ACTIONS.has(action)) return send(res, 404, { success: false, error: { code: 'NOT-FOUND', message: 'POST /authorize, /capture, /void, /refund or /token' } });
    const raw = Buffer.concat(chunks);
    if (!signatureValid(raw, req.headers['x-commercelayer-signature'])) {
      log(`${action}: bad signature`);
      return send(res, 401, { success: false, error: { code: 'INVALID-SIGNATURE', message: 'X-CommerceLayer-Signature does not match the body' } });
    }
    let doc: Json;
    try {
      doc = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { success: false, error: { code: 'BAD-JSON', message: 'the body is not JSON' } });
    }
    log(`${action} ${doc['data']?.['type']} ${doc['data']?.['id']}`);
    handle(action as Action, doc, res);
  });
});

server.listen(PORT, HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : PORT;
  log(`reference external gateway listening on http://${HOST}:${port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('SIGINT', () => server.close(() => process.exit(0)));
