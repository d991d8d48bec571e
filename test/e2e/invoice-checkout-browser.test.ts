/**
 * The invoice payments API's CHECKOUT invoice payment in a real browser against a real `paybridge serve` process: the
 * customer creates a CHECKOUT payment, opens the hosted checkout page, pays with 4242 4242 4242 4242 and
 * lands on the success redirect, which shows "Payment received" read from the database; the invoice is
 * paid and the receipt is e-mailed. A buyer who gives up lands on the failure redirect and can try again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_ADMIN_KEY as ADMIN_KEY, browserMissing, fillCard, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { waitFor } from '../helpers/processes.js';

describe.skipIf(browserMissing())('a CHECKOUT invoice payment in a real browser', () => {
  let stack: BrowserStack;
  let shopId: string;

  /** A customer who can sign in, an invoice for it, and its CHECKOUT payment (created with the customer's own token). */
  async function checkoutFor(email: string, amount: number) {
    const customer = await stack.call('POST', '/api/v1/customers', ADMIN_KEY, { email, password: 'browser-invoice-password', first_name: 'Grace' });
    expect(customer.status).toBe(201);
    const token = (await stack.call('POST', '/oauth/token', null, { grant_type: 'password', username: email, password: 'browser-invoice-password' })).json['access_token'] as string;
    const invoice = await stack.call('POST', '/api/v1/invoices', stack.integrationKey, {
      shop_id: shopId, customer_id: customer.json['id'], amount, number: `INV-${email.split('@')[0]}`, due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    expect(invoice.status, JSON.stringify(invoice.json)).toBe(201);
    const payment = await stack.call('POST', '/api/v1/invoice-payments', token, { invoiceId: invoice.json['id'], type: 'CHECKOUT' });
    expect(payment.status, JSON.stringify(payment.json)).toBe(201);
    return { invoiceId: invoice.json['id'] as string, payment: payment.json, token };
  }

  beforeAll(async () => {
    stack = await startBrowserStack();
    shopId = ((await stack.call('GET', '/api/v1/shops', ADMIN_KEY)).json['data'] as { id: string }[])[0]!.id;
  }, 60_000);

  afterAll(async () => { await stack?.close(); });

  it('pays with 4242 4242 4242 4242 on the hosted page and lands on the success redirect showing "Payment received"', async () => {
    const { invoiceId, payment, token } = await checkoutFor('grace@example.com', 12_345);
    expect(payment).toMatchObject({ type: 'CHECKOUT', status: 'OPEN', amount: 123.45, checkoutUrl: expect.stringMatching(new RegExp(`^${stack.base}/pay/cs_`)) });
    const sessionId = (payment['checkoutUrl'] as string).split('/').pop()!;
    const { page, cspErrors } = await stack.open(payment['checkoutUrl'] as string);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 123.45');
    await fillCard(page, '4242 4242 4242 4242', 'Grace Hopper');
    const success = `${stack.base}/api/v1/invoice-payments/checkout/success`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(success), { timeout: 15_000 }), page.getByRole('button', { name: /^Pay USD 123\.45$/ }).click()]);
    const landed = new URL(page.url());
    expect(Object.fromEntries(['cko-payment-session-id', 'cko-session-id', 'cko-payment-id'].map((k) => [k, landed.searchParams.get(k)])))
      .toEqual({ 'cko-payment-session-id': sessionId, 'cko-session-id': sessionId, 'cko-payment-id': payment['paymentId'] });
    await expect(page.getByRole('status').textContent()).resolves.toBe('Payment received');
    expect(cspErrors).toEqual([]);

    const invoice = await stack.call('GET', `/api/v1/invoices/${invoiceId}`, token);
    expect(invoice.json).toMatchObject({ status: 'paid', amount_paid: 12_345, amount_due: 0, payments: [{ type: 'CHECKOUT', status: 'succeeded' }] });
    const receipt = (raw: string) => raw.includes('Subject: Receipt for invoice INV-grace');
    await waitFor(() => stack.smtp.messages.some((m) => receipt(m.raw)), 15_000, 'the invoice receipt e-mail');
    expect(stack.smtp.messages.filter((m) => receipt(m.raw)).map((m) => m.to)).toEqual([['grace@example.com']]);
    await page.context().close();
  }, 60_000);

  it('a buyer who gives up lands on the failure redirect, which says nothing was received and offers to try again', async () => {
    const { invoiceId, payment, token } = await checkoutFor('ada-gives-up@example.com', 5000);
    const { page, cspErrors } = await stack.open(payment['checkoutUrl'] as string);
    const failure = `${stack.base}/api/v1/invoice-payments/checkout/failure`;
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(failure), { timeout: 15_000 }), page.getByRole('link', { name: /^Cancel and return to / }).click()]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Payment not completed');
    await Promise.all([page.waitForURL(payment['checkoutUrl'] as string), page.getByRole('link', { name: 'Try the payment again' }).click()]);
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 50.00');
    expect(cspErrors).toEqual([]);
    expect((await stack.call('GET', `/api/v1/invoices/${invoiceId}`, token)).json).toMatchObject({ status: 'open', payments: [{ status: 'open' }] });
    await page.context().close();
  }, 60_000);
});
