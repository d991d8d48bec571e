/**
 * Who may call what. Every route of the OpenAPI document has an entry in ROUTES naming the roles allowed
 * to call it; each route is then called with every kind of credential: none, bad ones, a revoked key,
 * a customer's token, and integration and admin keys presented three ways (Bearer, Basic, access token).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { basic, clientToken, forgedAdminToken, newApiKey } from '../helpers/credentials.js';
import { DAY, newAccount, newInvoice, invoicePaymentCall } from '../helpers/invoices.js';
import { DIALECTS } from '../helpers/stores.js';

type Role = 'customer' | 'integration' | 'admin';

interface Fixtures {
  readonly shopId: string;
  readonly customerId: string;
  readonly orderId: number;
  /** An unpaid order of the matrix customer for the purchases routes (the cancel route cancels orderId). */
  readonly purchaseId: number;
  /** An order made through the payment orders API's API. */
  readonly paymentOrderId: string;
  readonly promoId: string;
  readonly taxRateId: string;
  readonly gatewayId: string;
  readonly externalGatewayId: string;
  readonly stripeGatewayId: string;
  readonly endpointId: string;
  readonly deliveryId: string;
  readonly eventId: string;
  /** An invoice of the matrix customer, with an open EXTERNAL and an open CHECKOUT payment. */
  readonly invoiceId: string;
  readonly externalPaymentId: string;
  readonly checkoutPaymentId: string;
  /** The cko-* query string the hosted page sends the buyer back with, for the CHECKOUT payment. */
  readonly checkoutReturn: Record<string, string>;
  /** An invoice only the void route touches (voiding it again answers it unchanged). */
  readonly voidInvoiceId: string;
  /** An internal account of the matrix customer. */
  readonly accountId: string;
  /** A due date for new invoices, two weeks after the fake clock's now (ISO 8601). */
  readonly dueAt: string;
  /** A value never returned before, for unique fields (SKU, e-mail, code, country). */
  unique(): number;
  /** A tax rate made for this call, so deleting it succeeds once. */
  freshTaxRate(): Promise<string>;
  /** A webhook endpoint made for this call, so deleting it succeeds once. */
  freshEndpointId(): Promise<string>;
  /** An API key made for this call, so revoking it is harmless. */
  freshKeyId(): Promise<string>;
}

/** How a compatible dialect words a refusal: its whole 401 and 403 bodies, in place of the native `{error}`. */
interface Envelope { readonly 401: unknown; readonly 403: unknown }
const DRF: Envelope = { 401: { detail: expect.any(String) }, 403: { detail: 'You do not have permission to perform this action.' } };
const CHECKOUT_ENVELOPE: Envelope = { 401: { status: 'ERROR', message: 'User not authenticated' }, 403: { status: 'ERROR', message: 'Access forbidden' } };

interface Entry {
  /** Roles that may call the route, or 'public' for routes that need no credential. */
  readonly roles: readonly Role[] | 'public';
  /** The value of the path's one parameter ({id}, {shopId}, …). */
  readonly id?: (f: Fixtures) => string | number | Promise<string | number>;
  /** The query string, for routes that need one. */
  readonly query?: (f: Fixtures) => Record<string, string>;
  readonly body?: (f: Fixtures) => object;
  /** What an allowed caller (on a public route: every caller) gets, when not the documented 2xx: see MONEY. */
  readonly allowed?: number;
  /** The native error code that comes with an `allowed` status that is an error. */
  readonly error?: string;
  /** The route answers refusals in its dialect's envelope, not the native one. */
  readonly dialect?: Envelope;
  /** A public route that reads the Authorization header itself: only callers without one are specified here. */
  readonly ownAuthorization?: true;
}

const PLATFORM: Role[] = ['admin', 'integration'];
const ANYONE: Role[] = ['admin', 'integration', 'customer'];
const ADMIN: Role[] = ['admin'];
const letters = (n: number) => String.fromCharCode(65 + Math.floor(n / 26) % 26, 65 + n % 26);

/**
 * Routes that move money act on an order in a given payment state; payments.test.ts specifies what they do.
 * Here they are called on an order or transaction that does not exist: an allowed caller gets past the
 * role check to the 404, anyone else is stopped before.
 */
