/**
 * A real browser for end-to-end tests: Debian's Chromium at /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser), and `startBrowserStack`, the scaffolding every browser test shares: a
 * `paybridge serve` process with the demo data on its own SQLite file, an SMTP sink, optionally a merchant
 * receiver, and the browser.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from './ports.js';
import { printedDemoKey, startCli, waitFor, type Proc } from './processes.js';
import { startReceiver, type Receiver } from './receiver.js';
import { startSmtp, type SmtpSink } from './smtp.js';

const CHROMIUM = '/usr/bin/chromium';

/** The admin key of the server a browser stack starts (each stack has its own server and database). */
export const BROWSER_ADMIN_KEY = 'pb_admin_browser_test_key_0123456789';

/**
 * True when a browser suite must be skipped, and then says why on stderr. The suites are skipped only on a
 * developer machine without Chromium; in CI (`CI` set) a missing browser is a failure, not a skip.
 */
export function browserMissing(): boolean {
  if (existsSync(CHROMIUM) || process.env['CI']) return false;
  process.stderr.write(`browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install chromium); they always run in CI\n`);
  return true;
}

function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Types a card into the hosted payment page's form (expiry 12/34, CVC 123). */
export async function fillCard(page: Page, number: string, name: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code (CVC)').fill('123');
  await page.getByLabel('Name on card').fill(name);
}

export interface BrowserStack {
  /** The server's origin, `http://127.0.0.1:<port>`. */
  readonly base: string;
  readonly server: Proc;
  /** A recording merchant server, when `startBrowserStack` was asked for one. */
  readonly merchant: Receiver | undefined;
  /** Receives the e-mails the server's in-process worker sends. */
  readonly smtp: SmtpSink;
  readonly browser: Browser;
  /** The demo integration key, as the server printed it at its first start. */
  readonly integrationKey: string;
  /** A JSON request to the server, with `Authorization: Bearer <auth>` unless auth is null. */
  call(method: string, path: string, auth: string | null, body?: object): Promise<{ status: number; json: Record<string, any> }>;
  /** Opens `url` in a fresh browser context, collecting the Content Security Policy violations it reports. */
  open(url: string): Promise<{ page: Page; cspErrors: string[] }>;
  /** Stops everything started, in reverse order, and removes the database. */
  close(): Promise<void>;
}

/**
 * Starts `paybridge serve` (demo data, admin key `BROWSER_ADMIN_KEY`) on a free port with its own SQLite
 * file and an SMTP sink, waits until /health answers, and launches the browser. What started is stopped
 * again if a later step fails.
 */
export async function startBrowserStack(options: { merchant?: boolean; env?: Record<string, string> } = {}): Promise<BrowserStack> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-browser-'));
  let server: Proc | undefined;
  let merchant: Receiver | undefined;
  let smtp: SmtpSink | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    await merchant?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    if (options.merchant) merchant = await startReceiver();
    smtp = await startSmtp();
    const proc = startCli(['serve'], {
      PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'paybridge.db')}`, PAYBRIDGE_DEMO: '1',
      PAYBRIDGE_ADMIN_KEY: BROWSER_ADMIN_KEY, SMTP_URL: smtp.url, LOG_LEVEL: 'warn', ...options.env,
    });
    server = proc;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 30_000, `the server on ${base}\n${proc.output()}`);
    await waitFor(() => printedDemoKey(proc.output()) !== null, 10_000, `the demo key in the start output\n${proc.output()}`);
    const opened = await launchBrowser();
    browser = opened;
    return {
      base, server: proc, merchant, smtp, browser: opened, close, integrationKey: printedDemoKey(proc.output())!,
      async call(method, path, auth, body) {
        const res = await fetch(`${base}${path}`, {
          method, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, json: (await res.json()) as Record<string, any> };
      },
      async open(url) {
        const page = await (await opened.newContext()).newPage();
        const cspErrors: string[] = [];
        page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
        await page.goto(url);
        return { page, cspErrors };
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
