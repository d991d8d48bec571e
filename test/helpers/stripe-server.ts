/**
 * A local Stripe-compatible API server on 127.0.0.1 (port 0), written from Stripe's API reference, so the
 * tests run the official `stripe` SDK unchanged (through a gateway's `api_base`). What it implements:
 *   - form-encoded requests with bracketed keys (`metadata[order_id]=1`, `line_items[0][quantity]=1`),
 *     `Authorization: Bearer sk_…`, and error objects `{error: {type, code, decline_code, param, message}}`;
 *   - `Idempotency-Key`: the same key and parameters replay the first response (`Idempotent-Replayed: true`),
 *     other parameters are a 400 `idempotency_error`;
 *   - PaymentIntents (create with `confirm`, retrieve, confirm, capture in full or in part, cancel, search by
 *     metadata), refunds (full, partial, several), Checkout Sessions with a page the buyer "pays" on, account,
 *     webhook endpoints;
 *   - test payment methods: `pm_card_visa` (and any other `pm_card_…`) succeeds,
 *     `pm_card_chargeDeclined` (card_declined / generic_decline), `pm_card_chargeDeclinedInsufficientFunds`,
 *     `pm_card_chargeDeclinedExpiredCard` (expired_card), `pm_card_threeDSecure2Required` (requires_action with a
 *     redirect to an authentication page; `authenticate(pi, ok)` or the page completes it);
 *   - events (`evt_…`), signed exactly as Stripe signs them: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 *     of "t.body" with the endpoint secret>`. They are kept in `events`; `signed(event)` gives body and header,
 *     and when `webhookUrl` is set each new event is POSTed there too.
 * Faults for the tests: `stall` (answer the next matching request after the client gave up, having done the work).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, any>;
const rid = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Parses `a[b][0][c]=v&…` into nested objects and arrays, as Stripe reads its form-encoded parameters. */
export function parseForm(body: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split(/\[|\]\[|\]/).filter((p, i) => i === 0 || p !== '');
    let node: Obj = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = node[part] ??= {};
    });
  }
  const arrays = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Obj;
    const keys = Object.keys(o);
    if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return keys.sort((a, b) => Number(a) - Number(b)).map((k) => arrays(o[k]));
    for (const k of keys) o[k] = arrays(o[k]);
    return o;
  };
  return arrays(root) as Obj;
}

class StripeError extends Error {
  constructor(readonly status: number, readonly body: Obj) { super(String(body['message'])); }
}
const invalid = (message: string, param?: string, code = 'parameter_invalid') => new StripeError(400, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) });
const missing = (kind: string, id: string) => new StripeError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'`, param: 'id' });

const DECLINES: Record<string, { code: string; decline_code: string; message: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.' },
};
const THREE_DS = new Set(['pm_card_threeDSecure2Required', 'pm_card_authenticationRequired']);

export interface StripeTestServer {
  readonly url: string;
  readonly port: number;
  /** Every API key the server accepts (sk_test_…). */
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly paymentIntents: Map<string, Obj>;
  readonly checkoutSessions: Map<string, Obj>;
  readonly refunds: Map<string, Obj>;
  readonly events: Obj[];
  /** Every API request received: method, path, parameters, idempotency key. */
  readonly requests: { method: string; path: string; params: Obj; idempotencyKey: string | null }[];
  /** When set, each new event is POSTed here, signed. */
  webhookUrl: string | null;
  /** The account's default currency (lower case, as Stripe writes it). */
  defaultCurrency: string;
  /** The next request whose path matches is handled, then answered only after `ms` real milliseconds. */
  stall(path: RegExp, ms: number): void;
  /** Completes (or fails) the 3-D Secure authentication of a PaymentIntent waiting for it. */
  authenticate(paymentIntentId: string, succeed: boolean): Promise<Obj>;
  /** Opens a dispute on the PaymentIntent's charge (`charge.dispute.created`). */
  dispute(paymentIntentId: string, reason?: string): Promise<Obj>;
  /** Adds an event as Stripe would (and delivers it when `webhookUrl` is set). */
  emit(type: string, object: Obj): Promise<Obj>;
  /** The body and `Stripe-Signature` header of an event, signed with `secret` at `timestamp` (unix seconds). */
  signed(event: Obj, secret?: string, timestamp?: number): { body: string; header: string };
  close(): Promise<void>;
}