const MONEY: Entry = { roles: PLATFORM, id: () => 999_999, allowed: 404, error: 'not_found' };

/**
 * Inbound webhooks take no credential but a signature: unsigned, they are refused whoever calls, an
 * admin key being no signature. external-gateway.test.ts and invoice-payments.test.ts specify signed ones.
 */
const UNSIGNED: Entry = { roles: 'public', allowed: 401, error: 'invalid_signature' };
const invoiceWebhook = (f: Fixtures) => ({
  payload: { paymentId: f.externalPaymentId, invoiceId: f.invoiceId, status: 'SUCCEEDED', amount: 100, currency: 'USD', paymentDate: 1_795_000_000 },
});
/** A merchant endpoint no test reaches: creating or changing an external gateway calls nothing. */
const MERCHANT = 'http://127.0.0.1:9/authorize';

const ROUTES: Record<string, Entry> = {
  'GET /health': { roles: 'public' },
  'POST /oauth/token': { roles: 'public', ownAuthorization: true, body: () => ({ grant_type: 'client_credentials', client_secret: INTEGRATION_KEY }) },
  'POST /api/v1/shops': { roles: ADMIN, body: (f) => ({ name: `Shop ${f.unique()}`, currency: 'EUR' }) },
  'GET /api/v1/shops': { roles: PLATFORM },
  'GET /api/v1/shops/{id}': { roles: PLATFORM, id: (f) => f.shopId },
  'PATCH /api/v1/shops/{id}': { roles: ADMIN, id: (f) => f.shopId, body: () => ({ clearing_days: 2 }) },
  'GET /api/v1/shops/{id}/secret': { roles: ADMIN, id: (f) => f.shopId },
  'POST /api/v1/products': {
    roles: ADMIN, body: (f) => ({ shop_id: f.shopId, title: 'Course', sku: `SKU-${f.unique()}`, prices: [{ currency: 'USD', amount: 100 }] }),
  },
  'GET /api/v1/products': { roles: ANYONE },
  'GET /api/v1/products/{id}': { roles: ANYONE, id: () => 1 },
  'PATCH /api/v1/products/{id}': { roles: ADMIN, id: () => 2, body: () => ({ description: 'Hooks, suspense and server components' }) },
  'POST /api/v1/customers': { roles: PLATFORM, body: (f) => ({ email: `matrix-${f.unique()}@example.com` }) },
  'GET /api/v1/customers': { roles: PLATFORM },
  'PUT /api/v1/customers/by-external-id/{external_id}': {
    // A new external id each call: created (201; 200 is an update).
    roles: PLATFORM, id: (f) => `matrix-user-${f.unique()}`, body: (f) => ({ email: `matrix-user-${f.unique()}@example.com` }), allowed: 201,
  },
  'POST /api/v1/customers/{id}/access-tokens': { roles: PLATFORM, id: (f) => f.customerId },
  'POST /api/v1/checkout-sessions': {
    roles: PLATFORM, body: (f) => ({ customer: { external_id: `matrix-buyer-${f.unique()}`, email: `matrix-buyer-${f.unique()}@example.com` }, lines: [{ product_id: 2 }] }),
  },
  'GET /api/v1/checkout-sessions': { roles: PLATFORM, query: (f) => ({ customer_id: f.customerId }) },
  // A session that does not exist: an allowed caller gets past the role check to the 404 (checkout-sessions.test.ts specifies real ones).
  'GET /api/v1/checkout-sessions/{id}': { roles: PLATFORM, id: () => 'cs_none', allowed: 404, error: 'not_found' },
  'POST /api/v1/checkout-sessions/{id}/expire': { roles: PLATFORM, id: () => 'cs_none', allowed: 404, error: 'not_found' },
  'GET /api/v1/customers/me': { roles: ['customer'] },
  'PATCH /api/v1/customers/me': { roles: ['customer'], body: () => ({ first_name: 'Ada' }) },
  'GET /api/v1/customers/{id}': { roles: ANYONE, id: (f) => f.customerId },
  'PATCH /api/v1/customers/{id}': { roles: ANYONE, id: (f) => f.customerId, body: () => ({ last_name: 'Lovelace' }) },
  'POST /api/v1/promo-codes': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, code: `M${f.unique()}`, kind: 'percent_off', percent_off: 5 }) },
  'GET /api/v1/promo-codes': { roles: PLATFORM },
  'GET /api/v1/promo-codes/{id}': { roles: PLATFORM, id: (f) => f.promoId },
  'PATCH /api/v1/promo-codes/{id}': { roles: ADMIN, id: (f) => f.promoId, body: () => ({ usage_limit: 100 }) },
  'POST /api/v1/tax-rates': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, name: 'VAT', country: letters(f.unique()), percentage: 20 }) },
  'GET /api/v1/tax-rates': { roles: PLATFORM },
  'GET /api/v1/tax-rates/{id}': { roles: PLATFORM, id: (f) => f.taxRateId },
  'PATCH /api/v1/tax-rates/{id}': { roles: ADMIN, id: (f) => f.taxRateId, body: () => ({ name: 'Standard VAT' }) },
  'DELETE /api/v1/tax-rates/{id}': { roles: ADMIN, id: (f) => f.freshTaxRate() },
  'POST /api/v1/api-keys': { roles: ADMIN, body: () => ({ name: 'matrix', role: 'integration' }) },
  'GET /api/v1/api-keys': { roles: ADMIN },
  'POST /api/v1/api-keys/{id}/revoke': { roles: ADMIN, id: (f) => f.freshKeyId() },
  'POST /api/v1/orders': { roles: ANYONE, body: (f) => ({ shop_id: f.shopId, lines: [{ product_id: 1 }] }) },
  'GET /api/v1/orders': { roles: ANYONE },
  'GET /api/v1/orders/{id}': { roles: ANYONE, id: (f) => f.orderId },
  'POST /api/v1/orders/{id}/cancel': { roles: ANYONE, id: (f) => f.orderId, body: () => ({ reason: 'matrix' }) },
  'POST /api/v1/webhook-endpoints': { roles: PLATFORM, body: () => ({ url: 'https://hooks.example.com/paybridge' }) },
  'GET /api/v1/webhook-endpoints': { roles: PLATFORM },
  'GET /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.endpointId },
  'PATCH /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.endpointId, body: () => ({ description: 'matrix' }) },
  'DELETE /api/v1/webhook-endpoints/{id}': { roles: PLATFORM, id: (f) => f.freshEndpointId() },
  'GET /api/v1/webhook-endpoints/{id}/secret': { roles: PLATFORM, id: (f) => f.endpointId },
  'POST /api/v1/webhook-endpoints/{id}/rotate-secret': { roles: PLATFORM, id: (f) => f.endpointId },
  'POST /api/v1/webhook-endpoints/{id}/test': { roles: PLATFORM, id: (f) => f.endpointId },
  'GET /api/v1/webhook-deliveries': { roles: PLATFORM },
  'GET /api/v1/webhook-deliveries/{id}': { roles: PLATFORM, id: (f) => f.deliveryId },
  'POST /api/v1/webhook-deliveries/{id}/replay': { roles: PLATFORM, id: (f) => f.deliveryId },
  'GET /api/v1/events': { roles: PLATFORM },
  'GET /api/v1/events/{id}': { roles: PLATFORM, id: (f) => f.eventId },
  'POST /api/v1/gateways': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, kind: 'manual', name: `Bank ${f.unique()}` }) },
  'GET /api/v1/gateways': { roles: PLATFORM },
  'GET /api/v1/gateways/{id}': { roles: PLATFORM, id: (f) => f.gatewayId },
  'GET /api/v1/enrollments': { roles: ANYONE },
  'GET /api/v1/orders/{id}/seat-codes': { roles: ANYONE, id: (f) => f.orderId },
  'POST /api/v1/orders/{id}/payments': { ...MONEY, body: () => ({ gateway_id: 'gw_none' }) },
  'POST /api/v1/orders/{id}/capture': { ...MONEY, body: () => ({ amount: 100 }) },
  'POST /api/v1/orders/{id}/void': MONEY,
  'POST /api/v1/orders/{id}/refunds': { ...MONEY, body: () => ({ amount: 100 }) },
  'POST /api/v1/transactions/{id}/confirm': { ...MONEY, id: () => 'txn_none', body: () => ({ outcome: 'succeeded' }) },
  'POST /api/v1/checkout': { roles: ANYONE, body: (f) => ({ courses: [2], customer: { id: f.customerId } }), dialect: CHECKOUT_ENVELOPE },
  'GET /v1/purchases/{purchase_id}': { roles: PLATFORM, id: (f) => f.purchaseId, dialect: DRF },
  'PUT /v1/purchases/{purchase_id}': { roles: PLATFORM, id: (f) => f.purchaseId, body: () => ({}), dialect: DRF },
  'PATCH /v1/purchases/{purchase_id}': { roles: PLATFORM, id: (f) => f.purchaseId, body: () => ({}), dialect: DRF },
  'POST /v1/purchases/{purchase_id}/fulfill': { roles: PLATFORM, id: (f) => f.purchaseId, body: () => ({ state: 'FAILED', error_msg: 'matrix' }), dialect: DRF },
  'POST /api/v1/external-gateways': { roles: ADMIN, body: (f) => ({ shop_id: f.shopId, name: `Merchant ${f.unique()}`, authorize_url: MERCHANT }) },
  'GET /api/v1/external-gateways': { roles: PLATFORM },
  'GET /api/v1/external-gateways/{id}': { roles: PLATFORM, id: (f) => f.externalGatewayId },
  'PATCH /api/v1/external-gateways/{id}': { roles: ADMIN, id: (f) => f.externalGatewayId, body: () => ({ timeout_ms: 5_000 }) },
  'POST /api/v1/external-gateways/{id}/reset-circuit': { roles: ADMIN, id: (f) => f.externalGatewayId },
  'GET /api/v1/external-gateways/{id}/secret': { roles: ADMIN, id: (f) => f.externalGatewayId },
  'GET /api/v1/external-gateways/{id}/webhooks': { roles: ADMIN, id: (f) => f.externalGatewayId },
  'GET /api/v1/gateways/{id}/events': { roles: ADMIN, id: (f) => f.stripeGatewayId },
  'POST /webhooks/stripe/{gatewayId}': { ...UNSIGNED, id: (f) => f.stripeGatewayId, body: () => ({ id: 'evt_matrix', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } }) },
  'POST /webhooks/external/{gatewayId}': { ...UNSIGNED, id: (f) => f.externalGatewayId, body: () => ({ success: true, data: { action_id: 'act_matrix' } }) },
  'POST /api/v1/customers/{id}/payment-sources': {
    roles: ANYONE, id: (f) => f.customerId, body: (f) => ({ gateway_id: f.gatewayId, source: { type: 'card_token', token: 'tok_matrix' } }),
  },
  'GET /api/v1/customers/{id}/payment-sources': { roles: ANYONE, id: (f) => f.customerId },
  'POST /api/v1/shops/{shopId}/payment-methods': { roles: ADMIN, id: (f) => f.shopId, body: (f) => ({ gateway_id: f.gatewayId, instrument: 'card' }) },
  'GET /api/v1/shops/{shopId}/payment-methods': { roles: PLATFORM, id: (f) => f.shopId },
  'POST /api/v1/invoices': { roles: PLATFORM, body: (f) => ({ shop_id: f.shopId, customer_id: f.customerId, amount: 1_000, due_at: f.dueAt }) },
  'GET /api/v1/invoices': { roles: ANYONE },
  'GET /api/v1/invoices/{id}': { roles: ANYONE, id: (f) => f.invoiceId },
  'POST /api/v1/invoices/{id}/void': { roles: PLATFORM, id: (f) => f.voidInvoiceId },
  'POST /api/v1/accounts': { roles: PLATFORM, body: (f) => ({ shop_id: f.shopId, currency: 'USD', organisation: `Org ${f.unique()}` }) },
  'GET /api/v1/accounts': { roles: ANYONE },
  'GET /api/v1/accounts/{id}': { roles: ANYONE, id: (f) => f.accountId },
  'GET /api/v1/accounts/{id}/statement': { roles: ANYONE, id: (f) => f.accountId },
  'POST /api/v1/accounts/{id}/top-ups': { roles: ADMIN, id: (f) => f.accountId, body: (f) => ({ amount: 500, reference: `matrix-${f.unique()}` }) },
  'POST /api/v1/invoice-payments': { roles: ANYONE, body: (f) => ({ paymentId: f.externalPaymentId, invoiceId: f.invoiceId, type: 'EXTERNAL' }) },
  'POST /api/v1/invoice-payments/update': {
    roles: ANYONE, body: (f) => ({ paymentId: f.externalPaymentId, invoiceId: f.invoiceId, type: 'EXTERNAL', someData: 'matrix' }),
  },
  'POST /api/v1/invoice-payments/confirm': { roles: ANYONE, body: (f) => ({ paymentId: f.checkoutPaymentId, invoiceId: f.invoiceId, type: 'CHECKOUT' }) },
  'POST /api/v1/invoice-payments/webhooks/platform': { ...UNSIGNED, body: invoiceWebhook },
  'POST /api/v1/invoice-payments/webhooks/external': { ...UNSIGNED, body: invoiceWebhook },
  'GET /api/v1/invoice-payments/checkout/success': { roles: 'public', query: (f) => f.checkoutReturn },
  'GET /api/v1/invoice-payments/checkout/failure': { roles: 'public', query: (f) => f.checkoutReturn },
  'POST /api/v1/payment-orders': {
    roles: PLATFORM, body: (f) => ({
      shopId: f.shopId, order: { orderNumber: `M-${f.unique()}`, cost: { amount: '5.00', currency: 'USD' } },
      paymentSettings: { redirectUrls: { success: 'https://shop.example/ok', failure: 'https://shop.example/ko' } },
    }),
  },
  'GET /api/v1/payment-orders/{orderId}': { roles: PLATFORM, id: (f) => f.paymentOrderId },
  'POST /api/v1/payment-orders/{orderId}/capture': { ...MONEY, body: () => ({ amount: '1.00' }) },
  'POST /api/v1/payment-orders/{orderId}/void': MONEY,
  'POST /api/v1/payment-orders/{orderId}/refunds': { ...MONEY, body: () => ({ amount: '1.00' }) },
};

