/** Promo codes: discounts an admin sets per shop (tax rates: tax-rates.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createPromoCode, updatePromoCode } from '../../app/promo-codes.js';
import { found } from '../../app/validate.js';
import type { PromoCode } from '../../ports/catalog.js';
import { iso, isoOrNull } from '../iso.js';
import { Percent, percent, ppm } from '../percent.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, MinorUnits, Nullable, NullableTimestamp, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const time = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : Date.parse(value));

const PromoCodeSchema = Type.Object({
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

export const ShopFilter = listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) });

export async function promoCodeRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
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
}
