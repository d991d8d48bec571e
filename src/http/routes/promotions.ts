/** Promo codes and tax rates: the pricing rules an admin sets per shop. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createPromoCode, updatePromoCode } from '../../app/promo-codes.js';
import { createTaxRate, updateTaxRate } from '../../app/tax-rates.js';
import { found } from '../../app/validate.js';
import { unwrap } from '../../domain/errors.js';
import { parsePercent, PPM } from '../../domain/money.js';
import type { PromoCode, TaxRate } from '../../ports/catalog.js';
import { iso, isoOrNull } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, MinorUnits, Nullable, NullableTimestamp, ShortText, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const Percent = Type.Union([Type.Number(), Type.String({ maxLength: 12 })], { description: 'A percentage, e.g. 10 or "8.875"' });
const percent = (ppm: number) => ppm / (PPM / 100);
const ppm = (value: number | string, field: string) => unwrap(parsePercent(value, { field }));
const time = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : Date.parse(value));

export const PromoCodeSchema = Type.Object({
  id: Type.String(), object: Type.Literal('promo_code'), shop_id: Type.String(), code: Type.String(),
  kind: Type.Union([Type.Literal('percent_off'), Type.Literal('amount_off'), Type.Literal('price_override')]),
  percent_off: Nullable(Type.Number()), amount: Nullable(Type.Integer()), currency: Nullable(Type.String()),
  product_id: Nullable(Type.Integer()), expires_at: NullableTimestamp, usage_limit: Nullable(Type.Integer()),
  times_used: Type.Integer(), once_per_customer: Type.Boolean(), active: Type.Boolean(),
  created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'PromoCode' });

function promoView(p: PromoCode) {
  return {
    id: p.id, object: 'promo_code' as const, shop_id: p.shopId, code: p.code, kind: p.kind,
    percent_off: p.percentOffPpm === null ? null : percent(p.percentOffPpm), amount: p.amount, currency: p.currency,
    product_id: p.productId, expires_at: isoOrNull(p.expiresAt), usage_limit: p.usageLimit, times_used: p.timesUsed,
    once_per_customer: p.oncePerCustomer, active: p.active, created_at: iso(p.createdAt), updated_at: iso(p.updatedAt),
  };
}

const Limits = {
  expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  usage_limit: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  once_per_customer: Type.Optional(Type.Boolean()),
  active: Type.Optional(Type.Boolean()),
};
const CreatePromo = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  code: Type.String({ minLength: 2, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }),
  kind: Type.Union([Type.Literal('percent_off'), Type.Literal('amount_off'), Type.Literal('price_override')]),
  percent_off: Type.Optional(Percent),
  amount: Type.Optional(MinorUnits),
  currency: Type.Optional(CurrencyCode),
  product_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  ...Limits,
}, { additionalProperties: false });
const UpdatePromo = Type.Object(Limits, { additionalProperties: false });

export const TaxRateSchema = Type.Object({
  id: Type.String(), object: Type.Literal('tax_rate'), shop_id: Type.String(), name: Type.String(),
  country: Nullable(Type.String()), percentage: Type.Number(), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'TaxRate' });

function taxView(t: TaxRate) {
  return {
    id: t.id, object: 'tax_rate' as const, shop_id: t.shopId, name: t.name, country: t.country,
    percentage: percent(t.ratePpm), created_at: iso(t.createdAt), updated_at: iso(t.updatedAt),
  };
}

const CreateTax = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }), name: ShortText,
  country: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2; omit for the shop default' }))),
  percentage: Percent,
}, { additionalProperties: false });
const UpdateTax = Type.Object({ name: Type.Optional(ShortText), percentage: Type.Optional(Percent) }, { additionalProperties: false });
const ShopFilter = listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) });

export async function promotionRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const read = { roles: ['admin', 'integration'] as const };
  const write = { roles: ['admin'] as const };

  app.post('/promo-codes', {
    config: write, schema: { tags: ['Promo codes'], summary: 'Create a promo code', body: CreatePromo, response: responses(201, PromoCodeSchema) },
  }, async (req, reply) => {
    const b = req.body;
    reply.status(201);
    return promoView(await createPromoCode(deps, {
      shopId: b.shop_id, code: b.code, kind: b.kind,
      percentOffPpm: b.percent_off === undefined ? null : ppm(b.percent_off, '/percent_off'),
      amount: b.amount, currency: b.currency, productId: b.product_id, expiresAt: time(b.expires_at),
      usageLimit: b.usage_limit, oncePerCustomer: b.once_per_customer, active: b.active,
    }));
  });
  app.get('/promo-codes', {
    config: read, schema: { tags: ['Promo codes'], summary: 'List promo codes', querystring: ShopFilter, response: responses(200, listOf(PromoCodeSchema)) },
  }, async (req) => listBody(await deps.store.promoCodes.list({ shopId: req.query.shop_id }, pageRequest(req.query)), promoView, (p) => p.id));
  app.get('/promo-codes/:id', {
    config: read, schema: { tags: ['Promo codes'], summary: 'Retrieve a promo code', params: StringId, response: responses(200, PromoCodeSchema) },
  }, async (req) => promoView(found(await deps.store.promoCodes.get(req.params.id), 'promo code', req.params.id)));
  app.patch('/promo-codes/:id', {
    config: write, schema: { tags: ['Promo codes'], summary: 'Change a promo code\'s limits', params: StringId, body: UpdatePromo, response: responses(200, PromoCodeSchema) },
  }, async (req) => promoView(await updatePromoCode(deps, req.params.id, {
    expiresAt: time(req.body.expires_at), usageLimit: req.body.usage_limit, oncePerCustomer: req.body.once_per_customer, active: req.body.active,
  })));

  app.post('/tax-rates', {
    config: write, schema: { tags: ['Tax rates'], summary: 'Create a tax rate', body: CreateTax, response: responses(201, TaxRateSchema) },
  }, async (req, reply) => {
    reply.status(201);
    return taxView(await createTaxRate(deps, {
      shopId: req.body.shop_id, name: req.body.name, country: req.body.country, ratePpm: ppm(req.body.percentage, '/percentage'),
    }));
  });
  app.get('/tax-rates', {
    config: read, schema: { tags: ['Tax rates'], summary: 'List tax rates', querystring: ShopFilter, response: responses(200, listOf(TaxRateSchema)) },
  }, async (req) => listBody(await deps.store.taxRates.list({ shopId: req.query.shop_id }, pageRequest(req.query)), taxView, (t) => t.id));
  app.get('/tax-rates/:id', {
    config: read, schema: { tags: ['Tax rates'], summary: 'Retrieve a tax rate', params: StringId, response: responses(200, TaxRateSchema) },
  }, async (req) => taxView(found(await deps.store.taxRates.get(req.params.id), 'tax rate', req.params.id)));
  app.patch('/tax-rates/:id', {
    config: write, schema: { tags: ['Tax rates'], summary: 'Update a tax rate', params: StringId, body: UpdateTax, response: responses(200, TaxRateSchema) },
  }, async (req) => taxView(await updateTaxRate(deps, req.params.id, {
    name: req.body.name, ratePpm: req.body.percentage === undefined ? undefined : ppm(req.body.percentage, '/percentage'),
  })));
  app.delete('/tax-rates/:id', {
    config: write, schema: { tags: ['Tax rates'], summary: 'Delete a tax rate', params: StringId, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    found((await deps.store.taxRates.delete(req.params.id)) || undefined, 'tax rate', req.params.id);
    return reply.status(204).send(null);
  });
}
