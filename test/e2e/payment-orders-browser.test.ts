/**
 * Payment orders in a real browser against a real `paybridge serve` process: the merchant creates an order with
 * the integration key, the buyer opens its `paymentLink`, types a test card and clicks Pay, and lands on
 * the merchant's success URL; the order then reads `paid` with its payment item, the merchant's webhook
 * URL receives the signed `paid` callback and the buyer the confirmation e-mail (both from the server's
 * in-process worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_ADMIN_KEY as ADMIN_KEY, browserMissing, fillCard, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { waitFor } from '../helpers/processes.js';
import { verifyWithLibrary } from '../helpers/verify-webhook.js';

describe.skipIf(browserMissing())("a payment order's payment link paid in a real browser", () => {
  let stack: BrowserStack;

  beforeAll(async () => { stack = await startBrowserStack({ merchant: true }); }, 60_000);
  afterAll(async () => { await stack?.close(); });

  it('the buyer pays 56.00 USD on the payment link; the order is paid, the merchant gets the signed callback, the buyer the e-mail', async () => {
    const shopId = ((await stack.call('GET', '/api/v1/shops', ADMIN_KEY)).json['data'] as { id: string }[])[0]!.id;
    const secret = (await stack.call('GET', `/api/v1/shops/${shopId}/secret`, ADMIN_KEY)).json['webhook_secret'] as string;
    const origin = new URL(stack.merchant!.url).origin;
    const created = await stack.call('POST', '/api/v1/payment-orders', stack.integrationKey, {
      shopId, order: { orderNumber: 'WEB-1001', cost: { amount: '56.00', currency: 'USD' } },
      customer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' },
      paymentSettings: { redirectUrls: { success: `${origin}/paid`, failure: `${origin}/failed` }, webhookUrl: stack.merchant!.url },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json).toMatchObject({ status: 'in_progress', order: { orderNumber: 'WEB-1001', cost: { amount: '56.00', currency: 'USD' } } });
    const { orderId, paymentLink } = created.json as { orderId: string; paymentLink: string };
    expect(paymentLink.startsWith(`${stack.base}/pay/cs_`)).toBe(true);

    const { page, cspErrors } = await stack.open(paymentLink);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 56.00');
    await fillCard(page, '4242 4242 4242 4242', 'Grace Hopper');
    const paid = `${origin}/paid`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(paid), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 56\.00$/ }).click()]);
    expect(new URL(page.url()).searchParams.get('order_id')).toBe(orderId);
    expect(cspErrors).toEqual([]);
    await page.context().close();

    const order = await stack.call('GET', `/api/v1/payment-orders/${orderId}`, stack.integrationKey);
    expect(order.json).toMatchObject({ status: 'paid', payments: [{ status: 'captured', amount: '56.00', currency: 'USD', paymentType: 'card' }] });

    const hooks = () => stack.merchant!.received.filter((r) => r.path === '/hooks');
    await waitFor(() => hooks().length > 0, 15_000, 'the paid callback');
    const callback = verifyWithLibrary(secret, hooks()[0]!, Date.now()) as { eventType: string; order: { orderId: string; status: string } };
    expect(callback.order).toMatchObject({ orderId, status: 'paid' });
    // The mail names the merchant's order number and greets the buyer by the first name the merchant sent.
    await waitFor(() => stack.smtp.messages.some((m) => m.raw.includes('Subject: Your order #WEB-1001 at')), 15_000, 'the confirmation e-mail');
    const mails = stack.smtp.messages.filter((m) => m.raw.includes('Subject: Your order #WEB-1001 at'));
    expect(mails.map((m) => m.to)).toEqual([['grace@example.com']]);
    expect(mails[0]!.raw).toContain('Hello Grace,');
  }, 60_000);
});