export async function startStripeServer(options: { now?: () => number } = {}): Promise<StripeTestServer> {
  const now = options.now ?? (() => Date.now());
  const seconds = () => Math.floor(now() / 1000);
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const paymentIntents = new Map<string, Obj>();
  const checkoutSessions = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const charges = new Map<string, Obj>();
  const webhookEndpoints = new Map<string, Obj>();
  const events: Obj[] = [];
  const requests: StripeTestServer['requests'] = [];
  const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  const stalls: { path: RegExp; ms: number }[] = [];

  const signed = (event: Obj, secret = webhookSecret, timestamp = seconds()) => {
    const body = JSON.stringify(event, null, 2);
    const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
    return { body, header: `t=${timestamp},v1=${v1}` };
  };

  const server: StripeTestServer = {
    url: '', port: 0, secretKey, webhookSecret, paymentIntents, checkoutSessions, refunds, events, requests,
    webhookUrl: null, defaultCurrency: 'usd',
    stall: (path, ms) => { stalls.push({ path, ms }); },
    authenticate: async (id, succeed) => {
      const pi = paymentIntents.get(id);
      if (!pi || pi['status'] !== 'requires_action') throw new Error(`${id} is not waiting for authentication`);
      pi['next_action'] = null;
      if (succeed) await authorized(pi);
      else await declined(pi, { code: 'payment_intent_authentication_failure', decline_code: '', message: 'The provided PaymentMethod has failed authentication.' });
      return pi;
    },
    dispute: async (id, reason = 'fraudulent') => {
      const pi = paymentIntents.get(id);
      if (!pi?.['latest_charge']) throw new Error(`${id} has no charge`);
      return emit('charge.dispute.created', {
        id: rid('dp'), object: 'dispute', amount: pi['amount_received'], currency: pi['currency'], charge: pi['latest_charge'],
        payment_intent: id, reason, status: 'needs_response', created: seconds(), livemode: false, metadata: {},
      });
    },
    emit: (type, object) => emit(type, object),
    signed,
    close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }),
  };

  async function emit(type: string, object: Obj): Promise<Obj> {
    const event = {
      id: rid('evt'), object: 'event', api_version: '2026-11-18.endive', created: seconds(), livemode: false,
      pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object: structuredClone(object) },
    };
    events.push(event);
    if (server.webhookUrl) {
      const { body, header } = signed(event);
      await fetch(server.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, body }).catch(() => undefined);
    }
    return event;
  }

  function charge(pi: Obj): Obj {
    const ch = {
      id: rid('ch'), object: 'charge', amount: pi['amount'], amount_captured: 0, amount_refunded: 0, captured: false, refunded: false,
      currency: pi['currency'], payment_intent: pi['id'], payment_method: pi['payment_method'], status: 'succeeded', metadata: pi['metadata'],
      created: seconds(), livemode: false,
    };
    charges.set(ch.id, ch);
    pi['latest_charge'] = ch.id;
    return ch;
  }

  async function authorized(pi: Obj): Promise<void> {
    const ch = charge(pi);
    if (pi['capture_method'] === 'manual') {
      pi['status'] = 'requires_capture';
      pi['amount_capturable'] = pi['amount'];
      await emit('payment_intent.amount_capturable_updated', pi);
    } else {
      pi['status'] = 'succeeded';
      pi['amount_received'] = pi['amount'];
      Object.assign(ch, { captured: true, amount_captured: pi['amount'] });
      await emit('charge.succeeded', ch);
      await emit('payment_intent.succeeded', pi);
    }
  }

  async function declined(pi: Obj, decline: { code: string; decline_code: string; message: string }): Promise<void> {
    pi['status'] = 'requires_payment_method';
    pi['last_payment_error'] = { type: 'card_error', code: decline.code, ...(decline.decline_code ? { decline_code: decline.decline_code } : {}), message: decline.message, payment_method: { id: pi['payment_method'] } };
    await emit('payment_intent.payment_failed', pi);
  }

  /** Confirms with the PaymentIntent's payment method; a decline throws the card_error Stripe answers with (402). */
  async function confirm(pi: Obj, returnUrl: string | undefined): Promise<void> {
    const pm = pi['payment_method'] as string | null;
    if (!pm) throw invalid('You cannot confirm this PaymentIntent because it\'s missing a payment method.', 'payment_method', 'payment_intent_unexpected_state');
    if (!pm.startsWith('pm_')) throw new StripeError(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: `No such PaymentMethod: '${pm}'` });
    const decline = DECLINES[pm];
    if (decline) {
      await declined(pi, decline);
      throw new StripeError(402, { type: 'card_error', ...pi['last_payment_error'], charge: null, payment_intent: structuredClone(pi) });
    }
    if (THREE_DS.has(pm)) {
      pi['status'] = 'requires_action';
      pi['next_action'] = returnUrl
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${server.url}/3ds/${pi['id']}`, return_url: returnUrl } }
        : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${server.url}/3ds/${pi['id']}` } };
      return;
    }
    await authorized(pi);
  }

  const metadataOf = (p: Obj) => {
    const m = p['metadata'];
    if (m === undefined || m === '') return {};
    if (typeof m !== 'object') throw invalid('Invalid object', 'metadata');
    return m as Obj;
  };
  const amountOf = (v: unknown, param: string) => {
    if (v === undefined) throw invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw invalid('Invalid integer', param);
    return n;
  };
  const pi = (id: string) => {
    const found = paymentIntents.get(id);
    if (!found) throw missing('payment_intent', id);
    return found;
  };
  const unexpected = (p: Obj, action: string) => invalid(`This PaymentIntent's ${action} could not be performed because it has a status of ${p['status']}.`, undefined, 'payment_intent_unexpected_state');

  async function createPaymentIntent(p: Obj): Promise<Obj> {
    const intent: Obj = {
      id: rid('pi'), object: 'payment_intent', amount: amountOf(p['amount'], 'amount'), amount_capturable: 0, amount_received: 0,
      currency: String(p['currency'] ?? '').toLowerCase(), capture_method: p['capture_method'] ?? 'automatic_async',
      client_secret: '', status: 'requires_payment_method', payment_method: p['payment_method'] ?? null, metadata: metadataOf(p),
      description: p['description'] ?? null, last_payment_error: null, next_action: null, latest_charge: null,
      canceled_at: null, cancellation_reason: null, created: seconds(), livemode: false,
    };
    if (!/^[a-z]{3}$/.test(intent['currency'])) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (intent['capture_method'] === 'automatic_async') intent['capture_method'] = 'automatic';
    intent['client_secret'] = `${intent['id']}_secret_${randomBytes(8).toString('hex')}`;
    paymentIntents.set(intent['id'], intent);
    if (intent['payment_method']) intent['status'] = 'requires_confirmation';
    await emit('payment_intent.created', intent);
    if (p['confirm'] === 'true') await confirm(intent, p['return_url']);
    return intent;
  }

  async function capture(p: Obj, id: string): Promise<Obj> {
    const intent = pi(id);
    if (intent['status'] !== 'requires_capture') throw unexpected(intent, 'capture');
    const amount = p['amount_to_capture'] === undefined ? intent['amount_capturable'] : amountOf(p['amount_to_capture'], 'amount_to_capture');
    if (amount > intent['amount_capturable']) throw invalid('Amount to capture must be less than or equal to the amount capturable.', 'amount_to_capture', 'amount_too_large');
    // A PaymentIntent is captured once: what is not captured is released (no multicapture here).
    Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    Object.assign(charges.get(intent['latest_charge'])!, { captured: true, amount_captured: amount });
    await emit('payment_intent.succeeded', intent);
    return intent;
  }

  async function cancel(p: Obj, id: string): Promise<Obj> {
    const intent = pi(id);
    if (!['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'].includes(intent['status'])) throw unexpected(intent, 'cancel');
    Object.assign(intent, { status: 'canceled', amount_capturable: 0, canceled_at: seconds(), cancellation_reason: p['cancellation_reason'] ?? 'requested_by_customer' });
    await emit('payment_intent.canceled', intent);
    return intent;
  }

  async function createRefund(p: Obj): Promise<Obj> {
    const intentId = p['payment_intent'] ?? (p['charge'] ? charges.get(p['charge'])?.['payment_intent'] : undefined);
    if (!intentId) throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
    const intent = pi(intentId);
    const ch = charges.get(intent['latest_charge']);
    if (!ch || !ch['captured']) throw invalid(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, undefined, 'charge_not_refundable');
    const left = ch['amount_captured'] - ch['amount_refunded'];
    const amount = p['amount'] === undefined ? left : amountOf(p['amount'], 'amount');
    if (left <= 0) throw invalid(`Charge ${ch['id']} has already been refunded.`, undefined, 'charge_already_refunded');
    if (amount > left) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, 'amount', 'amount_too_large');
    const refund = {
      id: rid('re'), object: 'refund', amount, currency: intent['currency'], charge: ch['id'], payment_intent: intentId,
      status: 'succeeded', reason: p['reason'] ?? null, metadata: metadataOf(p), created: seconds(),
    };
    refunds.set(refund.id, refund);
    Object.assign(ch, { amount_refunded: ch['amount_refunded'] + amount, refunded: ch['amount_refunded'] + amount === ch['amount_captured'] });
    await emit('refund.created', refund);
    await emit('charge.refunded', { ...ch, refunds: { object: 'list', data: [...refunds.values()].filter((r) => r['charge'] === ch['id']), has_more: false } });
    return refund;
  }

  async function createSession(p: Obj): Promise<Obj> {
    if (p['mode'] !== 'payment') throw invalid('Missing required param: mode.', 'mode', 'parameter_missing');
    const items = Array.isArray(p['line_items']) ? p['line_items'] as Obj[] : [];
    if (items.length === 0) throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
    let total = 0;
    let currency = '';
    const lines = items.map((item, i) => {
      const data = item['price_data'] as Obj | undefined;
      if (!data) throw invalid('Missing required param: line_items[0][price_data].', `line_items[${i}][price_data]`, 'parameter_missing');
      const unit = amountOf(data['unit_amount'], `line_items[${i}][price_data][unit_amount]`);
      const quantity = amountOf(item['quantity'], `line_items[${i}][quantity]`);
      currency = String(data['currency']).toLowerCase();
      total += unit * quantity;
      return { description: data['product_data']?.['name'] ?? 'Item', quantity, amount_total: unit * quantity, currency };
    });
    for (const url of ['success_url', 'cancel_url']) if (!p[url]) throw invalid(`Missing required param: ${url}.`, url, 'parameter_missing');
    const session = {
      id: `cs_test_${randomBytes(24).toString('base64url')}`, object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid',
      amount_total: total, currency, customer_email: p['customer_email'] ?? null, client_reference_id: p['client_reference_id'] ?? null,
      metadata: metadataOf(p), payment_intent: null as string | null, success_url: p['success_url'], cancel_url: p['cancel_url'],
      expires_at: p['expires_at'] ? Number(p['expires_at']) : seconds() + 24 * 3600, url: '', created: seconds(), livemode: false,
      payment_intent_data: p['payment_intent_data'] ?? {}, lines,
    };
    session.url = `${server.url}/c/pay/${session.id}`;
    checkoutSessions.set(session.id, session);
    return publicSession(session);
  }
  const publicSession = (s: Obj) => { const { payment_intent_data: _d, lines: _l, ...rest } = s; return { ...rest, url: s['status'] === 'open' ? s['url'] : null }; };

  async function paySession(id: string, pm: string): Promise<string> {
    const s = checkoutSessions.get(id);
    if (!s || s['status'] !== 'open') throw missing('checkout.session', id);
    const data = s['payment_intent_data'] as Obj;
    const intent = await createPaymentIntent({
      amount: String(s['amount_total']), currency: s['currency'], payment_method: pm, capture_method: data['capture_method'] ?? 'automatic',
      metadata: data['metadata'] ?? {},
    });
    s['payment_intent'] = intent['id'];
    try {
      await confirm(intent, undefined);
    } catch {
      return `${server.url}/c/pay/${id}?declined=1`;
    }
    Object.assign(s, { status: 'complete', payment_status: intent['status'] === 'succeeded' ? 'paid' : 'unpaid' });
    await emit('checkout.session.completed', publicSession(s));
    return String(s['success_url']).replace('{CHECKOUT_SESSION_ID}', id);
  }

  async function expireSession(id: string): Promise<Obj> {
    const s = checkoutSessions.get(id);
    if (!s) throw missing('checkout.session', id);
    if (s['status'] !== 'open') throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired.`, undefined, 'checkout_session_unexpected_state');
    s['status'] = 'expired';
    await emit('checkout.session.expired', publicSession(s));
    return publicSession(s);
  }

  /** `metadata['key']:'value'` (the only query form the tests need), as Stripe's search query language writes it. */
  function search(query: string): Obj[] {
    const m = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(query.trim());
    if (!m) throw invalid('Invalid search query.', 'query');
    return [...paymentIntents.values()].filter((p) => p['metadata']?.[m[1]!] === m[2]);
  }

  async function api(method: string, path: string, p: Obj): Promise<Obj> {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') return createPaymentIntent(p);
    if (method === 'GET' && path === '/v1/payment_intents/search') {
      const data = search(String(p['query'] ?? ''));
      return { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/payment_intents/search' };
    }
    if ((m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)) && method === 'GET') return pi(m[1]!);
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path)) && method === 'POST') {
      const intent = pi(m[1]!);
      if (!['requires_payment_method', 'requires_confirmation'].includes(intent['status'])) throw unexpected(intent, 'confirm');
      if (p['payment_method']) intent['payment_method'] = p['payment_method'];
      await confirm(intent, p['return_url']);
      return intent;
    }
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/capture$/.exec(path)) && method === 'POST') return capture(p, m[1]!);
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path)) && method === 'POST') return cancel(p, m[1]!);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(p);
    if (method === 'GET' && path === '/v1/refunds') {
      const data = [...refunds.values()].filter((r) => !p['payment_intent'] || r['payment_intent'] === p['payment_intent']).reverse();
      return { object: 'list', data, has_more: false, url: '/v1/refunds' };
    }
    if ((m = /^\/v1\/refunds\/([^/]+)$/.exec(path)) && method === 'GET') {
      const r = refunds.get(m[1]!);
      if (!r) throw missing('refund', m[1]!);
      return r;
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') return createSession(p);
    if ((m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path)) && method === 'GET') {
      const s = checkoutSessions.get(m[1]!);
      if (!s) throw missing('checkout.session', m[1]!);
      return publicSession(s);
    }
    if ((m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path)) && method === 'POST') return expireSession(m[1]!);
    if (method === 'GET' && path === '/v1/account') {
      return { id: 'acct_test_paybridge', object: 'account', country: 'US', default_currency: server.defaultCurrency, charges_enabled: true, settings: { dashboard: { display_name: 'Test account' } } };
    }
    if (method === 'GET' && path === '/v1/webhook_endpoints') return { object: 'list', data: [...webhookEndpoints.values()], has_more: false, url: path };
    if (method === 'POST' && path === '/v1/webhook_endpoints') {
      if (!p['url']) throw invalid('Missing required param: url.', 'url', 'parameter_missing');
      const endpoint = { id: rid('we'), object: 'webhook_endpoint', url: p['url'], enabled_events: p['enabled_events'] ?? [], status: 'enabled', livemode: false, secret: webhookSecret };
      webhookEndpoints.set(endpoint.id, endpoint);
      return endpoint;
    }
    throw new StripeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
  }

  async function pages(req: IncomingMessage, res: ServerResponse, path: string, body: string): Promise<boolean> {
    let m: RegExpExecArray | null;
    const html = (status: number, text: string) => { res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }); res.end(text); };
    if ((m = /^\/c\/pay\/([^/?]+)$/.exec(path))) {
      const s = checkoutSessions.get(m[1]!);
      if (!s) { html(404, '<h1>Not found</h1>'); return true; }
      if (req.method === 'POST') {
        const redirect = await paySession(s['id'], String(new URLSearchParams(body).get('payment_method') ?? 'pm_card_visa'));
        res.writeHead(303, { location: redirect });
        res.end();
        return true;
      }
      const amount = (s['amount_total'] / 100).toFixed(2);
      const items = (s['lines'] as Obj[]).map((l) => `<li>${l['description']} × ${l['quantity']}</li>`).join('');
      html(200, `<!doctype html><html lang="en"><head><title>Test checkout</title></head><body><main><h1>Test mode checkout</h1>
<ul>${items}</ul><p id="total">Total ${s['currency'].toUpperCase()} ${amount}</p>${s['status'] !== 'open' ? `<p>This session is ${s['status']}.</p>` : ''}
<form method="post"><label for="pm">Test card</label><select id="pm" name="payment_method">
<option value="pm_card_visa">Visa 4242 (succeeds)</option><option value="pm_card_chargeDeclined">4000 0000 0000 0002 (declined)</option></select>
<button type="submit">Pay ${amount}</button></form><a href="${s['cancel_url']}">Back</a></main></body></html>`);
      return true;
    }
    if ((m = /^\/3ds\/([^/?]+)$/.exec(path))) {
      const intent = paymentIntents.get(m[1]!);
      if (!intent) { html(404, '<h1>Not found</h1>'); return true; }
      if (req.method === 'POST') {
        const returnUrl = intent['next_action']?.['redirect_to_url']?.['return_url'] as string | undefined;
        await server.authenticate(intent['id'], new URLSearchParams(body).get('outcome') === 'complete');
        if (returnUrl) { res.writeHead(303, { location: `${returnUrl}${returnUrl.includes('?') ? '&' : '?'}payment_intent=${intent['id']}` }); res.end(); } else html(200, '<p>Done.</p>');
        return true;
      }
      html(200, `<!doctype html><html lang="en"><head><title>3D Secure test</title></head><body><form method="post">
<button name="outcome" value="complete">Complete authentication</button><button name="outcome" value="fail">Fail authentication</button></form></body></html>`);
      return true;
    }
    return false;
  }

  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, json: string, replayed = false) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': rid('req') };
      if (replayed) headers['idempotent-replayed'] = 'true';
      res.writeHead(status, headers);
      res.end(json);
    };
    try {
      if (await pages(req, res, url.pathname, body)) return;
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        send(401, JSON.stringify({ error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${String(req.headers.authorization ?? '').slice(7, 15)}****` } }));
        return;
      }
      const method = req.method ?? 'GET';
      const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(body);
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      requests.push({ method, path: url.pathname, params, idempotencyKey: key });
      const stall = stalls.findIndex((s) => s.path.test(url.pathname));
      const delay = stall >= 0 ? stalls.splice(stall, 1)[0]!.ms : 0;
      const fingerprint = `${method} ${url.pathname} ${body}`;
      const previous = method === 'POST' && key ? idempotent.get(key) : undefined;
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          send(400, JSON.stringify({ error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } }));
        } else send(previous.status, previous.body, true);
        return;
      }
      let status = 200;
      let json: string;
      try {
        json = JSON.stringify(await api(method, url.pathname, params));
      } catch (error) {
        if (!(error instanceof StripeError)) throw error;
        status = error.status;
        json = JSON.stringify({ error: { ...error.body, request_log_url: `${server.url}/logs` } });
      }
      // Stripe saves the result of a request with a key whatever it was, errors included (not 5xx).
      if (method === 'POST' && key) idempotent.set(key, { fingerprint, status, body: json });
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (!res.destroyed) send(status, json);
    } catch (error) {
      send(500, JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  Object.assign(server, { url: `http://127.0.0.1:${port}`, port });
  return server;
}
