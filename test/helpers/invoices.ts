/** Helpers for the invoice, account and invoice payments payment suites: fixtures through the HTTP app, signed webhooks. */
import { Webhook } from 'standardwebhooks';
import { ADMIN_KEY, INTEGRATION_KEY, type TestApp } from './app.js';

export const DAY = 86_400_000;

/** Creates an invoice through the native API (USD, minor units) and returns its JSON. */
export async function newInvoice(t: TestApp, customerId: string, body: Record<string, unknown> = {}) {
  const res = await t.request({
    method: 'POST', url: '/api/v1/invoices', auth: INTEGRATION_KEY,
    payload: { shop_id: t.shopId, customer_id: customerId, amount: 10_000, due_at: new Date(t.clock.now() + 14 * DAY).toISOString(), ...body },
  });
  if (res.statusCode !== 201) throw new Error(`invoice not created: ${res.body}`);
  return res.json() as { id: string; total: number; status: string; amount_due: number };
}

/** Opens an internal account for the customer and tops it up by `balance` minor units (when > 0). */
export async function newAccount(t: TestApp, customerId: string, balance: number, currency = 'USD') {
  const res = await t.request({ method: 'POST', url: '/api/v1/accounts', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, customer_id: customerId, currency } });
  if (res.statusCode !== 201) throw new Error(`account not created: ${res.body}`);
  const id = res.json().id as string;
  if (balance > 0) await topUp(t, id, balance, `initial-${id}`);
  return id;
}

export async function topUp(t: TestApp, accountId: string, amount: number, reference: string) {
  return t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/top-ups`, auth: ADMIN_KEY, payload: { amount, reference } });
}

/** Calls a invoice payments endpoint under /api/v1/invoice-payments. */
export function invoicePaymentCall(t: TestApp, path: '' | '/update' | '/confirm', payload: object, auth: string = INTEGRATION_KEY) {
  return t.request({ method: 'POST', url: `/api/v1/invoice-payments${path}`, auth, payload });
}

export async function shopSecret(t: TestApp): Promise<string> {
  return (await t.request({ method: 'GET', url: `/api/v1/shops/${t.shopId}/secret`, auth: ADMIN_KEY })).json().webhook_secret as string;
}

/**
 * Sends a invoice payments webhook signed with the `standardwebhooks` library at the fake clock's time.
 * `sign: false` sends it unsigned; `signedAt` signs it at another time (stale).
 */
export async function sendWebhook(
  t: TestApp, source: 'platform' | 'external', payload: Record<string, unknown>,
  options: { id: string; secret: string; sign?: boolean; signedAt?: number; body?: string },
) {
  const body = options.body ?? JSON.stringify({ payload });
  const at = new Date(options.signedAt ?? t.clock.now());
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.sign !== false) {
    headers['webhook-id'] = options.id;
    headers['webhook-timestamp'] = String(Math.floor(at.getTime() / 1000));
    headers['webhook-signature'] = new Webhook(options.secret).sign(options.id, at, body);
  }
  return t.request({ method: 'POST', url: `/api/v1/invoice-payments/webhooks/${source}`, headers, payload: body });
}
