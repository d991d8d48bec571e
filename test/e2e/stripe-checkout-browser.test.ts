/**
 * Stripe Checkout in a real browser against a real `paybridge serve` process and the local Stripe-compatible
 * server: the demo customer checks out, the hosted page sends Chromium to the Stripe Checkout page, the buyer
 * pays there, Stripe's signed events reach the server, and the buyer lands on the merchant's success URL
 * after Paybridge re-read the payment from Stripe; the courses are then the buyer's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/app/demo-data.js';
import { BROWSER_ADMIN_KEY as ADMIN_KEY, browserMissing, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';

describe.skipIf(browserMissing())('Stripe Checkout in a real browser', () => {
  let stack: BrowserStack;
  let stripe: StripeTestServer;
  let gatewayId: string;

  beforeAll(async () => {
    stripe = await startStripeServer();
    stack = await startBrowserStack({ merchant: true });
    const shopId = ((await stack.call('GET', '/api/v1/shops', ADMIN_KEY)).json['data'] as { id: string }[])[0]!.id;
    const origin = new URL(stack.merchant!.url).origin;
    expect((await stack.call('PATCH', `/api/v1/shops/${shopId}`, ADMIN_KEY, { success_url: `${origin}/thanks`, cancel_url: `${origin}/cart` })).status).toBe(200);
    const created = await stack.call('POST', '/api/v1/gateways', ADMIN_KEY, {
      shop_id: shopId, kind: 'stripe', secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret, api_base: stripe.url,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    gatewayId = created.json['id'] as string;
    stripe.webhookUrl = created.json['stripe'].webhook_endpoint_url as string;
    expect(stripe.webhookUrl).toBe(`${stack.base}/webhooks/stripe/${gatewayId}`);
  }, 60_000);
  afterAll(async () => { await stack?.close(); await stripe?.close(); });

  it('the demo customer pays on the Stripe Checkout page and lands on the success URL owning the courses', async () => {
    const token = (await stack.call('POST', '/oauth/token', null, { grant_type: 'password', username: DEMO.customerEmail, password: DEMO.customerPassword })).json['access_token'] as string;
    const checkout = await stack.call('POST', '/api/v1/checkout', token, { courses: [1, 2] });
    expect(checkout.status, JSON.stringify(checkout.json)).toBe(200);
    const orderId = checkout.json['order_id'] as number;
    const sessionId = checkout.json['session_id'] as string;
    const { page } = await stack.open(checkout.json['checkout_url'] as string);
    expect(page.url()).toMatch(new RegExp(`^${stripe.url}/c/pay/cs_test_`));
    await expect(page.locator('#total').textContent()).resolves.toBe('Total USD 149.98');
    const shots = mkdtempSync(join(tmpdir(), 'pb-stripe-'));
    process.stderr.write(`Stripe Checkout screenshots: ${shots}\n`);
    await page.screenshot({ path: join(shots, 'stripe-checkout-page.png') });

    // Leaving Stripe's page without paying: nothing was taken, and the buyer can go back to the same page.
    await page.getByRole('link', { name: 'Back' }).click();
    await page.waitForURL(`${stack.base}/pay/${sessionId}/stripe-cancel`);
    await expect(page.getByRole('heading').textContent()).resolves.toBe('Payment not completed');
    await page.screenshot({ path: join(shots, 'cancelled.png') });
    await page.getByRole('link', { name: 'Pay now' }).click();
    await page.waitForURL((u) => u.toString().startsWith(`${stripe.url}/c/pay/`));

    const thanks = new URL('/thanks', stack.merchant!.url).toString();
    await Promise.all([
      page.waitForURL((u) => u.toString().startsWith(thanks), { timeout: 20_000 }),
      page.getByRole('button', { name: /^Pay 149\.98$/ }).click(),
    ]);
    expect(page.url()).toBe(`${thanks}?session_id=${sessionId}&order_id=${orderId}`);

    const order = (await stack.call('GET', `/api/v1/orders/${orderId}`, stack.integrationKey)).json;
    expect(order).toMatchObject({ payment_status: 'paid', fulfillment_status: 'fulfilled' });
    expect(order['transactions'].map((t: { kind: string; status: string }) => `${t.kind}:${t.status}`)).toEqual(['authorization:succeeded', 'capture:succeeded']);
    const enrollments = await stack.call('GET', '/api/v1/enrollments', token);
    expect((enrollments.json['data'] as { course_id: number; order_id: number }[]).filter((e) => e.order_id === orderId).map((e) => e.course_id).sort()).toEqual([1, 2]);
  }, 60_000);
});
