/**
 * Course checkout: `POST /api/v1/checkout`. A customer's Bearer token, `{"courses": [ids]}`; 200 with the checkout
 * URL, the session, the order id and the server's prices as JSON numbers in major units; errors in the
 * course checkout's own envelope (see checkout-errors.ts), rendered by this plugin's own error handler.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { placeCheckout } from '../../app/checkout/place-checkout.js';
import { actorOf, type Deps } from '../../app/deps.js';
import { toMajorNumber } from '../../domain/money.js';
import { caller } from '../plugins/auth.js';
import { CheckoutError, sendCheckoutError } from './checkout-errors.js';

const Major = (description: string) => Type.Number({ description: `${description}, a JSON number in major units (49.99)` });

const CheckoutBody = Type.Object({
  courses: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    minItems: 1, maxItems: 100, description: 'Ids of the courses (or bundles) to buy, each once',
  }),
  promo_code: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
    description: 'A promo code, or a seat code from a bulk purchase (100 % off one seat of its course)',
  })),
  quantity: Type.Optional(Type.Integer({
    minimum: 1, maximum: 1000, default: 1,
    description: 'Seats of every course; more than 1 buys seat codes for a team instead of enrolling the buyer',
  })),
}, {
  additionalProperties: true,
  description: 'Prices are never read from the request: any other field (a price, a total) is ignored.',
});

const CheckoutResponse = Type.Object({
  status: Type.Literal('SUCCESS'),
  checkout_url: Type.String({ description: 'Redirect the buyer here: the shop\'s remote checkout page with ?purchase_id=, or Paybridge\'s hosted payment page' }),
  session_id: Type.String({ description: 'The hosted checkout session (also opened when a remote checkout page is used, as a fallback)' }),
  order_id: Type.Integer({ description: 'Also the purchase id of /v1/purchases/{purchase_id}' }),
  total_amount: Major('What the buyer pays, discounts and taxes included'),
  courses: Type.Array(Type.Object({ id: Type.Integer(), title: Type.String(), price: Major('The catalog unit price') })),
});

const DESCRIPTION = [
  'course checkout. Creates an order priced by the server from the catalog (client-sent prices are ignored), and a checkout session.',
  'The order is the purchase of the Skilljar-compatible purchases API: its purchase id is String(order_id).',
  'Errors: 401 without a valid customer token; 403 for an API key, a restricted account, or a course the buyer already owns (bundles count as their courses);',
  '422 "Validation failed" with errors.courses (missing, empty, unknown, unavailable or duplicated ids) or errors.promo_code; 500 without details.',
  'An order whose total is 0 (e.g. with a seat code) is fulfilled at once.',
].join(' ');

export async function checkoutRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Encapsulated: only this plugin's routes answer in the course checkout envelope.
  app.setErrorHandler((error, request, reply) => sendCheckoutError(request, reply, error));

  app.post('/checkout', {
    config: { roles: ['customer'] },
    schema: {
      tags: ['Course checkout'], summary: 'Process a checkout for one or several courses', description: DESCRIPTION,
      body: CheckoutBody,
      response: { 200: CheckoutResponse, 401: CheckoutError, 403: CheckoutError, 422: CheckoutError, 500: CheckoutError },
    },
  }, async (req) => {
    const principal = caller(req);
    if (principal.role !== 'customer') throw new Error('unreachable: the route admits customers only');
    const placed = await placeCheckout(deps, {
      customerId: principal.customerId, productIds: req.body.courses, quantity: req.body.quantity,
      promoCode: req.body.promo_code, actor: actorOf(principal),
    });
    const major = (amount: number) => toMajorNumber({ amount, currency: placed.order.currency });
    return {
      status: 'SUCCESS' as const,
      checkout_url: placed.checkoutUrl,
      session_id: placed.session.id,
      order_id: placed.order.id,
      total_amount: major(placed.order.total),
      courses: placed.lines.map((l) => ({ id: l.productId, title: l.title, price: major(l.unitAmount) })),
    };
  });
}
