/** Shops, products, customers, promo codes, tax rates and gateway configurations. */
import type {
  Product, ProductPrice, ProductRepo, PromoCode, PromoCodeRepo, Shop, ShopRepo, TaxRate, TaxRateRepo,
} from '../../../ports/catalog.js';
import type { Customer, CustomerRepo } from '../../../ports/customers.js';
import type { Gateway, GatewayRepo } from '../../../ports/gateways.js';
import { sql } from 'kysely';
import { cachedRows, crud, slot, toRow, type Columns, type Db, type Row, type NewRow } from '../mapping.js';

const times = { createdAt: ['created_at'], updatedAt: ['updated_at'] } as const;

const SHOP: Columns<Shop> = {
  id: ['id'], name: ['name'], currency: ['currency'], remoteCheckoutUrl: ['remote_checkout_url'],
  successUrl: ['success_url'], cancelUrl: ['cancel_url'], autoCapture: ['auto_capture', 'bool'],
  clearingDays: ['clearing_days'], webhookSecret: ['webhook_secret'], ...times,
};

export function shopRepo(db: Db, now: () => number): ShopRepo {
  const base = crud(db, 'shops', SHOP);
  return {
    insert: (shop) => base.insert({ ...shop, createdAt: now(), updatedAt: now() }),
    update: (id, patch) => base.update(id, { ...patch, updatedAt: now() }),
    get: (id) => base.get(id),
    list: (page) => base.list({}, page),
  };
}

type ProductRow = Omit<Product, 'prices' | 'courseIds'>;
const PRODUCT: Columns<ProductRow> = {
  id: ['id'], shopId: ['shop_id'], kind: ['kind'], title: ['title'], sku: ['sku'],
  description: ['description'], active: ['active', 'bool'], ...times,
};

export function productRepo(db: Db, now: () => number, dialect: 'sqlite' | 'postgres'): ProductRepo {
  const base = crud<ProductRow>(db, 'products', PRODUCT);

  async function hydrate(rows: ProductRow[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const prices = await cachedRows(db, `product_prices.of(${ids.length})`, ids,
      () => db.selectFrom('product_prices').selectAll().where('product_id', 'in', ids.map((_, i) => slot(i))).orderBy('currency'));
    const courses = await cachedRows(db, `bundle_courses.of(${ids.length})`, ids,
      () => db.selectFrom('bundle_courses').selectAll().where('bundle_id', 'in', ids.map((_, i) => slot(i))).orderBy('position'));
    return rows.map((r) => ({
      ...r,
      prices: prices.filter((p) => p['product_id'] === r.id)
        .map((p): ProductPrice => ({ currency: p['currency'] as string, amount: p['amount'] as number })),
      courseIds: courses.filter((c) => c['bundle_id'] === r.id).map((c) => c['course_id'] as number),
    }));
  }

  async function writeChildren(id: number, prices?: readonly ProductPrice[], courseIds?: readonly number[]) {
    if (prices !== undefined) {
      await db.deleteFrom('product_prices').where('product_id', '=', id).execute();
      if (prices.length > 0) {
        await db.insertInto('product_prices')
          .values(prices.map((p) => ({ product_id: id, currency: p.currency, amount: p.amount }))).execute();
      }
    }
    if (courseIds !== undefined) {
      await db.deleteFrom('bundle_courses').where('bundle_id', '=', id).execute();
      if (courseIds.length > 0) {
        await db.insertInto('bundle_courses')
          .values(courseIds.map((c, position) => ({ bundle_id: id, course_id: c, position }))).execute();
      }
    }
  }

  const one = async (row: ProductRow | undefined) => (row ? (await hydrate([row]))[0] : undefined);

  return {
    async insert({ prices, courseIds, ...rest }) {
      const row = await base.insert({ ...rest, createdAt: now(), updatedAt: now() });
      if (rest.id !== undefined && dialect === 'postgres') {
        // An explicit id does not advance the identity sequence; move it past the highest id.
        await sql`select setval(pg_get_serial_sequence('products', 'id'), (select max(id) from products))`.execute(db);
      }
      await writeChildren(row.id, prices, courseIds);
      return (await one(row))!;
    },
    async update(id, { prices, courseIds, ...rest }) {
      const row = await base.update(id, { ...rest, updatedAt: now() });
      if (!row) return undefined;
      await writeChildren(id, prices, courseIds);
      return one(row);
    },
    get: async (id) => one(await base.get(id)),
    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = await cachedRows(db, `products.getMany(${ids.length})`, ids,
        () => db.selectFrom('products').selectAll().where('id', 'in', ids.map((_, i) => slot(i))));
      return hydrate(rows.map(base.map));
    },
    async getBySku(shopId, sku) {
      const row = await db.selectFrom('products').selectAll().where('shop_id', '=', shopId).where('sku', '=', sku)
        .executeTakeFirst();
      return one(row ? base.map(row) : undefined);
    },
    async list(filter, page) {
      const where = toRow(PRODUCT, { shopId: filter.shopId, active: filter.active } as Partial<ProductRow>);
      const result = await base.list(where, page);
      return { items: await hydrate([...result.items]), hasMore: result.hasMore };
    },
  };
}

