/**
 * The recommended integration, played end to end: a small platform backend on 127.0.0.1 (its own login,
 * its own user ids) opens a checkout session for a new user with its integration key and redirects the
 * browser to it; a real Chromium pays on the hosted page and lands on the platform's success URL; the
 * platform receives `checkout_session.completed`, verifies it with the `standardwebhooks` library, and reads
 * the user's enrollment by its external id.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, fillCard, startBrowserStack, type BrowserStack } from '../helpers/browser.js';
import { waitFor } from '../helpers/processes.js';

interface Verified { readonly type: string; readonly data: Record<string, any> }

/** The platform: GET /buy?user= opens a session and redirects; GET /paid is its success page; POST /hooks its webhook receiver. */
async function startPlatform(paybridge: () => { base: string; key: string }, secret: () => string) {
  const events: Verified[] = [];
  const rejected: string[] = [];
  const landed: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && url.pathname === '/buy') {
          const { base, key } = paybridge();
          const user = url.searchParams.get('user')!;
          const own = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
          const created = await fetch(`${base}/api/v1/checkout-sessions`, {
            method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `buy-${user}` },
            body: JSON.stringify({
              customer: { external_id: user, email: `${user}@platform.example`, name: 'Grace Hopper' }, lines: [{ product_id: 2 }],
              success_url: `${own}/paid?session={CHECKOUT_SESSION_ID}`, cancel_url: `${own}/cart`, metadata: { platform_user: user },
            }),
          });
          const session = (await created.json()) as { url: string };
          res.writeHead(created.status === 201 ? 303 : 500, { location: session.url }).end();
          return;
        }
        if (req.method === 'GET' && url.pathname === '/paid') {
          landed.push(req.url!);
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Thanks</title><h1>Thanks for your purchase</h1>');
          return;
        }
        if (req.method === 'POST' && url.pathname === '/hooks') {
          try {
            const event = new Webhook(secret()).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as Verified;
            events.push(event);
            res.writeHead(204).end();
          } catch (error) {
            rejected.push(String(error));
            res.writeHead(400).end();
          }
          return;
        }
        res.writeHead(404).end();
      })().catch((error: unknown) => { res.writeHead(500).end(String(error)); });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events, rejected, landed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(browserMissing())('a platform integrates with checkout sessions (real browser)', () => {
  let stack: BrowserStack;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let secret = '';

  beforeAll(async () => {
    stack = await startBrowserStack({ env: { PAYBRIDGE_ALLOW_PRIVATE_URLS: '1' } });
    platform = await startPlatform(() => ({ base: stack.base, key: stack.integrationKey }), () => secret);
    const endpoint = await stack.call('POST', '/api/v1/webhook-endpoints', stack.integrationKey, { url: `${platform.url}/hooks`, event_types: ['checkout_session.*'] });
    expect(endpoint.status, JSON.stringify(endpoint.json)).toBe(201);
    secret = endpoint.json['secret'] as string;
  }, 60_000);

  afterAll(async () => { await platform?.close(); await stack?.close(); });

  it('a new user pays on the hosted page, lands on the platform, the verified webhook arrives, and the platform reads the enrollment', async () => {
    const user = `user_${Date.now()}`;
    const { page, cspErrors } = await stack.open(`${platform.url}/buy?user=${user}`);
    expect(new URL(page.url()).pathname).toMatch(/^\/pay\/cs_/);
    const sessionId = new URL(page.url()).pathname.split('/').pop()!;
    await expect(page.locator('#total').textContent()).resolves.toBe('USD 99.99');
    const shot = join(mkdtempSync(join(tmpdir(), 'pb-platform-')), 'hosted-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    process.stdout.write(`hosted page screenshot: ${shot}\n`);
    await fillCard(page, '4242 4242 4242 4242', 'Grace Hopper');
    await Promise.all([
      page.waitForURL((u) => u.toString().startsWith(`${platform.url}/paid`), { timeout: 15_000 }),
      page.getByRole('button', { name: /^Pay USD 99\.99$/ }).click(),
    ]);
    expect(page.url()).toBe(`${platform.url}/paid?session=${sessionId}`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Thanks for your purchase');
    expect(cspErrors).toEqual([]);

    await waitFor(() => platform.events.some((e) => e.type === 'checkout_session.completed'), 20_000, 'the checkout_session.completed webhook');
    expect(platform.rejected).toEqual([]);
    const completed = platform.events.find((e) => e.type === 'checkout_session.completed')!;
    expect(completed.data).toMatchObject({ checkout_session: { id: sessionId, status: 'complete' }, metadata: { platform_user: user } });

    // The platform reads what its user now owns, by its own user id.
    const found = await stack.call('GET', `/api/v1/customers?external_id=${user}`, stack.integrationKey);
    const customerId = (found.json['data'] as { id: string }[])[0]!.id;
    const enrollments = await stack.call('GET', `/api/v1/enrollments?customer_id=${customerId}`, stack.integrationKey);
    expect(enrollments.json['data']).toEqual([expect.objectContaining({ course_id: 2, order_id: completed.data['order_id'], status: 'active' })]);
    await page.context().close();
  }, 90_000);
});
