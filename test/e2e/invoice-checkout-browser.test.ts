/**
 * Seed 003's CHECKOUT invoice payment in a real browser against a real `paybridge serve` process: the
 * customer creates a CHECKOUT payment, opens the hosted checkout page, pays with 4242 4242 4242 4242 and
 * lands on the success redirect, which shows "Payment received" read from the database; the invoice is
 * paid and the receipt is e-mailed. A buyer who gives up lands on the failure redirect and can try again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/app/seed-demo.js';
import { browserSkipReason, freePort, launchBrowser } from '../helpers/browser.js';
import { startCli, waitFor, type Proc } from '../helpers/processes.js';
import { startSmtp, type SmtpSink } from '../helpers/smtp.js';

const ADMIN_KEY = 'pb_admin_invoice_browser_key_0123456789';
const skipReason = browserSkipReason();
if (skipReason) process.stderr.write(`${skipReason}\n`);

describe.skipIf(skipReason !== null)('a CHECKOUT invoice payment in a real browser', () => {
  let dir: string;
  let base: string;
  let shopId: string;
  let server: Proc | undefined;
  let smtp: SmtpSink | undefined;
  let browser: Browser | undefined;

  const call = async (method: string, path: string, auth: string | null, body?: object) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  /** A customer who can sign in, an invoice for it, and its CHECKOUT payment (created with the customer's own token). */
  async function checkoutFor(email: string, amount: number) {
    const customer = await call('POST', '/api/v1/customers', ADMIN_KEY, { email, password: 'browser-invoice-password', first_name: 'Grace' });
    expect(customer.status).toBe(201);
    const token = (await call('POST', '/oauth/token', null, { grant_type: 'password', username: email, password: 'browser-invoice-password' })).json['access_token'] as string;
    const invoice = await call('POST', '/api/v1/invoices', DEMO.integrationKey, {
      shop_id: shopId, customer_id: customer.json['id'], amount, number: `INV-${email.split('@')[0]}`, due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    expect(invoice.status, JSON.stringify(invoice.json)).toBe(201);
    const payment = await call('POST', '/api/v1/invoice-payments', token, { invoiceId: invoice.json['id'], type: 'CHECKOUT' });
    expect(payment.status, JSON.stringify(payment.json)).toBe(201);
    return { invoiceId: invoice.json['id'] as string, payment: payment.json, token };
  }

  async function open(url: string): Promise<{ page: Page; cspErrors: string[] }> {
    const page = await (await browser!.newContext()).newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(url);
    return { page, cspErrors };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-invoice-browser-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    smtp = await startSmtp();
    server = startCli(['serve'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'paybridge.db')}`, PAYBRIDGE_DEMO: '1', PAYBRIDGE_ADMIN_KEY: ADMIN_KEY,
      SMTP_URL: smtp.url, LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 30_000, `the server on ${base}\n${server.output()}`);
    shopId = ((await call('GET', '/api/v1/shops', ADMIN_KEY)).json['data'] as { id: string }[])[0]!.id;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pays with 4242 4242 4242 4242 on the hosted page and lands on the success redirect showing "Payment received"', async () => {
    const { invoiceId, payment, token } = await checkoutFor('grace@example.com', 12_345);
    expect(payment).toMatchObject({ type: 'CHECKOUT', status: 'OPEN', amount: 123.45, checkoutUrl: expect.stringMatching(new RegExp(`^${base}/pay/cs_`)) });
    const sessionId = (payment['checkoutUrl'] as string).split('/').pop()!;
    const { page, cspErrors } = await open(payment['checkoutUrl'] as string);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 123.45');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('Security code (CVC)').fill('123');
    await page.getByLabel('Name on card').fill('Grace Hopper');
    const success = `${base}/api/v1/invoice-payments/checkout/success`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(success), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 123\.45$/ }).click()]);
    const landed = new URL(page.url());
    expect(Object.fromEntries(['cko-payment-session-id', 'cko-session-id', 'cko-payment-id'].map((k) => [k, landed.searchParams.get(k)])))
      .toEqual({ 'cko-payment-session-id': sessionId, 'cko-session-id': sessionId, 'cko-payment-id': payment['paymentId'] });
    await expect(page.getByRole('status').textContent()).resolves.toBe('Payment received');
    expect(cspErrors).toEqual([]);

    const invoice = await call('GET', `/api/v1/invoices/${invoiceId}`, token);
    expect(invoice.json).toMatchObject({ status: 'paid', amount_paid: 12_345, amount_due: 0, payments: [{ type: 'CHECKOUT', status: 'succeeded' }] });
    const receipt = (raw: string) => raw.includes('Subject: Receipt for invoice INV-grace');
    await waitFor(() => smtp!.messages.some((m) => receipt(m.raw)), 15_000, 'the invoice receipt e-mail');
    expect(smtp!.messages.filter((m) => receipt(m.raw)).map((m) => m.to)).toEqual([['grace@example.com']]);
    await page.context().close();
  }, 60_000);

  it('a buyer who gives up lands on the failure redirect, which says nothing was received and offers to try again', async () => {
    const { invoiceId, payment, token } = await checkoutFor('ada-gives-up@example.com', 5000);
    const { page, cspErrors } = await open(payment['checkoutUrl'] as string);
    const failure = `${base}/api/v1/invoice-payments/checkout/failure`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(failure), { timeout: 15_000 }), page.getByRole('link', { name: /^Cancel and return to / }).click()]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Payment not completed');
    await Promise.all([page.waitForURL(payment['checkoutUrl'] as string), page.getByRole('link', { name: 'Try the payment again' }).click()]);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 50.00');
    expect(cspErrors).toEqual([]);
    expect((await call('GET', `/api/v1/invoices/${invoiceId}`, token)).json).toMatchObject({ status: 'open', payments: [{ status: 'open' }] });
    await page.context().close();
  }, 60_000);
});
