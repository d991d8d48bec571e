/**
 * `/docs` in a real browser, offline: Swagger UI renders every operation of /openapi.json and the webhook
 * events, every request the page makes stays on the server's origin (anything else is aborted, as with no
 * network), and its Content-Security-Policy reports no violation. A screenshot is left for a person to look at.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/app/events.js';
import { browserMissing, startBrowserStack, type BrowserStack } from '../helpers/browser.js';

describe.skipIf(browserMissing())('the API docs in a real browser', () => {
  let stack: BrowserStack;
  beforeAll(async () => { stack = await startBrowserStack(); }, 60_000);
  afterAll(async () => { await stack?.close(); });

  it('renders every operation and webhook event from local assets only, under its CSP', async () => {
    const doc = (await stack.call('GET', '/openapi.json', null)).json as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);

    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const origin = new URL(stack.base).origin;
    const requests: string[] = [];
    const elsewhere: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      requests.push(url);
      if (url.startsWith(`${origin}/`) || url.startsWith('data:')) await route.continue();
      else { elsewhere.push(url); await route.abort(); }
    });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text()); });
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(`${stack.base}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Paybridge');
    // Every operation of the document, and one block per webhook event on top of them.
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 20_000 }).toBe(operations + EVENT_TYPES.length);
    await expect(page.locator('.opblock-summary-path', { hasText: '/api/v1/orders/{id}/capture' }).count()).resolves.toBeGreaterThan(0);
    for (const type of ['payment.captured', 'order.created', 'invoice.paid']) {
      await expect(page.locator('.opblock-summary', { hasText: type }).count(), type).resolves.toBeGreaterThan(0);
    }

    const shots = mkdtempSync(join(tmpdir(), 'pb-docs-'));
    await page.screenshot({ path: join(shots, 'docs-top.png') });
    await page.locator('.opblock-summary', { hasText: 'payment.captured' }).first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'docs-webhooks.png') });

    // An operation opens with its example.
    await page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/orders$/ }).locator('..').locator('..').filter({ hasText: 'POST' }).first().click();
    await expect(page.locator('.opblock.is-open .examples-select, .opblock.is-open .body-param__example').first().isVisible()).resolves.toBe(true);

    await page.screenshot({ path: join(shots, 'docs-operation.png') });
    process.stdout.write(`docs screenshots: ${shots}/docs-{top,webhooks,operation}.png\n`);

    expect(elsewhere).toEqual([]);
    expect(requests.length).toBeGreaterThan(3);
    expect(cspErrors, cspErrors.join('\n')).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 60_000);
});
