/**
 * A real browser against a real `paybridge serve` process: a customer checks out through the course checkout's
 * `POST /api/v1/checkout`, opens the hosted payment page, types a test card, clicks Pay and lands on the
 * merchant's success URL, and then owns the courses; a declined card shows its reason on the page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/app/demo-data.js';
import { BROWSER_ADMIN_KEY as ADMIN_KEY, browserMissing, fillCard, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { waitFor } from '../helpers/processes.js';

describe.skipIf(browserMissing())('the hosted payment page in a real browser', () => {
  let stack: BrowserStack;

  const signIn = async (email: string, password: string) => {
    const res = await stack.call('POST', '/oauth/token', null, { grant_type: 'password', username: email, password });
    expect(res.status).toBe(200);
    return res.json['access_token'] as string;
  };

  beforeAll(async () => {
    stack = await startBrowserStack({ merchant: true });
    const shops = await stack.call('GET', '/api/v1/shops', ADMIN_KEY);
    const shopId = (shops.json['data'] as { id: string }[])[0]!.id;
    const origin = new URL(stack.merchant!.url).origin;
    const patched = await stack.call('PATCH', `/api/v1/shops/${shopId}`, ADMIN_KEY, { success_url: `${origin}/thanks`, cancel_url: `${origin}/cart` });
    expect(patched.status).toBe(200);
  }, 60_000);

  afterAll(async () => { await stack?.close(); });

  /** Opens the checkout's hosted page in a fresh browser context, collecting CSP violations. */
  async function openCheckout(token: string): Promise<{ page: Page; cspErrors: string[]; orderId: number; sessionId: string }> {
    const checkout = await stack.call('POST', '/api/v1/checkout', token, { courses: [1, 2, 3] });
    expect(checkout.status, JSON.stringify(checkout.json)).toBe(200);
    expect(checkout.json).toMatchObject({ status: 'SUCCESS', total_amount: 199.97 });
    const url = checkout.json['checkout_url'] as string;
    expect(url).toBe(`${stack.base}/pay/${String(checkout.json['session_id'])}`);
    const { page, cspErrors } = await stack.open(url);
    return { page, cspErrors, orderId: checkout.json['order_id'] as number, sessionId: checkout.json['session_id'] as string };
  }

  it('the demo customer pays with 4242 4242 4242 4242, lands on the success URL and owns courses 1, 2 and 3', async () => {
    const token = await signIn(DEMO.customerEmail, DEMO.customerPassword);
    const { page, cspErrors, orderId, sessionId } = await openCheckout(token);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 199.97');
    // The stylesheet is applied: the CSP hash matches what the browser sees.
    await expect(page.evaluate<string>("getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor")).resolves.toBe('rgb(47, 91, 211)');
    await fillCard(page, '4242 4242 4242 4242', 'Demo Learner');
    const thanks = new URL('/thanks', stack.merchant!.url).toString();
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(thanks), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 199\.97$/ }).click()]);
    expect(page.url()).toBe(`${thanks}?session_id=${sessionId}&order_id=${orderId}`);
    expect(stack.merchant!.received.some((r) => r.path === `/thanks?session_id=${sessionId}&order_id=${orderId}`)).toBe(true);
    expect(cspErrors).toEqual([]);

    const enrollments = await stack.call('GET', '/api/v1/enrollments', token);
    expect((enrollments.json['data'] as { course_id: number; order_id: number }[]).filter((e) => e.order_id === orderId).map((e) => e.course_id).sort()).toEqual([1, 2, 3]);
    // The in-process worker sends the confirmation.
    const confirmation = (raw: string) => raw.includes(`Subject: Your order #${orderId} at`);
    await waitFor(() => stack.smtp.messages.some((m) => confirmation(m.raw)), 15_000, 'the confirmation e-mail');
    expect(stack.smtp.messages.filter((m) => confirmation(m.raw)).map((m) => m.to)).toEqual([[DEMO.customerEmail]]);
    await page.context().close();
  }, 60_000);

  it('a declined card shows "Your card was declined." on the page, and another card then succeeds', async () => {
    const created = await stack.call('POST', '/api/v1/customers', ADMIN_KEY, { email: 'decline@example.com', password: 'browser-test-password' });
    expect(created.status).toBe(201);
    const token = await signIn('decline@example.com', 'browser-test-password');
    const { page, cspErrors, sessionId } = await openCheckout(token);
    await fillCard(page, '4000 0000 0000 0002', 'Demo Learner');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /^Pay / }).click()]);
    await expect(page.getByRole('alert').first().textContent()).resolves.toBe('Your card was declined.');
    expect(new URL(page.url()).pathname).toBe(`/pay/${sessionId}`);
    await expect(page.getByLabel('Card number').inputValue()).resolves.toBe('');

    await fillCard(page, '4242 4242 4242 4242', 'Demo Learner');
    const thanks = new URL('/thanks', stack.merchant!.url).toString();
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(thanks), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay / }).click()]);
    expect(cspErrors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
