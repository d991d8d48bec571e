/**
 * The operators' dashboard in a real browser against a real `paybridge serve` process: sign in with the
 * admin key, create an operator and sign in as that person, find an order by the buyer's e-mail, refund part
 * of it and see the timeline and the payment status change, replay a failed webhook delivery to a receiver
 * that now answers, reset an open circuit, and check every page with axe-core (no serious or critical
 * violation) and for CSP violations. Each page is saved as a screenshot at 1280 px and at phone width under
 * the run's temporary directory, whose path is printed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_ADMIN_KEY as ADMIN_KEY, browserMissing, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const OPERATOR = { email: 'support@example.com', password: 'support desk password 1' };

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

describe.skipIf(browserMissing())('the operators\' dashboard in a real browser', () => {
  let stack: BrowserStack;
  let gatewayServer: Receiver;
  let page: Page;
  const cspErrors: string[] = [];
  const shots = mkdtempSync(join(tmpdir(), 'pb-admin-screens-'));
  const checked: string[] = [];
  let orderId = 0;

  beforeAll(async () => {
    stack = await startBrowserStack({ merchant: true });
    gatewayServer = await startReceiver(503);
    process.stdout.write(`dashboard screenshots: ${shots}\n`);
    const context = await stack.browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  }, 90_000);
  afterAll(async () => {
    await gatewayServer?.close();
    await stack?.close();
  });

  /** Saves the page at desktop and phone width and runs axe on it; no serious or critical violation may remain. */
  async function check(name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}-1280.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    await page.setViewportSize(DESKTOP);
    expect(overflow, `${name}: the page is wider than a phone's screen`).toBeLessThanOrEqual(0);
    await page.evaluate(AXE);
    const violations = await page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), name).toEqual([]);
    // The stylesheet applies (its hash is in the CSP) and no script runs.
    await expect(page.evaluate<string>("getComputedStyle(document.body).backgroundColor")).resolves.toBe('rgb(244, 245, 248)');
    checked.push(name);
  }

  const go = async (path: string) => { await page.goto(`${stack.base}${path}`); };
  const submitAndWait = async (click: () => Promise<void>) => { await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), click()]); };

  it('signs in with the admin key, creates an operator, signs out and in again as that operator', async () => {
    await go('/admin/orders');
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await check('sign-in');
    await page.getByLabel('Admin API key').fill(ADMIN_KEY);
    await submitAndWait(() => page.getByRole('button', { name: 'Sign in with the key' }).click());
    expect(new URL(page.url()).pathname).toBe('/admin/orders');

    await go('/admin/operators');
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel(/^Password/).fill(OPERATOR.password);
    await submitAndWait(() => page.getByRole('button', { name: 'Create the operator' }).click());
    await expect(page.getByRole('status').textContent()).resolves.toContain('Created.');
    await check('operators');
    await submitAndWait(() => page.getByRole('button', { name: 'Sign out' }).click());
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');

    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR.password);
    await submitAndWait(() => page.getByRole('button', { name: 'Sign in', exact: true }).click());
    expect(new URL(page.url()).pathname).toBe('/admin');
    await expect(page.locator('header .who').textContent()).resolves.toContain(OPERATOR.email);
  }, 60_000);

  it('finds an order by the buyer\'s e-mail, refunds part of it and shows the refund in the timeline and the new status', async () => {
    const shops = await stack.call('GET', '/api/v1/shops', ADMIN_KEY);
    const shopId = (shops.json['data'] as { id: string }[])[0]!.id;
    const gateways = await stack.call('GET', `/api/v1/gateways?shop_id=${shopId}`, ADMIN_KEY);
    const sandbox = (gateways.json['data'] as { id: string; kind: string }[]).find((g) => g.kind === 'sandbox')!.id;
    const customer = await stack.call('POST', '/api/v1/customers', ADMIN_KEY, { email: 'ada.buyer@example.com', first_name: 'Ada', last_name: 'Lovelace' });
    const created = await stack.call('POST', '/api/v1/orders', ADMIN_KEY, { shop_id: shopId, customer_id: customer.json['id'], lines: [{ product_id: 1 }, { product_id: 2 }], promo_code: 'WELCOME10' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    orderId = created.json['id'] as number;
    const paid = await stack.call('POST', `/api/v1/orders/${orderId}/payments`, ADMIN_KEY, { gateway_id: sandbox, source: { type: 'card_token', token: 'tok_sandbox_success_4242' }, capture: true });
    expect(paid.json['order'].payment_status).toBe('paid');

    await go('/admin');
    await expect(page.locator('section[aria-labelledby=h-sales]').textContent()).resolves.toContain('USD 134.98');
    await check('overview');
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Order id, number, e-mail or external id').fill('ada.buyer@example.com');
    await submitAndWait(() => page.getByRole('button', { name: 'Search' }).click());
    await check('orders');
    await submitAndWait(() => page.getByRole('link', { name: `#${orderId}` }).click());
    expect(new URL(page.url()).pathname).toBe(`/admin/orders/${orderId}`);
    await expect(page.locator('#h-status + dl').textContent()).resolves.toMatch(/Payment\s*paid/);
    await check('order');

    await submitAndWait(() => page.getByRole('link', { name: 'Refund…' }).click());
    await page.getByLabel(/^Amount in USD/).fill('10.00');
    await page.getByLabel(/^Reason/).fill('Started a week late');
    await check('order-refund');
    await submitAndWait(() => page.getByRole('button', { name: 'Confirm: refund' }).click());
    expect(page.url()).toBe(`${stack.base}/admin/orders/${orderId}?done=refund`);
    await expect(page.getByRole('status').textContent()).resolves.toBe('Refund recorded.');
    await expect(page.locator('#h-status + dl').textContent()).resolves.toMatch(/Payment\s*partially refunded/);
    const timeline = page.locator('section[aria-labelledby=h-timeline]');
    await expect(timeline.getByRole('row').filter({ hasText: 'refund' }).filter({ hasText: 'USD 10.00' }).first().textContent()).resolves.toContain('reason: Started a week late');
    await expect(timeline.textContent()).resolves.toMatch(/payment status: paid → partially refunded/);
    await expect(timeline.textContent()).resolves.toMatch(/by operator:op_/);
    await check('order-refunded');

    await submitAndWait(() => page.getByRole('link', { name: 'Ada Lovelace' }).click());
    await check('customer');
    await go('/admin/customers');
    await check('customers');
    await go('/admin/invoices');
    await check('invoices');
  }, 90_000);

  it('replays a failed delivery to a receiver that now answers', async () => {
    stack.merchant!.fallback = 400; // refused: the delivery fails for good at once
    const endpoint = await stack.call('POST', '/api/v1/webhook-endpoints', ADMIN_KEY, { url: stack.merchant!.url, event_types: ['webhook.test'], description: 'Course platform' });
    expect(endpoint.status, JSON.stringify(endpoint.json)).toBe(201);
    const ping = await stack.call('POST', `/api/v1/webhook-endpoints/${String(endpoint.json['id'])}/test`, ADMIN_KEY);
    const deliveryId = ping.json['delivery_id'] as string;
    for (let i = 0; i < 100; i++) {
      const d = await stack.call('GET', `/api/v1/webhook-deliveries/${deliveryId}`, ADMIN_KEY);
      if (d.json['status'] === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await go('/admin/webhooks');
    await page.getByLabel('Status').selectOption('failed');
    await submitAndWait(() => page.getByRole('button', { name: 'Filter' }).click());
    await check('webhooks');
    await submitAndWait(() => page.getByRole('link', { name: deliveryId }).click());
    await expect(page.locator('section[aria-labelledby=h-attempts]').textContent()).resolves.toContain('400');
    await check('delivery');
    stack.merchant!.fallback = 200;
    await submitAndWait(() => page.getByRole('button', { name: 'Replay now' }).click());
    await expect(page.getByRole('status').textContent()).resolves.toBe('Delivery queued for another attempt.');
    for (let i = 0; i < 50; i++) {
      if (await page.getByRole('heading', { level: 2 }).filter({ hasText: 'delivered' }).count() > 0) break;
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    await expect(page.getByRole('heading', { level: 2 }).first().textContent()).resolves.toContain('delivered');
    await expect(page.locator('section[aria-labelledby=h-attempts]').textContent()).resolves.toContain('200');
    await submitAndWait(() => page.getByRole('link', { name: stack.merchant!.url }).first().click());
    await check('webhook-endpoint');
  }, 60_000);

  it('resets an open circuit', async () => {
    const shops = await stack.call('GET', '/api/v1/shops', ADMIN_KEY);
    const shopId = (shops.json['data'] as { id: string }[])[0]!.id;
    const gw = await stack.call('POST', '/api/v1/external-gateways', ADMIN_KEY, {
      shop_id: shopId, name: 'Merchant gateway', authorize_url: gatewayServer.url.replace('/hooks', '/authorize'), circuit_failure_threshold: 1, timeout_ms: 2000,
    });
    expect(gw.status, JSON.stringify(gw.json)).toBe(201);
    const gatewayId = gw.json['id'] as string;
    for (let i = 0; i < 3; i++) {
      const order = await stack.call('POST', '/api/v1/orders', ADMIN_KEY, { shop_id: shopId, lines: [{ product_id: 3 }], email: 'circuit@example.com' });
      await stack.call('POST', `/api/v1/orders/${String(order.json['id'])}/payments`, ADMIN_KEY, { gateway_id: gatewayId, source: { type: 'card_token', token: 'tok_x' }, capture: true });
    }
    const before = await stack.call('GET', `/api/v1/external-gateways/${gatewayId}`, ADMIN_KEY);
    expect(before.json).toMatchObject({ circuit_state: 'open' });

    await go('/admin');
    await expect(page.locator('section[aria-labelledby=h-attention]').textContent()).resolves.toContain('Merchant gateway');
    await go('/admin/gateways');
    const row = page.locator(`#g-${gatewayId}`);
    await expect(row.textContent()).resolves.toMatch(/open\s*\d+ failures/);
    await check('gateways');
    await submitAndWait(() => row.getByRole('button', { name: 'Reset circuit' }).click());
    await expect(page.getByRole('status').textContent()).resolves.toBe('Circuit reset.');
    await expect(page.locator(`#g-${gatewayId}`).textContent()).resolves.toMatch(/closed\s*0 failures/);
    const after = await stack.call('GET', `/api/v1/external-gateways/${gatewayId}`, ADMIN_KEY);
    expect(after.json).toMatchObject({ circuit_state: 'closed', circuit_failure_count: 0 });
  }, 60_000);

  it('has no accessibility or CSP problems on the remaining pages', async () => {
    await go('/admin/catalog');
    await check('catalog');
    await go('/admin/api-keys');
    await page.getByLabel('Name').fill('Reporting');
    await submitAndWait(() => page.getByRole('button', { name: 'Create the key' }).click());
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/pb_live_/);
    await check('api-keys');
    await go('/admin/nowhere');
    await check('not-found');
    expect(cspErrors).toEqual([]);
    expect(checked).toHaveLength(17);
    process.stdout.write(`dashboard screenshots (${checked.length} page states, 1280 px and phone width): ${shots}\n`);
  }, 60_000);
});
