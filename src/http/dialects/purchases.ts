/**
 * Skilljar-compatible purchases: the purchases API of an external checkout, wire-compatible with
 * contracts/skilljar-purchases-openapi.yml. `GET|PUT|PATCH /v1/purchases/{purchase_id}` and
 * `POST /v1/purchases/{purchase_id}/fulfill`, for integration and admin keys (HTTP Basic with the key as
 * user name, or Bearer). A purchase is an order; its id is the order id as text. Bodies as JSON,
 * application/x-www-form-urlencoded or multipart/form-data; errors in DRF's shape (purchase-errors.ts).
 */
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { fulfillPurchase } from '../../app/checkout/fulfill-purchase.js';
import { readPurchase } from '../../app/checkout/read-purchase.js';
import { refundPurchase, updatePurchaseTotals } from '../../app/checkout/update-purchase.js';
import { actorOf, type Deps } from '../../app/deps.js';
import { cancelOrder } from '../../app/orders/cancel-order.js';
import { DomainError } from '../../domain/errors.js';
import { caller } from '../plugins/auth.js';
import { sendPurchaseError } from './purchase-errors.js';
import { PURCHASE_STATES, PurchaseSchema, purchaseState, purchaseView } from './purchase-view.js';

const tags = ['Skilljar-compatible purchases'];
const Int32 = { minimum: 0, maximum: 2147483647 };

const Params = Type.Object({ purchase_id: Type.String({ pattern: '^[0-9a-z]+$', maxLength: 40, description: 'ID of a Purchase object' }) });

const PurchaseRequest = Type.Object({
  state: Type.Optional(Type.Union(PURCHASE_STATES.map((s) => Type.Literal(s)), {
    description: 'CANCELLED cancels an unpaid purchase; REFUNDED records a refund of an external payment (refund_cents: the refunded total, default all). SUCCESS and FAILED are set with /fulfill.',
  })),
  refunded_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Ignored: Paybridge records when the refund happened' })),
  refund_cents: Type.Optional(Type.Union([Type.Integer(Int32), Type.Null()], { description: 'With state REFUNDED: the total refunded so far' })),
  price_cents: Type.Optional(Type.Integer({ description: 'The server\'s price: accepted when it equals the total, refused otherwise' })),
  tax_price_cents: Type.Optional(Type.Union([Type.Integer(Int32), Type.Null()], { description: 'Before payment: the tax in cents; the total is recomputed. null: back to the shop\'s tax rate' })),
}, { additionalProperties: true, description: 'PUT and PATCH both update partially; read-only fields are ignored' });

const FulfillRequest = Type.Object({
  state: Type.Union([Type.Literal('SUCCESS'), Type.Literal('FAILED'), Type.Literal('CANCELLED')]),
  error_msg: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'FAILED: shown to the buyer, stored as status_msg' })),
  payment_processor_order_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  payment_processor_response_data: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
}, { additionalProperties: true });

const Detail = Type.Object({ detail: Type.String() });
const FieldErrors = Type.Record(Type.String(), Type.Unknown(), { description: '{"<field>": ["message"]}, or {"detail": "…"}' });
const errors = { 400: FieldErrors, 401: Detail, 403: Detail, 404: Detail, 409: Detail };

const INTEGER_FIELDS = new Set(['refund_cents', 'price_cents', 'tax_price_cents']);
const NULLABLE_FIELDS = new Set(['refund_cents', 'tax_price_cents', 'refunded_at']);

/** Form values are text: the last of repeated keys wins (as in Django), numbers become numbers, "" null. */
function normaliseForm(request: FastifyRequest): void {
  const type = String(request.headers['content-type'] ?? '');
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) || !request.body || typeof request.body !== 'object') return;
  const body: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(request.body as Record<string, unknown>)) {
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (value === '' && NULLABLE_FIELDS.has(key)) body[key] = null;
    else if (typeof value === 'string' && INTEGER_FIELDS.has(key) && /^-?\d{1,16}$/.test(value)) body[key] = Number(value);
    else body[key] = value;
  }
  request.body = body;
}

/** The order id in a purchase id; ids that cannot be an order are not found. */
function orderIdOf(purchaseId: string): number {
  const id = /^[1-9]\d{0,15}$/.test(purchaseId) ? Number(purchaseId) : NaN;
  if (!Number.isSafeInteger(id)) throw new DomainError('not_found', `purchase ${purchaseId} not found`);
  return id;
}

