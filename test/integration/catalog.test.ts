/**
 * The catalog an admin sets up and the rules it feeds into pricing: shops, courses and bundles,
 * customers, promo codes, tax rates — and cursor pagination over every list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe.each(DIALECTS)('the catalog (%s)', (dialect) => {
  let t: TestApp;
  let n = 0;
  const admin = (method: Method, url: string, payload?: object) => t.request({ method, url, auth: ADMIN_KEY, ...(payload ? { payload } : {}) });
  const created = async (url: string, payload: object) => {
    const res = await admin('POST', url, payload);
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`);
    return res.json();
  };
  const newShop = async () => (await created('/api/v1/shops', { name: `Shop ${++n}`, currency: 'USD' })).id as string;
  const course = async (shopId: string, amount = 4999) =>
    (await created('/api/v1/products', { shop_id: shopId, title: 'Course', sku: `C-${++n}`, prices: [{ currency: 'USD', amount }] })).id as number;
  const order = (shopId: string, productId: number, extra: object = {}, auth: string = INTEGRATION_KEY) =>
    t.request({ method: 'POST', url: '/api/v1/orders', auth, payload: { shop_id: shopId, lines: [{ product_id: productId }], ...extra } });

  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });

  describe('products', () => {
    it('creates a course, and a bundle of that shop\'s courses', async () => {
      const shop = await newShop();
      const [a, b] = [await course(shop), await course(shop, 2500)];
      const bundle = await created('/api/v1/products', { shop_id: shop, kind: 'bundle', title: 'Both', sku: 'BOTH', prices: [{ currency: 'USD', amount: 6000 }, { currency: 'eur', amount: 5500 }], course_ids: [a, b] });
      expect(bundle).toMatchObject({ kind: 'bundle', course_ids: [a, b] });
      expect(bundle.prices).toHaveLength(2);
      expect(bundle.prices).toEqual(expect.arrayContaining([{ currency: 'USD', amount: 6000 }, { currency: 'EUR', amount: 5500 }]));
      expect((await admin('GET', `/api/v1/products/${bundle.id}`)).json()).toEqual(bundle);
      expect((await admin('GET', `/api/v1/products/${a}`)).json()).toMatchObject({ kind: 'course', course_ids: [] });
    });

    it('keeps SKUs unique within a shop, but not across shops', async () => {
      const [shop, other] = [await newShop(), await newShop()];
      const body = (shopId: string, sku: string) => ({ shop_id: shopId, title: 'T', sku, prices: [{ currency: 'USD', amount: 100 }] });
      await created('/api/v1/products', body(shop, 'SAME'));
      const dup = await admin('POST', '/api/v1/products', body(shop, 'SAME'));
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error).toMatchObject({ code: 'already_exists', details: [{ field: '/sku' }] });
      expect((await admin('POST', '/api/v1/products', body(other, 'SAME'))).statusCode).toBe(201);
      const renamed = await admin('PATCH', `/api/v1/products/${await course(shop)}`, { sku: 'SAME' });
      expect(renamed.statusCode).toBe(409);
    });

    it('refuses an unknown currency with a 422 that names the field', async () => {
      const shop = await newShop();
      const res = await admin('POST', '/api/v1/products', { shop_id: shop, title: 'T', sku: 'X1', prices: [{ currency: 'USD', amount: 1 }, { currency: 'XQZ', amount: 1 }] });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'unsupported_currency', details: [{ field: '/prices/1/currency' }] });
      const badShop = await admin('POST', '/api/v1/shops', { name: 'Nowhere', currency: 'ABC' });
      expect(badShop.statusCode).toBe(422);
      expect(badShop.json().error.details).toEqual([expect.objectContaining({ field: '/currency' })]);
    });

    it.each([
      ['another bundle', async (_shop: string, bundle: number) => [bundle], '/course_ids/0'],
      ['a course of another shop', async () => [await course(await newShop())], '/course_ids/0'],
      ['a product that does not exist', async () => [999_999], '/course_ids/0'],
      ['no course at all', async () => [], '/course_ids'],
    ])('refuses a bundle listing %s', async (_case, ids, field) => {
      const shop = await newShop();
      const first = await created('/api/v1/products', { shop_id: shop, kind: 'bundle', title: 'B', sku: `B-${++n}`, prices: [{ currency: 'USD', amount: 1 }], course_ids: [await course(shop)] });
      const res = await admin('POST', '/api/v1/products', { shop_id: shop, kind: 'bundle', title: 'B2', sku: `B-${++n}`, prices: [{ currency: 'USD', amount: 1 }], course_ids: await ids(shop, first.id) });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ field }] });
    });
  });

  describe('customers', () => {
    it('treats e-mail addresses as unique whatever their case', async () => {
      await created('/api/v1/customers', { email: 'Dup@Example.com' });
      const dup = await admin('POST', '/api/v1/customers', { email: 'dup@example.COM' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error).toMatchObject({ code: 'already_exists', details: [{ field: '/email' }] });
      const other = await created('/api/v1/customers', { email: 'other@example.com' });
      expect((await admin('PATCH', `/api/v1/customers/${other.id}`, { email: 'DUP@example.com' })).statusCode).toBe(409);
      const found = await admin('GET', '/api/v1/customers?email=DUP@EXAMPLE.COM');
      expect(found.json().data).toEqual([expect.objectContaining({ email: 'Dup@Example.com' })]);
    });

    it('creates one customer when several sign-ups with one e-mail arrive together', async () => {
      const results = await Promise.all(['race@example.com', 'Race@example.com', 'RACE@example.com'].map((email) => admin('POST', '/api/v1/customers', { email })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().error.code).toBe('already_exists');
    });

    it('lets a customer read and update itself through /customers/me and its own id, never another', async () => {
      const me = await t.customerToken('self@example.com');
      const other = await t.customerToken('someone-else@example.com');
      const call = (method: Method, url: string, payload?: object) => t.request({ method, url, auth: me.token, ...(payload ? { payload } : {}) });
      expect((await call('PATCH', '/api/v1/customers/me', { first_name: 'Grace' })).statusCode).toBe(200);
      expect((await call('PATCH', `/api/v1/customers/${me.id}`, { last_name: 'Hopper' })).statusCode).toBe(200);
      for (const url of ['/api/v1/customers/me', `/api/v1/customers/${me.id}`]) {
        expect((await call('GET', url)).json()).toMatchObject({ id: me.id, first_name: 'Grace', last_name: 'Hopper', has_password: true });
      }
      expect((await call('PATCH', '/api/v1/customers/me', { restricted: false })).statusCode).toBe(403);
      expect((await call('GET', `/api/v1/customers/${other.id}`)).statusCode).toBe(404);
      expect((await call('PATCH', `/api/v1/customers/${other.id}`, { first_name: 'X' })).statusCode).toBe(404);
      expect((await admin('GET', `/api/v1/customers/${other.id}`)).json().first_name).toBeNull();
    });
  });

  describe('promo codes', () => {
    it.each([
      ['percent_off', { percent_off: 25 }, 1250],
      ['amount_off', { amount: 1000, currency: 'USD' }, 1000],
      ['price_override', { amount: 1999, currency: 'USD' }, 3000],
    ])('takes a %s code off a 49.99 course', async (kind, fields, discount) => {
      const shop = await newShop();
      const product = await course(shop);
      const promo = await created('/api/v1/promo-codes', { shop_id: shop, code: `P${++n}`, kind, ...fields });
      expect(promo).toMatchObject({ kind, times_used: 0, active: true });
      const res = await order(shop, product, { promo_code: promo.code.toLowerCase() });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ subtotal: 4999, discount, tax: 0, total: 4999 - discount, promo_code: promo.code });
    });

    it('refuses an expired code when the order is created', async () => {
      const shop = await newShop();
      const product = await course(shop);
      await created('/api/v1/promo-codes', { shop_id: shop, code: 'SOON', kind: 'percent_off', percent_off: 10, expires_at: new Date(t.clock.now() + 3600_000).toISOString() });
      expect((await order(shop, product, { promo_code: 'SOON' })).statusCode).toBe(201);
      t.clock.advance(3600_000);
      const res = await order(shop, product, { promo_code: 'SOON' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'promo_code_invalid', message: expect.stringContaining('expired'), details: [{ field: '/promo_code' }] });
    });

    it('stops accepting a code once its usage limit is reached, and a cancelled order gives its use back', async () => {
      const shop = await newShop();
      const product = await course(shop);
      const promo = await created('/api/v1/promo-codes', { shop_id: shop, code: 'TWICE', kind: 'amount_off', amount: 500, currency: 'USD', usage_limit: 2 });
      const first = await order(shop, product, { promo_code: 'TWICE' });
      expect((await order(shop, product, { promo_code: 'TWICE' })).statusCode).toBe(201);
      const third = await order(shop, product, { promo_code: 'TWICE' });
      expect(third.statusCode).toBe(422);
      expect(third.json().error).toMatchObject({ code: 'promo_code_invalid', message: expect.stringContaining('used up') });
      expect((await admin('GET', `/api/v1/promo-codes/${promo.id}`)).json().times_used).toBe(2);
      await admin('POST', `/api/v1/orders/${first.json().id}/cancel`, {});
      expect((await order(shop, product, { promo_code: 'TWICE' })).statusCode).toBe(201);
    });

    it('never lets concurrent orders use a code more often than its limit', async () => {
      const shop = await newShop();
      const product = await course(shop);
      const promo = await created('/api/v1/promo-codes', { shop_id: shop, code: 'RUSH', kind: 'percent_off', percent_off: 10, usage_limit: 3 });
      const results = await Promise.all(Array.from({ length: 8 }, () => order(shop, product, { promo_code: 'RUSH' })));
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
      for (const r of results.filter((x) => x.statusCode !== 201)) expect(r.json().error.code).toBe('promo_code_invalid');
      expect((await admin('GET', `/api/v1/promo-codes/${promo.id}`)).json().times_used).toBe(3);
    });

    it('lets each customer use a once-per-customer code once, even with orders sent together', async () => {
      const shop = await newShop();
      const product = await course(shop);
      await created('/api/v1/promo-codes', { shop_id: shop, code: 'ONCE', kind: 'percent_off', percent_off: 50, once_per_customer: true });
      const [ann, ben] = [await t.customerToken('ann@example.com'), await t.customerToken('ben@example.com')];
      const together = await Promise.all(Array.from({ length: 4 }, () => order(shop, product, { promo_code: 'ONCE' }, ann.token)));
      expect(together.map((r) => r.statusCode).sort()).toEqual([201, 422, 422, 422]);
      const again = await order(shop, product, { promo_code: 'ONCE' }, ann.token);
      expect(again.statusCode).toBe(422);
      expect(again.json().error).toMatchObject({ code: 'promo_code_invalid', message: expect.stringContaining('already used by this customer') });
      expect((await order(shop, product, { promo_code: 'ONCE' }, ben.token)).statusCode).toBe(201);
    });
  });

  describe('tax rates', () => {
    it('applies the rate of the order\'s country, else the shop\'s default', async () => {
      const shop = await newShop();
      const product = await course(shop);
      await created('/api/v1/tax-rates', { shop_id: shop, name: 'Default', percentage: 10 });
      await created('/api/v1/tax-rates', { shop_id: shop, name: 'DE VAT', country: 'de', percentage: '19' });
      const tax = async (country?: string) => (await order(shop, product, country ? { country } : {})).json().tax;
      expect(await tax('DE')).toBe(950); // 19% of 49.99 = 9.4981
      expect(await tax('FR')).toBe(500);
      expect(await tax()).toBe(500);
      const again = await admin('POST', '/api/v1/tax-rates', { shop_id: shop, name: 'Again', country: 'DE', percentage: 7 });
      expect(again.statusCode).toBe(409);
    });

    it('accepts a percentage such as "8.875" exactly, and refuses one more precise than a ppm', async () => {
      const shop = await newShop();
      const rate = await created('/api/v1/tax-rates', { shop_id: shop, name: 'NYC', country: 'US', percentage: '8.875' });
      expect(rate.percentage).toBe(8.875);
      expect((await order(shop, await course(shop), { country: 'US' })).json().tax).toBe(444); // 8.875% of 49.99 = 4.4366
      for (const percentage of ['8.87501', 8.87501, '100.5', '-1', 'ten']) {
        const res = await admin('POST', '/api/v1/tax-rates', { shop_id: shop, name: 'Bad', country: 'CA', percentage });
        expect(res.statusCode, String(percentage)).toBe(422);
        expect(res.json().error.details).toEqual([expect.objectContaining({ field: '/percentage' })]);
      }
    });
  });

  describe('pagination', () => {
    it.each([
      ['customers', (i: number) => ({ email: `page-${i}@example.com` })],
      ['products', (i: number) => ({ shop_id: t.shopId, title: 'Paged', sku: `PAGE-${i}`, prices: [{ currency: 'USD', amount: 100 }] })],
      ['shops', (i: number) => ({ name: `Paged ${i}`, currency: 'EUR' })],
    ])('walks /%s page by page: every item exactly once, has_more false at the end', async (resource, body) => {
      const made: unknown[] = [];
      for (let i = 0; i < 7; i++) made.push((await created(`/api/v1/${resource}`, body(i))).id);
      const seen: unknown[] = [];
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(100);
        const res = await admin('GET', `/api/v1/${resource}?limit=3${cursor ? `&starting_after=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page = res.json();
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data.map((item: { id: unknown }) => item.id));
        if (!page.has_more) {
          expect(page.next_cursor).toBeNull();
          break;
        }
        expect(page.data).toHaveLength(3);
        cursor = page.next_cursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(made));
    });

    it.each(['not-a-cursor', Buffer.from('{"id":1}').toString('base64url'), '%%%'])('refuses the cursor %s with a 422', async (cursor) => {
      const res = await admin('GET', `/api/v1/customers?starting_after=${cursor}`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'querystring:/starting_after' }] });
    });

    it.each(['0', '101', 'ten'])('refuses limit=%s with a 422 naming the parameter', async (limit) => {
      const res = await admin('GET', `/api/v1/products?limit=${limit}`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details[0].field).toMatch(/^querystring:\/limit/);
    });
  });
});
