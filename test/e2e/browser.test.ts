/**
 * A real browser against a real `paybridge serve` process: a customer checks out through seed 001's
 * `POST /api/v1/checkout`, opens the hosted payment page, types a test card, clicks Pay and lands on the
 * merchant's success URL, and then owns the courses; a declined card shows its reason on the page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/app/seed-demo.js';
import { browserSkipReason, freePort, launchBrowser } from '../helpers/browser.js';
import { startCli, waitFor, type Proc } from '../helpers/processes.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startSmtp, type SmtpSink } from '../helpers/smtp.js';

const ADMIN_KEY = 'pb_admin_browser_test_key_0123456789';
const skipReason = browserSkipReason();
if (skipReason) process.stderr.write(`${skipReason}\n`);

describe.skipIf(skipReason !== null)('the hosted payment page in a real browser', () => {
  let dir: string;
  let base: string;
  let server: Proc | undefined;
  let merchant: Receiver | undefined;
  let smtp: SmtpSink | undefined;
  let browser: Browser | undefined;

  const call = async (method: string, path: string, auth: string | null, body?: object) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const signIn = async (email: string, password: string) => {
    const res = await call('POST', '/oauth/token', null, { grant_type: 'password', username: email, password });
    expect(res.status).toBe(200);
    return res.json['access_token'] as string;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    merchant = await startReceiver();
    smtp = await startSmtp();
    server = startCli(['serve'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'paybridge.db')}`, PAYBRIDGE_DEMO: '1', PAYBRIDGE_ADMIN_KEY: ADMIN_KEY,
      SMTP_URL: smtp.url, LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 30_000, `the server on ${base}\n${server.output()}`);
    const shops = await call('GET', '/api/v1/shops', ADMIN_KEY);
    const shopId = (shops.json['data'] as { id: string }[])[0]!.id;
    const origin = new URL(merchant.url).origin;
    const patched = await call('PATCH', `/api/v1/shops/${shopId}`, ADMIN_KEY, { success_url: `${origin}/thanks`, cancel_url: `${origin}/cart` });
    expect(patched.status).toBe(200);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await merchant?.close();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the checkout's hosted page in a fresh browser context, collecting CSP violations. */
  async function openCheckout(token: string): Promise<{ page: Page; cspErrors: string[]; orderId: number; sessionId: string }> {
    const checkout = await call('POST', '/api/v1/checkout', token, { courses: [1, 2, 3] });
    expect(checkout.status, JSON.stringify(checkout.json)).toBe(200);
    expect(checkout.json).toMatchObject({ status: 'SUCCESS', total_amount: 199.97 });
    const url = checkout.json['checkout_url'] as string;
    expect(url).toBe(`${base}/pay/${String(checkout.json['session_id'])}`);
    const page = await (await browser!.newContext()).newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(url);
    return { page, cspErrors, orderId: checkout.json['order_id'] as number, sessionId: checkout.json['session_id'] as string };
  }

  async function fillCard(page: Page, number: string) {
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('Security code (CVC)').fill('123');
    await page.getByLabel('Name on card').fill('Demo Learner');
  }

  it('the demo customer pays with 4242 4242 4242 4242, lands on the success URL and owns courses 1, 2 and 3', async () => {
    const token = await signIn(DEMO.customerEmail, DEMO.customerPassword);
    const { page, cspErrors, orderId, sessionId } = await openCheckout(token);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 199.97');
    // The stylesheet is applied: the CSP hash matches what the browser sees.
    await expect(page.evaluate<string>("getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor")).resolves.toBe('rgb(47, 91, 211)');
    await fillCard(page, '4242 4242 4242 4242');
    const thanks = new URL('/thanks', merchant!.url).toString();
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(thanks), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 199\.97$/ }).click()]);
    expect(page.url()).toBe(`${thanks}?session_id=${sessionId}&order_id=${orderId}`);
    expect(merchant!.received.some((r) => r.path === `/thanks?session_id=${sessionId}&order_id=${orderId}`)).toBe(true);
    expect(cspErrors).toEqual([]);

    const enrollments = await call('GET', '/api/v1/enrollments', token);
    expect((enrollments.json['data'] as { course_id: number; order_id: number }[]).filter((e) => e.order_id === orderId).map((e) => e.course_id).sort()).toEqual([1, 2, 3]);
    // The in-process worker sends the confirmation.
    const confirmation = (raw: string) => raw.includes(`Subject: Your order #${orderId} at`);
    await waitFor(() => smtp!.messages.some((m) => confirmation(m.raw)), 15_000, 'the confirmation e-mail');
    expect(smtp!.messages.filter((m) => confirmation(m.raw)).map((m) => m.to)).toEqual([[DEMO.customerEmail]]);
    await page.context().close();
  }, 60_000);

  it('a declined card shows "Your card was declined." on the page, and another card then succeeds', async () => {
    const created = await call('POST', '/api/v1/customers', ADMIN_KEY, { email: 'decline@example.com', password: 'browser-test-password' });
    expect(created.status).toBe(201);
    const token = await signIn('decline@example.com', 'browser-test-password');
    const { page, cspErrors, sessionId } = await openCheckout(token);
    await fillCard(page, '4000 0000 0000 0002');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /^Pay / }).click()]);
    await expect(page.getByRole('alert').first().textContent()).resolves.toBe('Your card was declined.');
    expect(new URL(page.url()).pathname).toBe(`/pay/${sessionId}`);
    await expect(page.getByLabel('Card number').inputValue()).resolves.toBe('');

    await fillCard(page, '4242 4242 4242 4242');
    const thanks = new URL('/thanks', merchant!.url).toString();
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(thanks), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay / }).click()]);
    expect(cspErrors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
