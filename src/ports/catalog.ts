/** The catalog: shops, products and their prices, promo codes and tax rates. */
import type { New, Page, PageRequest, Patch } from './common.js';

export interface Shop {
  readonly id: string;
  readonly name: string;
  readonly currency: string;
  /** Skilljar-compatible purchases: the merchant's external checkout page; the purchase id is appended as `?purchase_id=`. */
  readonly remoteCheckoutUrl: string | null;
  readonly successUrl: string | null;
  readonly cancelUrl: string | null;
  readonly autoCapture: boolean;
  /** Days between a successful payment and the order becoming `approved` (payment orders `completed`), 1–3. */
  readonly clearingDays: number;
  /** Standard Webhooks secret (`whsec_…`) that signs this shop's callbacks and verifies its inbound webhooks. */
  readonly webhookSecret: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ProductKind = 'course' | 'bundle';

export interface ProductPrice {
  readonly currency: string;
  readonly amount: number;
}

export interface Product {
  readonly id: number;
  readonly shopId: string;
  readonly kind: ProductKind;
  readonly title: string;
  readonly sku: string;
  readonly description: string | null;
  readonly active: boolean;
  readonly prices: readonly ProductPrice[];
  /** For a bundle, the ids of the courses it grants; empty for a course. */
  readonly courseIds: readonly number[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type PromoKind = 'percent_off' | 'amount_off' | 'price_override';

export interface PromoCode {
  readonly id: string;
  readonly shopId: string;
  /** Stored upper-case; matched case-insensitively. */
  readonly code: string;
  readonly kind: PromoKind;
  /** percent_off: parts per million (25% = 250000). */
  readonly percentOffPpm: number | null;
  /** amount_off / price_override: minor units of `currency`. */
  readonly amount: number | null;
  readonly currency: string | null;
  /** Restricts the code to one product; null applies it to every line. */
  readonly productId: number | null;
  readonly expiresAt: number | null;
  readonly usageLimit: number | null;
  readonly timesUsed: number;
  readonly oncePerCustomer: boolean;
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TaxRate {
  readonly id: string;
  readonly shopId: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2; null is the shop's default rate, used when no country-specific rate matches. */
  readonly country: string | null;
  /** Exclusive tax rate in parts per million (20% = 200000). */
  readonly ratePpm: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ShopRepo {
  insert(shop: New<Shop>): Promise<Shop>;
  update(id: string, patch: Patch<Shop>): Promise<Shop | undefined>;
  get(id: string): Promise<Shop | undefined>;
  list(page: PageRequest): Promise<Page<Shop>>;
}

export interface ProductRepo {
  /** Inserts with the next integer id, or with `id` when given (demo data pins ids 1, 2, 3). */
  insert(product: Omit<New<Product>, 'id'> & { id?: number }): Promise<Product>;
  update(id: number, patch: Patch<Product>): Promise<Product | undefined>;
  get(id: number): Promise<Product | undefined>;
  getMany(ids: readonly number[]): Promise<Product[]>;
  getBySku(shopId: string, sku: string): Promise<Product | undefined>;
  list(filter: { shopId?: string | undefined; active?: boolean | undefined }, page: PageRequest): Promise<Page<Product>>;
}

export interface PromoCodeRepo {
  insert(promo: New<PromoCode>): Promise<PromoCode>;
  update(id: string, patch: Patch<PromoCode>): Promise<PromoCode | undefined>;
  get(id: string): Promise<PromoCode | undefined>;
  /** `code` is matched case-insensitively. */
  getByCode(shopId: string, code: string): Promise<PromoCode | undefined>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<PromoCode>>;
  /** Counts one use, only while under the usage limit; false when the code is used up. */
  use(id: string): Promise<boolean>;
  /** Gives one use back (the order that used it was cancelled). */
  release(id: string): Promise<void>;
}

export interface TaxRateRepo {
  insert(rate: New<TaxRate>): Promise<TaxRate>;
  update(id: string, patch: Patch<TaxRate>): Promise<TaxRate | undefined>;
  get(id: string): Promise<TaxRate | undefined>;
  delete(id: string): Promise<boolean>;
  list(filter: { shopId?: string | undefined }, page: PageRequest): Promise<Page<TaxRate>>;
  /** The rate for `country` in the shop, else the shop's default (country null), else undefined. */
  find(shopId: string, country: string | null): Promise<TaxRate | undefined>;
}