export async function purchaseRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  // The contract's media types only (DRF answers 415 to the rest, text/plain included).
  if (fastify.hasContentTypeParser('text/plain')) fastify.removeContentTypeParser('text/plain');
  await fastify.register(formbody, { bodyLimit: 256 * 1024 });
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, async (request: FastifyRequest, body: Buffer) => {
    // Text fields only; the platform's own multipart parser (undici's FormData) does the decoding.
    const form = await new Response(body, { headers: { 'content-type': String(request.headers['content-type']) } }).formData()
      .catch(() => { throw new DomainError('malformed_request', 'the multipart body could not be parsed'); });
    const fields: Record<string, string> = {};
    for (const [key, value] of form.entries()) if (typeof value === 'string') fields[key] = value;
    return fields;
  });
  fastify.addHook('preValidation', async (request) => normaliseForm(request));
  fastify.setErrorHandler((error, request, reply) => sendPurchaseError(request, reply, error));
  fastify.setNotFoundHandler((_request, reply) => reply.status(404).send({ detail: 'Not found.' }));
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  const view = async (orderId: number) => purchaseView(await readPurchase(deps, orderId));

  app.get('/purchases/:purchase_id', {
    config, schema: {
      tags, summary: 'Get purchase details', params: Params, response: { 200: PurchaseSchema, ...errors },
      description: 'A purchase is an order (course checkout order_id = purchase id). New purchases are CREATED.',
    },
  }, async (req) => view(orderIdOf(req.params.purchase_id)));

  const update = async (req: FastifyRequest<{ Params: { purchase_id: string }; Body: Record<string, unknown> }>) => {
    const id = orderIdOf(req.params.purchase_id);
    const principal = caller(req);
    const actor = actorOf(principal);
    const b = req.body as { state?: string; refund_cents?: number | null; price_cents?: number; tax_price_cents?: number | null };
    await updatePurchaseTotals(deps, actor, id, { tax: b.tax_price_cents, total: b.price_cents });
    const current = await readPurchase(deps, id);
    const state = purchaseState(current.order, current.transactions);
    const target = b.state ?? (b.refund_cents != null ? 'REFUNDED' : state);
    if (target === 'REFUNDED' && (state !== 'REFUNDED' || b.refund_cents != null)) await refundPurchase(deps, actor, id, b.refund_cents ?? null);
    else if (target === 'CANCELLED' && state !== 'CANCELLED') await cancelOrder(deps, principal, id, 'cancelled through the purchases API');
    else if (target !== state) {
      const why = target === 'SUCCESS' || target === 'FAILED'
        ? `state ${target} is set with POST /v1/purchases/${id}/fulfill.`
        : `state ${target} follows the payment's progress and cannot be set; use POST /v1/purchases/${id}/fulfill.`;
      throw new DomainError('validation_failed', why, [{ field: '/state', message: why }]);
    }
    return view(id);
  };
  const updateSchema = (summary: string) => ({
    tags, summary, params: Params, body: PurchaseRequest, response: { 200: PurchaseSchema, ...errors },
    description: 'Partial update, as far as the state allows: tax_price_cents before payment (recomputes price_cents); state CANCELLED (unpaid) or REFUNDED (paid through the external checkout; refund_cents = refunded total). Other states → 400: use /fulfill.',
  });
  app.put('/purchases/:purchase_id', { config, schema: updateSchema('Update purchase details') }, update);
  app.patch('/purchases/:purchase_id', { config, schema: updateSchema('Update purchase details (partial)') }, update);

  app.post('/purchases/:purchase_id/fulfill', {
    config, schema: {
      tags, summary: 'Fulfill specific purchase', params: Params, body: FulfillRequest,
      response: { 200: Type.Object({ redirect_url: Type.String(), purchase: PurchaseSchema }), ...errors },
      description: 'SUCCESS records the external payment and grants access; FAILED keeps error_msg as status_msg and sends the buyer back to checkout; CANCELLED cancels. The same call again answers the same; a contradicting one (CANCELLED or FAILED after SUCCESS, SUCCESS after CANCELLED) is a 409.',
    },
  }, async (req) => {
    const id = orderIdOf(req.params.purchase_id);
    const b = req.body;
    const done = await fulfillPurchase(deps, caller(req), {
      orderId: id, state: b.state, errorMessage: b.error_msg, processorOrderId: b.payment_processor_order_id, processorData: b.payment_processor_response_data,
    });
    return { redirect_url: done.redirectUrl, purchase: await view(id) };
  });
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `GET /thank-you?purchase_id=`: where buyers land after a purchase when the shop has no success URL. */
export async function thankYouPage(app: FastifyInstance) {
  app.get('/thank-you', {
    schema: { hide: true, querystring: Type.Object({ purchase_id: Type.Optional(Type.String({ maxLength: 40 })) }) },
  }, async (req, reply) => {
    const id = (req.query as { purchase_id?: string }).purchase_id;
    const ref = id && /^\d+$/.test(id) ? `<p>Your purchase number is <strong>${esc(id)}</strong>.</p>` : '';
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Thank you</title></head>
<body style="font-family:system-ui,sans-serif;max-width:560px;margin:3rem auto;padding:0 1rem;color:#222">
<h1>Thank you!</h1>${ref}<p>A confirmation e-mail is on its way with the details of what was charged.</p></body></html>`);
  });
}
