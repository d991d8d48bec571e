/**
 * Demo data for a first start: a USD shop, courses 1–3 (so seed 001's `{"courses": [1, 2, 3]}` works as
 * written), a bundle, a customer who can sign in, a promo code, a sandbox gateway and a known
 * integration key. Runs once: a database that already has the demo shop is left alone.
 */
import { ensureApiKey } from './api-keys.js';
import type { Deps } from './deps.js';

export const DEMO = {
  shopName: 'Paybridge Demo Academy',
  customerEmail: 'learner@example.com',
  customerPassword: 'paybridge-demo',
  promoCode: 'WELCOME10',
  /** Public by design, like a payment provider's documented test keys; PAYBRIDGE_DEMO=0 never creates it. */
  integrationKey: 'pb_demo_integration_key_do_not_use_in_production',
} as const;

export interface DemoSummary {
  readonly shopId: string;
  readonly created: boolean;
}

export async function seedDemo(deps: Deps): Promise<DemoSummary> {
  const existing = await deps.store.settings.get('demo_shop_id');
  if (existing) {
    await ensureApiKey(deps, DEMO.integrationKey, 'Demo integration key', 'integration');
    return { shopId: existing, created: false };
  }
  const shopId = deps.ids.next('shop');
  const passwordHash = await deps.hasher.hashPassword(DEMO.customerPassword);
  const created = await deps.store.tx(async (tx) => {
    // Claimed first: of two processes seeding a fresh database at once, the second finds the claim
    // (PostgreSQL makes it wait for the first's commit) and seeds nothing.
    if ((await tx.settings.putIfAbsent('demo_shop_id', shopId)) !== shopId) return false;
    await tx.shops.insert({
      id: shopId, name: DEMO.shopName, currency: 'USD', remoteCheckoutUrl: null,
      successUrl: null, cancelUrl: null, autoCapture: true, clearingDays: 1, webhookSecret: deps.signer.newSecret(),
    });
    const course = (id: number, sku: string, title: string, amount: number) => tx.products.insert({
      id, shopId, kind: 'course', title, sku, description: null, active: true, prices: [{ currency: 'USD', amount }], courseIds: [],
    });
    await course(1, 'JS-FUND', 'JavaScript Fundamentals', 4999);
    await course(2, 'ADV-REACT', 'Advanced React', 9999);
    await course(3, 'NODE-MASTERY', 'Node.js Mastery', 4999);
    await tx.products.insert({
      id: 4, shopId, kind: 'bundle', title: 'Full-Stack JavaScript Bundle', sku: 'FULLSTACK-BUNDLE',
      description: 'All three courses', active: true, prices: [{ currency: 'USD', amount: 16999 }], courseIds: [1, 2, 3],
    });
    await tx.promoCodes.insert({
      id: deps.ids.next('promo'), shopId, code: DEMO.promoCode, kind: 'percent_off', percentOffPpm: 100_000,
      amount: null, currency: null, productId: null, expiresAt: null, usageLimit: null, timesUsed: 0,
      oncePerCustomer: true, active: true,
    });
    await tx.gateways.insert({ id: deps.ids.next('gw'), shopId, kind: 'sandbox', name: 'Sandbox (test cards)', config: {} });
    if (!(await tx.customers.getByEmail(DEMO.customerEmail))) {
      await tx.customers.insert({
        id: deps.ids.next('cus'), email: DEMO.customerEmail, firstName: 'Demo', lastName: 'Learner', restricted: false, passwordHash,
      });
    }
    return true;
  });
  await ensureApiKey(deps, DEMO.integrationKey, 'Demo integration key', 'integration');
  if (!created) return { shopId: (await deps.store.settings.get('demo_shop_id'))!, created: false };
  return { shopId, created: true };
}
