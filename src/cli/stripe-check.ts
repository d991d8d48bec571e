/**
 * `paybridge gateway check --stripe`: checks a Stripe account is ready for a Paybridge Stripe gateway, with
 * the secret key the gateway will use (a test-mode key first), and prints one PASS/FAIL line per
 * requirement (exit code 1 on any failure): the key works; a webhook endpoint is registered at the
 * gateway's URL, enabled, for every event type Paybridge handles; the account settles in the shop's currency.
 * It reads only: no payment, no endpoint, nothing is created.
 */
import { stripeClient, STRIPE_EVENTS } from '../adapters/gateways/stripe-gateway.js';

interface StripeCheckOptions {
  readonly secretKey: string;
  /** The gateway's webhook endpoint URL (`webhook_endpoint_url` of the gateway). */
  readonly webhookUrl: string;
  /** The shop's currency, ISO 4217. */
  readonly currency: string;
  readonly apiBase: string | null;
  readonly timeoutMs: number;
}

export async function stripeCheck(o: StripeCheckOptions, print: (line: string) => void): Promise<number> {
  // The operator runs this by hand and names the address: a proxy on their own network is theirs to reach.
  const stripe = stripeClient({ secretKey: o.secretKey, webhookSecret: 'whsec_unused', capture: 'manual', apiBase: o.apiBase, timeoutMs: o.timeoutMs }, { allowPrivate: true });
  let failed = 0;
  let passed = 0;
  const report = (ok: boolean, what: string, detail: string) => {
    if (ok) passed++; else failed++;
    print(`${ok ? 'PASS' : 'FAIL'}  ${what}: ${detail}`);
  };
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

  const mode = /^[sr]k_live_/.test(o.secretKey) ? 'live' : 'test';
  let account;
  try {
    account = await stripe.accounts.retrieveCurrent();
    report(true, 'secret key', `works (${mode} mode, account ${account.id})`);
  } catch (error) {
    report(false, 'secret key', `Stripe refused it: ${reason(error)}`);
  }
  if (mode === 'live') print('NOTE  this is a live key: run the check and your first payments with the test-mode key (sk_test_…) first');

  try {
    const endpoints = (await stripe.webhookEndpoints.list({ limit: 100 })).data;
    const missingOf = (enabled: readonly string[]) => (enabled.includes('*') ? [] : STRIPE_EVENTS.filter((e) => !enabled.includes(e)));
    // Of several endpoints at the URL, the enabled one that receives the most of the events counts.
    const endpoint = endpoints.filter((e) => e.url === o.webhookUrl)
      .sort((a, b) => Number(b.status === 'enabled') - Number(a.status === 'enabled') || missingOf(a.enabled_events).length - missingOf(b.enabled_events).length)[0];
    if (!endpoint) {
      report(false, 'webhook endpoint', `none registered at ${o.webhookUrl} (Stripe dashboard → Developers → Webhooks → Add endpoint)`);
    } else {
      report(endpoint.status === 'enabled', 'webhook endpoint', `${endpoint.id} at ${o.webhookUrl} is ${endpoint.status}`);
      const missing = missingOf(endpoint.enabled_events);
      report(missing.length === 0, 'webhook events', missing.length === 0 ? `all ${STRIPE_EVENTS.length} that Paybridge handles` : `missing ${missing.join(', ')}`);
    }
  } catch (error) {
    report(false, 'webhook endpoint', `could not list the endpoints: ${reason(error)}`);
  }

  if (account) {
    const settles = (account.default_currency ?? '').toUpperCase();
    report(settles === o.currency.toUpperCase(), 'currency', settles === o.currency.toUpperCase()
      ? `the account settles in ${settles}, as the shop sells`
      : `the account settles in ${settles || 'an unknown currency'}, the shop sells in ${o.currency.toUpperCase()} (Stripe would convert every payment)`);
  }
  print(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