/** The kinds of caller, each with the Authorization header it sends (undefined: none). */
type Group = 'anonymous' | 'bad' | 'revoked' | Role;
interface Credential { readonly name: string; readonly group: Group; readonly header: string | undefined }

/** The JSON of a fixture made through the API, or the reason it could not be made. */
async function made(response: Promise<LightMyRequestResponse>, status = 201) {
  const res = await response;
  if (res.statusCode !== status) throw new Error(`fixture not made (${res.statusCode}): ${res.body}`);
  return res.json();
}

describe.each(DIALECTS)('who may call which route (%s)', (dialect) => {
  let t: TestApp;
  let fixtures: Fixtures;
  let credentials: Credential[];
  let openapi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

  beforeAll(async () => {
    t = await testApp(dialect);
    const admin = (method: 'POST' | 'GET', url: string, payload?: object) => t.request({ method, url, auth: ADMIN_KEY, ...(payload ? { payload } : {}) });
    const customer = await t.customerToken('matrix-owner@example.com');
    const order = () => made(t.request({ method: 'POST', url: '/api/v1/orders', auth: customer.token, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }] } }));
    const promo = await admin('POST', '/api/v1/promo-codes', { shop_id: t.shopId, code: 'MATRIX', kind: 'amount_off', amount: 100, currency: 'USD' });
    const tax = await admin('POST', '/api/v1/tax-rates', { shop_id: t.shopId, name: 'Default', percentage: 10 });
    const gateways = await admin('GET', `/api/v1/gateways?shop_id=${t.shopId}`);
    const endpoint = async () => (await admin('POST', '/api/v1/webhook-endpoints', { url: 'https://hooks.example.com/matrix' })).json().id as string;
    const endpointId = await endpoint();
    const ping = await admin('POST', `/api/v1/webhook-endpoints/${endpointId}/test`);
    const events = await admin('GET', '/api/v1/events?limit=1');
    const external = await made(admin('POST', '/api/v1/external-gateways', { shop_id: t.shopId, name: 'Matrix merchant', authorize_url: MERCHANT }));
    const stripe = await made(admin('POST', '/api/v1/gateways', { shop_id: t.shopId, kind: 'stripe', secret_key: 'sk_test_matrix0123456789', webhook_secret: 'whsec_matrix0123456789', api_base: 'http://127.0.0.1:9' }));
    const paymentOrder = await made(admin('POST', '/api/v1/payment-orders', {
      shopId: t.shopId, order: { orderNumber: 'M-0', cost: { amount: '5.00', currency: 'USD' } },
      paymentSettings: { redirectUrls: { success: 'https://shop.example/ok', failure: 'https://shop.example/ko' } },
    }), 200);
    const invoice = await newInvoice(t, customer.id);
    const payment = (type: 'EXTERNAL' | 'CHECKOUT') => made(invoicePaymentCall(t, '', { invoiceId: invoice.id, type }));
    const [externalPayment, checkoutPayment] = [await payment('EXTERNAL'), await payment('CHECKOUT')];
    const session = await t.deps.store.checkoutSessions.get(new URL(checkoutPayment.checkoutUrl as string).pathname.split('/').pop()!);
    let n = 0;
    const unique = () => ++n;
    fixtures = {
      shopId: t.shopId, customerId: customer.id, orderId: (await order()).id, purchaseId: (await order()).id, paymentOrderId: paymentOrder.orderId,
      promoId: promo.json().id, taxRateId: tax.json().id, gatewayId: gateways.json().data[0].id, externalGatewayId: external.id, stripeGatewayId: stripe.id,
      endpointId, deliveryId: ping.json().delivery_id, eventId: events.json().data[0].id,
      invoiceId: invoice.id, externalPaymentId: externalPayment.paymentId, checkoutPaymentId: checkoutPayment.paymentId,
      checkoutReturn: Object.fromEntries(new URL(session!.successUrl!).searchParams), voidInvoiceId: (await newInvoice(t, customer.id)).id,
      accountId: await newAccount(t, customer.id, 1_000), dueAt: new Date(t.clock.now() + 14 * DAY).toISOString(),
      unique, freshEndpointId: endpoint,
      async freshTaxRate() {
        return (await admin('POST', '/api/v1/tax-rates', { shop_id: t.shopId, name: 'Temp', country: letters(unique()), percentage: 1 })).json().id;
      },
      async freshKeyId() { return (await newApiKey(t, 'integration')).id; },
    };

    const revoked = await newApiKey(t, 'integration', 'to be revoked');
    const revokedToken = await clientToken(t, revoked.key);
    expect((await admin('POST', `/api/v1/api-keys/${revoked.id}/revoke`)).statusCode).toBe(200);
    const three = (role: 'admin' | 'integration', key: string, token: string): Credential[] => [
      { name: `${role} key as Bearer`, group: role, header: `Bearer ${key}` },
      { name: `${role} key as Basic`, group: role, header: basic(key) },
      { name: `${role} access token`, group: role, header: `Bearer ${token}` },
    ];
    credentials = [
      { name: 'no credential', group: 'anonymous', header: undefined },
      { name: 'unknown key as Bearer', group: 'bad', header: 'Bearer pb_live_this_key_does_not_exist' },
      { name: 'unknown key as Basic', group: 'bad', header: basic('pb_live_this_key_does_not_exist') },
      { name: 'token signed with another secret', group: 'bad', header: `Bearer ${await forgedAdminToken(t, 'key_x')}` },
      { name: 'unknown scheme', group: 'bad', header: `Token ${ADMIN_KEY}` },
      { name: 'revoked key as Bearer', group: 'revoked', header: `Bearer ${revoked.key}` },
      { name: 'revoked key as Basic', group: 'revoked', header: basic(revoked.key) },
      { name: 'token of a revoked key', group: 'revoked', header: `Bearer ${revokedToken}` },
      { name: 'customer access token', group: 'customer', header: `Bearer ${customer.token}` },
      ...three('integration', INTEGRATION_KEY, await clientToken(t, INTEGRATION_KEY)),
      ...three('admin', ADMIN_KEY, await clientToken(t, ADMIN_KEY)),
    ];
    openapi = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => { await t?.close(); });

  it('has an entry for every route the OpenAPI document lists, and none for routes it does not', () => {
    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it.each(Object.keys(ROUTES))('%s answers each caller as its roles say', async (route) => {
    const entry = ROUTES[route]!;
    const [method, path] = route.split(' ') as [string, string];
    const documented = openapi.paths[path]?.[method.toLowerCase()];
    expect(documented, `${route} is not in /openapi.json`).toBeDefined();
    const success = Number(Object.keys(documented!.responses).find((s) => s.startsWith('2')));

    const expected: Record<string, number> = {};
    const actual: Record<string, number> = {};
    // A public route answers every caller alike, whatever credential it sends; the token endpoint alone
    // reads an Authorization header (as OAuth client authentication, which oauth.test.ts specifies).
    for (const c of entry.ownAuthorization ? credentials.filter((x) => x.group === 'anonymous') : credentials) {
      expected[c.name] = entry.roles === 'public' ? entry.allowed ?? success
        : c.group === 'anonymous' || c.group === 'bad' || c.group === 'revoked' ? 401
          : entry.roles.includes(c.group) ? entry.allowed ?? success : 403;
      const url = entry.id ? path.replace(/\{\w+\}/, String(await entry.id(fixtures))) : path;
      const res = await t.request({
        method: method as 'GET', url, headers: c.header ? { authorization: c.header } : {},
        ...(entry.query ? { query: entry.query(fixtures) } : {}),
        ...(entry.body ? { payload: entry.body(fixtures) } : {}),
      });
      actual[c.name] = res.statusCode;
      if (res.statusCode >= 500) expect.fail(`${route} answered ${c.name} with ${res.statusCode}: ${res.body}`);
      if (entry.roles !== 'public' && (res.statusCode === 401 || res.statusCode === 403)) {
        if (res.statusCode === 401) expect(res.headers['www-authenticate'], c.name).toMatch(/Bearer/);
        if (entry.dialect) expect(res.json(), c.name).toEqual(entry.dialect[res.statusCode]);
        else expect(res.json().error.code, c.name).toBe(res.statusCode === 401 ? 'unauthenticated' : 'forbidden');
      } else if (entry.error && res.statusCode === entry.allowed) {
        expect(res.json().error.code, c.name).toBe(entry.error);
      }
    }
    expect(actual).toEqual(expected);
  });

  it.each(['success', 'failure'])('the checkout %s page answers a session that does not exist with a 404 page, whoever asks', async (landing) => {
    // The payment id is a real one: the page finds a payment through its session only, never by the id it is given.
    const query = { 'cko-payment-session-id': 'cs_none', 'cko-session-id': 'cs_none', 'cko-payment-id': fixtures.checkoutPaymentId };
    for (const c of credentials) {
      const res = await t.request({ method: 'GET', url: `/api/v1/invoice-payments/checkout/${landing}`, query, headers: c.header ? { authorization: c.header } : {} });
      expect([res.statusCode, res.headers['content-type']], c.name).toEqual([404, expect.stringMatching(/^text\/html/)]);
      expect(res.body, c.name).toContain('Payment not found');
    }
  });

  describe('a customer only ever sees itself', () => {
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let aliceOrder: number;
    let alicesMoney: Held;
    let bobInvoice: string;

    beforeAll(async () => {
      alice = await t.customerToken('alice@example.com');
      bob = await t.customerToken('bob@example.com');
      const order = await t.request({ method: 'POST', url: '/api/v1/orders', auth: alice.token, payload: { shop_id: t.shopId, lines: [{ product_id: 3 }] } });
      aliceOrder = order.json().id;
      alicesMoney = { invoice: (await newInvoice(t, alice.id)).id, account: await newAccount(t, alice.id, 1_000), customer: alice.id };
      bobInvoice = (await newInvoice(t, bob.id)).id;
    });

    type Target = { order: number; customer: string };
    it.each([
      ['GET', 'order', (x: Target) => `/api/v1/orders/${x.order}`, undefined],
      ['GET', 'order\'s seat codes', (x: Target) => `/api/v1/orders/${x.order}/seat-codes`, undefined],
      ['POST', 'order cancellation', (x: Target) => `/api/v1/orders/${x.order}/cancel`, {}],
      ['GET', 'customer record', (x: Target) => `/api/v1/customers/${x.customer}`, undefined],
      ['PATCH', 'customer record', (x: Target) => `/api/v1/customers/${x.customer}`, { first_name: 'Mallory' }],
    ] as const)('%s of another customer\'s %s is "not found", as if it did not exist', async (method, _what, url, payload) => {
      const as = (target: Target) => t.request({ method, url: url(target), auth: bob.token, ...(payload ? { payload } : {}) });
      const res = await as({ order: aliceOrder, customer: alice.id });
      expect(res.statusCode).toBe(404);
      const missing = await as({ order: 999_999, customer: 'cus_missing' });
      expect(missing.statusCode).toBe(404);
      expect(res.json().error.code).toBe(missing.json().error.code);
      const untouched = await t.request({ method: 'GET', url: `/api/v1/orders/${aliceOrder}`, auth: alice.token });
      expect(untouched.json()).toMatchObject({ status: 'pending' });
      expect((await t.request({ method: 'GET', url: '/api/v1/customers/me', auth: alice.token })).json().first_name).toBeNull();
    });

    type Held = { invoice: string; account: string; customer: string };
    it.each([
      ['GET', 'invoice', (x: Held) => ({ url: `/api/v1/invoices/${x.invoice}` })],
      ['GET', 'account', (x: Held) => ({ url: `/api/v1/accounts/${x.account}` })],
      ['GET', 'account statement', (x: Held) => ({ url: `/api/v1/accounts/${x.account}/statement` })],
      ['GET', 'saved payment sources', (x: Held) => ({ url: `/api/v1/customers/${x.customer}/payment-sources` })],
      ['POST', 'saved payment sources', (x: Held) => ({
        url: `/api/v1/customers/${x.customer}/payment-sources`, payload: { gateway_id: fixtures.gatewayId, source: { type: 'card_token', token: 'tok_mallory' } },
      })],
      ['POST', 'invoice, as a invoice payments payment', (x: Held) => ({ url: '/api/v1/invoice-payments', payload: { invoiceId: x.invoice, type: 'EXTERNAL' } })],
      ['POST', 'account, to pay its own invoice', (x: Held) => ({
        url: '/api/v1/invoice-payments', payload: { invoiceId: bobInvoice, type: 'PLATFORM', accountId: x.account },
      })],
    ] as const)('%s of another customer\'s %s is "not found" as well', async (method, _what, request) => {
      const as = (target: Held) => t.request({ method, auth: bob.token, ...request(target) });
      const res = await as(alicesMoney);
      expect(res.statusCode).toBe(404);
      const missing = await as({ invoice: 'inv_missing', account: 'acct_missing', customer: 'cus_missing' });
      expect(missing.statusCode).toBe(404);
      expect(res.json().error.code).toBe(missing.json().error.code);
      const mine = async (url: string) => (await t.request({ method: 'GET', url, auth: alice.token })).json();
      expect((await mine(`/api/v1/invoices/${alicesMoney.invoice}`)).payments).toEqual([]);
      expect((await mine(`/api/v1/customers/${alice.id}/payment-sources`)).data).toEqual([]);
      expect((await mine(`/api/v1/invoices/${bobInvoice}`)).error.code).toBe('not_found');
      expect((await t.request({ method: 'GET', url: `/api/v1/invoices/${bobInvoice}`, auth: bob.token })).json().payments).toEqual([]);
    });

    it('lists only its own invoices and accounts, whatever customer_id it asks for', async () => {
      for (const what of ['invoices', 'accounts']) {
        const res = await t.request({ method: 'GET', url: `/api/v1/${what}?customer_id=${alice.id}`, auth: bob.token });
        expect(res.statusCode).toBe(200);
        expect(res.json().data.map((x: { customer_id: string }) => x.customer_id)).toEqual(what === 'invoices' ? [bob.id] : []);
      }
    });

    it('lists only its own orders, whatever customer_id it asks for', async () => {
      const mine = await t.request({ method: 'POST', url: '/api/v1/orders', auth: bob.token, payload: { shop_id: t.shopId, lines: [{ product_id: 2 }] } });
      const res = await t.request({ method: 'GET', url: `/api/v1/orders?customer_id=${alice.id}`, auth: bob.token });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((o: { id: number }) => o.id)).toEqual([mine.json().id]);
    });

    it('may not order on another customer\'s behalf', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/orders', auth: bob.token, payload: { shop_id: t.shopId, customer_id: alice.id, lines: [{ product_id: 1 }] } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: [{ field: '/customer_id' }] });
    });
  });
});