const CUSTOMER: Columns<Customer> = {
  id: ['id'], email: ['email'], externalId: ['external_id'], firstName: ['first_name'], lastName: ['last_name'],
  restricted: ['restricted', 'bool'], passwordHash: ['password_hash'], ...times,
};

export function customerRepo(db: Db, now: () => number): CustomerRepo {
  const base = crud(db, 'customers', CUSTOMER);
  const lower = (email: string | undefined) => (email === undefined ? {} : { email_lower: email.toLowerCase() });
  return {
    async insert(customer) {
      const row = await db.insertInto('customers')
        .values({ ...toRow(CUSTOMER, { ...customer, createdAt: now(), updatedAt: now() }), ...lower(customer.email) } as NewRow<'customers'>)
        .returningAll().executeTakeFirstOrThrow();
      return base.map(row);
    },
    async update(id, patch) {
      const values = { ...toRow(CUSTOMER, { ...patch, updatedAt: now() }), ...lower(patch.email) };
      const row = await db.updateTable('customers').set(values).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    get: (id) => base.get(id),
    async getByEmail(email) {
      const row = await db.selectFrom('customers').selectAll().where('email_lower', '=', email.toLowerCase())
        .executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async getByExternalId(externalId) {
      const row = await db.selectFrom('customers').selectAll().where('external_id', '=', externalId).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    list: (filter, page) => base.list({ email_lower: filter.email?.toLowerCase(), external_id: filter.externalId }, page),
  };
}

const PROMO: Columns<PromoCode> = {
  id: ['id'], shopId: ['shop_id'], code: ['code'], kind: ['kind'], percentOffPpm: ['percent_off_ppm'],
  amount: ['amount'], currency: ['currency'], productId: ['product_id'], expiresAt: ['expires_at'],
  usageLimit: ['usage_limit'], timesUsed: ['times_used'], oncePerCustomer: ['once_per_customer', 'bool'],
  active: ['active', 'bool'], ...times,
};

export function promoCodeRepo(db: Db, now: () => number): PromoCodeRepo {
  const base = crud(db, 'promo_codes', PROMO);
  return {
    insert: (promo) => base.insert({ ...promo, code: promo.code.toUpperCase(), createdAt: now(), updatedAt: now() }),
    update: (id, patch) => base.update(id, {
      ...patch, ...(patch.code === undefined ? {} : { code: patch.code.toUpperCase() }), updatedAt: now(),
    }),
    get: (id) => base.get(id),
    async getByCode(shopId, code) {
      const row = await db.selectFrom('promo_codes').selectAll().where('shop_id', '=', shopId)
        .where('code', '=', code.toUpperCase()).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    list: (filter, page) => base.list({ shop_id: filter.shopId }, page),
    async use(id) {
      const r = await db.updateTable('promo_codes').set({ times_used: sql`times_used + 1` }).where('id', '=', id)
        .where((eb) => eb.or([eb('usage_limit', 'is', null), eb('times_used', '<', eb.ref('usage_limit'))]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async release(id) {
      await db.updateTable('promo_codes').set({ times_used: sql`times_used - 1` }).where('id', '=', id)
        .where('times_used', '>', 0).execute();
    },
  };
}

const TAX: Columns<TaxRate> = {
  id: ['id'], shopId: ['shop_id'], name: ['name'], country: ['country'], ratePpm: ['rate_ppm'], ...times,
};

export function taxRateRepo(db: Db, now: () => number): TaxRateRepo {
  const base = crud(db, 'tax_rates', TAX);
  // The default rate is stored with country '' so that (shop, country) can be unique on both databases.
  const fix = (r: TaxRate | undefined): TaxRate | undefined => (r && r.country === '' ? { ...r, country: null } : r);
  const stored = (c: string | null | undefined) => (c === undefined ? {} : { country: c === null ? '' : c.toUpperCase() });
  return {
    insert: async (rate) => fix(await base.insert({ ...rate, ...stored(rate.country), createdAt: now(), updatedAt: now() }))!,
    update: async (id, patch) => fix(await base.update(id, { ...patch, ...stored(patch.country), updatedAt: now() })),
    get: async (id) => fix(await base.get(id)),
    async delete(id) {
      const result = await db.deleteFrom('tax_rates').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async list(filter, page) {
      const result = await base.list({ shop_id: filter.shopId }, page);
      return { items: result.items.map((r) => fix(r)!), hasMore: result.hasMore };
    },
    async find(shopId, country) {
      const rows: Row[] = await db.selectFrom('tax_rates').selectAll().where('shop_id', '=', shopId)
        .where('country', 'in', country ? [country.toUpperCase(), ''] : ['']).execute();
      const best = rows.find((r) => r['country'] !== '') ?? rows[0];
      return best ? fix(base.map(best)) : undefined;
    },
  };
}

const GATEWAY: Columns<Gateway> = {
  id: ['id'], shopId: ['shop_id'], kind: ['kind'], name: ['name'], config: ['config', 'json'], ...times,
};

export function gatewayRepo(db: Db, now: () => number): GatewayRepo {
  const base = crud(db, 'gateways', GATEWAY);
  return {
    insert: (gateway) => base.insert({ ...gateway, createdAt: now(), updatedAt: now() }),
    get: (id) => base.get(id),
    list: (filter, page) => base.list({ shop_id: filter.shopId }, page),
  };
}
