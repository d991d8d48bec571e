/**
 * Seed 004 in a real browser against a real `paybridge serve` process: the merchant creates an order with
 * the integration key, the buyer opens its `paymentLink`, types a test card and clicks Pay, and lands on
 * the merchant's success URL; the order then reads `paid` with its payment item, the merchant's webhook
 * URL receives the signed `paid` callback and the buyer the confirmation e-mail (both from the server's
 * in-process worker).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/app/seed-demo.js';
import { browserSkipReason, freePort, launchBrowser } from '../helpers/browser.js';
import { startCli, waitFor, type Proc } from '../helpers/processes.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSmtp, type SmtpSink } from '../helpers/smtp.js';
import { verifyWithLibrary } from '../helpers/verify-webhook.js';

const ADMIN_KEY = 'pb_admin_seed004_browser_key_0123456789';
const skipReason = browserSkipReason();
if (skipReason) process.stderr.write(`${skipReason}\n`);

describe.skipIf(skipReason !== null)('a seed-004 payment link paid in a real browser', () => {
  let dir: string;
  let base: string;
  let server: Proc | undefined;
  let merchant: Receiver | undefined;
  let smtp: SmtpSink | undefined;
  let browser: Browser | undefined;

  const call = async (method: string, path: string, auth: string, body?: object) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-seed004-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    merchant = await startReceiver();
    smtp = await startSmtp();
    server = startCli(['serve'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'paybridge.db')}`, PAYBRIDGE_DEMO: '1', PAYBRIDGE_ADMIN_KEY: ADMIN_KEY,
      SMTP_URL: smtp.url, LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 30_000, `the server on ${base}\n${server.output()}`);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await merchant?.close();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the buyer pays 56.00 USD on the payment link; the order is paid, the merchant gets the signed callback, the buyer the e-mail', async () => {
    const shopId = ((await call('GET', '/api/v1/shops', ADMIN_KEY)).json['data'] as { id: string }[])[0]!.id;
    const secret = (await call('GET', `/api/v1/shops/${shopId}/secret`, ADMIN_KEY)).json['webhook_secret'] as string;
    const origin = new URL(merchant!.url).origin;
    const created = await call('POST', '/api/v1/payment-orders', DEMO.integrationKey, {
      shopId, order: { orderNumber: 'WEB-1001', cost: { amount: '56.00', currency: 'USD' } },
      customer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' },
      paymentSettings: { redirectUrls: { success: `${origin}/paid`, failure: `${origin}/failed` }, webhookUrl: merchant!.url },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json).toMatchObject({ status: 'in_progress', order: { orderNumber: 'WEB-1001', cost: { amount: '56.00', currency: 'USD' } } });
    const { orderId, paymentLink } = created.json as { orderId: string; paymentLink: string };
    expect(paymentLink.startsWith(`${base}/pay/cs_`)).toBe(true);

    const page = await (await browser!.newContext()).newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(paymentLink);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 56.00');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('Security code (CVC)').fill('123');
    await page.getByLabel('Name on card').fill('Grace Hopper');
    const paid = `${origin}/paid`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(paid), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 56\.00$/ }).click()]);
    expect(new URL(page.url()).searchParams.get('order_id')).toBe(orderId);
    expect(cspErrors).toEqual([]);
    await page.context().close();

    const order = await call('GET', `/api/v1/payment-orders/${orderId}`, DEMO.integrationKey);
    expect(order.json).toMatchObject({ status: 'paid', payments: [{ status: 'captured', amount: '56.00', currency: 'USD', paymentType: 'card' }] });

    const hooks = () => merchant!.received.filter((r) => r.path === '/hooks');
    await waitFor(() => hooks().length > 0, 15_000, 'the paid callback');
    const callback = verifyWithLibrary(secret, hooks()[0]!, Date.now()) as { eventType: string; order: { orderId: string; status: string } };
    expect(callback.order).toMatchObject({ orderId, status: 'paid' });
    await waitFor(() => smtp!.messages.some((m) => m.raw.includes(`Subject: Your order #${orderId} at`)), 15_000, 'the confirmation e-mail');
    expect(smtp!.messages.filter((m) => m.raw.includes(`#${orderId} at`)).map((m) => m.to)).toEqual([['grace@example.com']]);
  }, 60_000);
});
