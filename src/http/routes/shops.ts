import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createPaymentMethod } from '../../app/gateways/payment-methods.js';
import { shopPaymentMethods, type OfferedMethod } from '../../app/payment-orders/payment-options.js';
import { createShop, getShop, updateShop } from '../../app/shops.js';
import type { Shop } from '../../ports/catalog.js';
import type { PaymentMethod } from '../../ports/gateways.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, ListQuery, Nullable, ShortText, StringId, Timestamp, listOf, responses } from '../schemas.js';

const UrlField = Nullable(Type.String({ format: 'uri', maxLength: 2000 }));

const ShopSchema = Type.Object({
  id: Type.String(), object: Type.Literal('shop'), name: Type.String(), currency: Type.String(),
  remote_checkout_url: Nullable(Type.String()), success_url: Nullable(Type.String()), cancel_url: Nullable(Type.String()),
  auto_capture: Type.Boolean(), clearing_days: Type.Integer(),
  webhook_secret: Type.Optional(Type.String({ description: 'Only in the response that created the shop, and to admins at /shops/{id}/secret' })),
  created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'Shop' });

function shopView(s: Shop, withSecret = false) {
  return {
    id: s.id, object: 'shop' as const, name: s.name, currency: s.currency, remote_checkout_url: s.remoteCheckoutUrl,
    success_url: s.successUrl, cancel_url: s.cancelUrl, auto_capture: s.autoCapture, clearing_days: s.clearingDays,
    ...(withSecret ? { webhook_secret: s.webhookSecret } : {}), created_at: iso(s.createdAt), updated_at: iso(s.updatedAt),
  };
}

const ShopFields = {
  name: ShortText,
  currency: CurrencyCode,
  remote_checkout_url: Type.Optional(UrlField),
  success_url: Type.Optional(UrlField),
  cancel_url: Type.Optional(UrlField),
  auto_capture: Type.Optional(Type.Boolean({ description: 'Capture at payment (single-stage); false = authorize only' })),
  clearing_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: 'Days from payment to completed' })),
};
const CreateShop = Type.Object(ShopFields, { additionalProperties: false });
const UpdateShop = Type.Partial(Type.Object({ ...ShopFields, currency: Type.Never() }), { additionalProperties: false });

type ShopBody = { name?: string; currency?: string; remote_checkout_url?: string | null; success_url?: string | null;
  cancel_url?: string | null; auto_capture?: boolean; clearing_days?: number };

function input(body: ShopBody) {
  return {
    name: body.name, currency: body.currency, remoteCheckoutUrl: body.remote_checkout_url, successUrl: body.success_url,
    cancelUrl: body.cancel_url, autoCapture: body.auto_capture, clearingDays: body.clearing_days,
  };
}

const MethodSchema = Type.Object({
  id: Type.String(), object: Type.Literal('payment_method'), shop_id: Type.String(), gateway_id: Type.String(),
  instrument: Type.String({ description: 'card | wallet | bank_transfer' }), currencies: Type.Array(Type.String()), two_stage: Type.Boolean(),
  active: Type.Boolean(), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'PaymentMethod' });
const methodView = (m: PaymentMethod) => ({
  id: m.id, object: 'payment_method' as const, shop_id: m.shopId, gateway_id: m.gatewayId, instrument: m.instrument, currencies: [...m.currencies],
  two_stage: m.twoStage, active: m.active, created_at: iso(m.createdAt), updated_at: iso(m.updatedAt),
});

const OfferedMethodSchema = Type.Object({
  id: Type.String({ description: 'What an order names in paymentSettings.paymentMethod (a gateway\'s id for a method that stands for a gateway)' }),
  paymentType: Type.String({ description: 'card | wallet | bank_transfer' }), gatewayId: Type.String(),
  gatewayKind: Type.String({ description: 'sandbox | external | manual' }), currencies: Type.Array(Type.String()),
  twoStage: Type.Boolean({ description: 'Supports autoCapture: false (authorize now, capture later)' }),
  default: Type.Boolean({ description: 'The method of the shop\'s default gateway: what the shop\'s own checkout pays with' }),
});
const ShopMethodsSchema = Type.Object({ shopId: Type.String(), paymentMethods: Type.Array(OfferedMethodSchema) }, { $id: 'ShopPaymentMethods' });
const offeredView = (m: OfferedMethod) => ({
  id: m.id, paymentType: m.instrument, gatewayId: m.gatewayId, gatewayKind: m.gatewayKind, currencies: [...m.currencies], twoStage: m.twoStage,
  default: m.isDefault,
});

