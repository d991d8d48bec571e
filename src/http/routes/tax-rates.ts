/** Tax rates: the rates an admin sets per shop and country. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createTaxRate, updateTaxRate } from '../../app/tax-rates.js';
import { found } from '../../app/validate.js';
import type { TaxRate } from '../../ports/catalog.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { Percent, percent, ppm } from '../percent.js';
import { Nullable, ShortText, StringId, Timestamp, listOf, responses } from '../schemas.js';
import { ShopFilter } from './promo-codes.js';

const TaxRateSchema = Type.Object({
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

export async function taxRateRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const read = { roles: ['admin', 'integration'] as const };
  const write = { roles: ['admin'] as const };
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
