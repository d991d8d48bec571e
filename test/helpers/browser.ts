/**
 * A real browser for end-to-end tests: Debian's Chromium at /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser), and a free local port for the server under test.
 */
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or null when they can. They are skipped only on a developer
 * machine without Chromium; in CI (`CI` set) a missing browser is a failure, not a skip.
 */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM) || process.env['CI']) return null;
  return `browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install chromium); they always run in CI`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the server is then started on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
