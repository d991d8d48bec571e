/**
 * `paybridge gateway check --stripe` against the local Stripe-compatible server: a PASS/FAIL line per
 * requirement (the key, the webhook endpoint and its events, the currency), exit code 1 on any failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_EVENTS } from '../../src/adapters/gateways/stripe-gateway.js';
import { stripeCheck } from '../../src/cli/stripe-check.js';
import { startStripeServer, type StripeTestServer } from '../helpers/stripe-server.js';

describe('paybridge gateway check --stripe', () => {
  let s: StripeTestServer;
  beforeAll(async () => { s = await startStripeServer(); });
  afterAll(async () => { await s?.close(); });

  const WEBHOOK = 'https://pay.example.com/webhooks/stripe/gw_1';
  const check = async (options: { secretKey?: string; currency?: string; webhookUrl?: string } = {}) => {
    const lines: string[] = [];
    const code = await stripeCheck({ secretKey: s.secretKey, webhookUrl: WEBHOOK, currency: 'USD', apiBase: s.url, timeoutMs: 2000, ...options }, (l) => lines.push(l));
    return { code, lines };
  };
  const register = (events: readonly string[]) => fetch(`${s.url}/v1/webhook_endpoints`, {
    method: 'POST', headers: { authorization: `Bearer ${s.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([['url', WEBHOOK], ...events.map((e, i) => [`enabled_events[${i}]`, e] as [string, string])]),
  });

  it('fails without a webhook endpoint, names the missing events, then passes once everything is registered', async () => {
    const none = await check();
    expect(none.code).toBe(1);
    expect(none.lines[0]).toMatch(/^PASS {2}secret key: works \(test mode, account acct_/);
    expect(none.lines.some((l) => l.startsWith(`FAIL  webhook endpoint: none registered at ${WEBHOOK}`))).toBe(true);

    await register(STRIPE_EVENTS.slice(0, 3));
    const partial = await check();
    expect(partial.lines).toContain(`FAIL  webhook events: missing ${STRIPE_EVENTS.slice(3).join(', ')}`);

    await register(['*']);
    const ready = await check();
    expect(ready.code, ready.lines.join('\n')).toBe(0);
    expect(ready.lines.at(-1)).toBe('4 passed, 0 failed');
  });

  it('fails on a key Stripe refuses, and on a shop currency the account does not settle in', async () => {
    const badKey = await check({ secretKey: 'sk_test_not_a_real_key_123' });
    expect(badKey.code).toBe(1);
    expect(badKey.lines[0]).toMatch(/^FAIL {2}secret key: Stripe refused it: .*Invalid API Key provided: sk_test_\*\*\*\*/);
    const eur = await check({ currency: 'EUR' });
    expect(eur.lines).toContain('FAIL  currency: the account settles in USD, the shop sells in EUR (Stripe would convert every payment)');
  });
});