export async function shopRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Shops'];
  app.post('/shops', {
    config: { roles: ['admin'], secret: true },
    schema: { tags, summary: 'Create a shop', body: CreateShop, response: responses(201, ShopSchema) },
  }, async (req, reply) => {
    reply.status(201);
    return shopView(await createShop(deps, { ...input(req.body), name: req.body.name, currency: req.body.currency }), true);
  });

  app.get('/shops', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags, summary: 'List shops', querystring: ListQuery, response: responses(200, listOf(ShopSchema)) },
  }, async (req) => {
    const page = await deps.store.shops.list(pageRequest(req.query));
    return listBody(page, (s) => shopView(s), (s) => s.id);
  });

  app.get('/shops/:id', {
    config: { roles: ['admin', 'integration'] },
    schema: { tags, summary: 'Retrieve a shop', params: StringId, response: responses(200, ShopSchema) },
  }, async (req) => shopView(await getShop(deps, req.params.id)));

  app.get('/shops/:id/secret', {
    config: { roles: ['admin'], secret: true },
    schema: {
      tags, summary: 'Reveal the shop\'s webhook secret (Standard Webhooks, whsec_…)', params: StringId,
      response: responses(200, Type.Object({ webhook_secret: Type.String() })),
    },
  }, async (req) => ({ webhook_secret: (await getShop(deps, req.params.id)).webhookSecret }));

  app.patch('/shops/:id', {
    config: { roles: ['admin'] },
    schema: { tags, summary: 'Update a shop', params: StringId, body: UpdateShop, response: responses(200, ShopSchema) },
  }, async (req) => shopView(await updateShop(deps, req.params.id, input(req.body))));

  const ShopParams = Type.Object({ shopId: Type.String({ minLength: 1, maxLength: 64 }) });
  app.post('/shops/:shopId/payment-methods', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['Shops'], summary: 'Offer a payment method on one of the shop\'s gateways', params: ShopParams,
      body: Type.Object({
        gateway_id: Type.String({ minLength: 1, maxLength: 64 }),
        instrument: Type.Union([Type.Literal('card'), Type.Literal('wallet'), Type.Literal('bank_transfer')]),
        currencies: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 3 }), { minItems: 1, maxItems: 50, description: 'Default: the shop\'s currency' })),
        two_stage: Type.Optional(Type.Boolean({ description: 'Authorize now, capture later; default false' })),
      }, { additionalProperties: false }),
      response: responses(201, MethodSchema),
    },
  }, async (req, reply) => {
    reply.status(201);
    return methodView(await createPaymentMethod(deps, { shopId: req.params.shopId, gatewayId: req.body.gateway_id, instrument: req.body.instrument, currencies: req.body.currencies, twoStage: req.body.two_stage }));
  });
  app.get('/shops/:shopId/payment-methods', {
    config: { roles: ['admin', 'integration'] },
    schema: {
      tags: ['Shops'], summary: 'Every payment method an order of the shop can be paid with (camelCase, like the payment orders API)',
      description: 'The active methods the shop offers, and its default gateway (the one its own checkout pays with) even when no method row names it. An order of the payment orders API names one by its id in paymentSettings.paymentMethod.',
      params: ShopParams, response: responses(200, ShopMethodsSchema),
    },
  }, async (req) => {
    const shop = await getShop(deps, req.params.shopId);
    return { shopId: shop.id, paymentMethods: (await shopPaymentMethods(deps, shop)).filter((m) => m.active).map(offeredView) };
  });
}
