import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createProduct, getProduct, updateProduct } from '../../app/products.js';
import type { Product } from '../../ports/catalog.js';
import { caller } from '../plugins/auth.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, IntegerId, listQuery, MinorUnits, Nullable, ShortText, Timestamp, listOf, responses } from '../schemas.js';

const Price = Type.Object({ currency: CurrencyCode, amount: MinorUnits }, { additionalProperties: false });

const ProductSchema = Type.Object({
  id: Type.Integer(), object: Type.Literal('product'), shop_id: Type.String(),
  kind: Type.Union([Type.Literal('course'), Type.Literal('bundle')]), title: Type.String(), sku: Type.String(),
  description: Nullable(Type.String()), active: Type.Boolean(),
  prices: Type.Array(Type.Object({ currency: Type.String(), amount: Type.Integer() })),
  course_ids: Type.Array(Type.Integer(), { description: 'For a bundle: the courses it grants' }),
  created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Product' });

function productView(p: Product) {
  return {
    id: p.id, object: 'product' as const, shop_id: p.shopId, kind: p.kind, title: p.title, sku: p.sku,
    description: p.description, active: p.active, prices: p.prices.map((x) => ({ currency: x.currency, amount: x.amount })),
    course_ids: [...p.courseIds], created_at: iso(p.createdAt), updated_at: iso(p.updatedAt),
  };
}

const CreateProduct = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.Optional(Type.Union([Type.Literal('course'), Type.Literal('bundle')], { default: 'course' })),
  title: ShortText,
  sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  active: Type.Optional(Type.Boolean()),
  prices: Type.Array(Price, { minItems: 1, maxItems: 50 }),
  course_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 })),
}, { additionalProperties: false });

const UpdateProduct = Type.Object({
  title: Type.Optional(ShortText),
  sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  active: Type.Optional(Type.Boolean()),
  prices: Type.Optional(Type.Array(Price, { minItems: 1, maxItems: 50 })),
  course_ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 })),
}, { additionalProperties: false });

const ProductQuery = listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })) });

export async function productRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Products'];
  app.post('/products', {
    config: { roles: ['admin'] },
    schema: { tags, summary: 'Create a course or bundle', body: CreateProduct, response: responses(201, ProductSchema) },
  }, async (req, reply) => {
    const b = req.body;
    reply.status(201);
    return productView(await createProduct(deps, {
      shopId: b.shop_id, kind: b.kind, title: b.title, sku: b.sku, description: b.description, active: b.active,
      prices: b.prices, courseIds: b.course_ids,
    }));
  });

  app.get('/products', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: {
      tags, summary: 'List products (customers see active ones only)', querystring: ProductQuery,
      response: responses(200, listOf(ProductSchema)),
    },
  }, async (req) => {
    const active = caller(req).role === 'customer' ? true : undefined;
    const page = await deps.store.products.list({ shopId: req.query.shop_id, active }, pageRequest(req.query, 'integer'));
    return listBody(page, productView, (p) => p.id);
  });

  app.get('/products/:id', {
    config: { roles: ['admin', 'integration', 'customer'] },
    schema: { tags, summary: 'Retrieve a product', params: IntegerId, response: responses(200, ProductSchema) },
  }, async (req) => productView(await getProduct(deps, req.params.id, caller(req).role === 'customer')));

  app.patch('/products/:id', {
    config: { roles: ['admin'] },
    schema: { tags, summary: 'Update a product', params: IntegerId, body: UpdateProduct, response: responses(200, ProductSchema) },
  }, async (req) => {
    const b = req.body;
    return productView(await updateProduct(deps, req.params.id, {
      title: b.title, sku: b.sku, description: b.description, active: b.active, prices: b.prices, courseIds: b.course_ids,
    }));
  });
}
