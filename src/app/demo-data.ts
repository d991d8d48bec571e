/**
 * Demo data for a first start: a USD shop, courses 1–3 (so the course checkout's `{"courses": [1, 2, 3]}`
 * works as written), a bundle, a customer who can sign in, a promo code, a sandbox gateway and an
 * integration key. The key is random per database and shown once, at the start that created it: nothing
 * public grants access. Runs once: a database that already has the demo shop is left alone.
 */
import type { Repos } from '../ports/store.js';
import { newApiKeySecret, storeKey } from './api-keys.js';
import type { Deps } from './deps.js';

export const DEMO = {
  shopName: 'Paybridge Demo Academy',
  customerEmail: 'learner@example.com',
  customerPassword: 'paybridge-demo',
  promoCode: 'WELCOME10',
} as const;

/**
 * The demo integration key that earlier versions shipped to everybody. It is revoked wherever it still
 * exists: a published key must not grant access to anything.
 */
export const LEGACY_DEMO_KEY = 'pb_demo_integration_key_do_not_use_in_production';

export interface DemoSummary {
  readonly shopId: string;
  readonly created: boolean;
  /** The demo integration key when this start created it (print it once); null otherwise. */
  readonly integrationKey: string | null;
}

const KEY_NAME = 'Demo integration key';

/** Creates the database's random demo integration key in `tx`, unless one was made before; returns it. */
async function demoKey(deps: Deps, tx: Repos): Promise<string | null> {
  const secret = newApiKeySecret(deps, 'demo');
  const id = deps.ids.next('key');
  if ((await tx.settings.putIfAbsent('demo_integration_key_id', id)) !== id) return null;
  await storeKey(deps, tx, { id, secret, name: KEY_NAME, role: 'integration' });
  return secret;
}

/** Revokes the published demo key if this database still has it. */
async function revokeLegacyKey(deps: Deps): Promise<void> {
  const legacy = await deps.store.apiKeys.getByHash(deps.hasher.hashToken(LEGACY_DEMO_KEY));
  if (legacy && legacy.revokedAt === null) await deps.store.apiKeys.revoke(legacy.id, deps.clock.now());
}

export async function createDemoData(deps: Deps): Promise<DemoSummary> {
  await revokeLegacyKey(deps);
  const existing = await deps.store.settings.get('demo_shop_id');
  if (existing) {
    // A database given demo data by an earlier version had only the published key: it gets a random one now.
    const integrationKey = await deps.store.tx((tx) => demoKey(deps, tx));
    return { shopId: existing, created: false, integrationKey };
  }
  const shopId = deps.ids.next('shop');
  const passwordHash = await deps.hasher.hashPassword(DEMO.customerPassword);
  const created = await deps.store.tx(async (tx) => {
    // Claimed first: of two processes creating the demo data of a fresh database at once, the second finds the claim
    // (PostgreSQL makes it wait for the first's commit) and creates nothing.
    if ((await tx.settings.putIfAbsent('demo_shop_id', shopId)) !== shopId) return null;
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
        id: deps.ids.next('cus'), email: DEMO.customerEmail, firstName: 'Demo', lastName: 'Learner', restricted: false, passwordHash, externalId: null,
      });
    }
    return { integrationKey: await demoKey(deps, tx) };
  });
  if (!created) return { shopId: (await deps.store.settings.get('demo_shop_id'))!, created: false, integrationKey: null };
  return { shopId, created: true, integrationKey: created.integrationKey };
}
