/**
 * Course checkout: `POST /api/v1/checkout`. A customer's Bearer token, `{"courses": [ids]}`; 200 with the checkout
 * URL, the session, the order id and the server's prices as JSON numbers in major units; errors in the
 * course checkout's own envelope (see checkout-errors.ts), rendered by this plugin's own error handler.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { placeCheckout } from '../../app/checkout/place-checkout.js';
import { customerByReference } from '../../app/customers.js';
import { actorOf, type Deps, type Principal } from '../../app/deps.js';
import { DomainError } from '../../domain/errors.js';
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
  customer: Type.Optional(Type.Union([
    Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    Type.Object({ external_id: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }),
  ], { description: 'With an integration or admin key: the customer the platform checks out for, by Paybridge id or by your external_id. Not with a customer token.' })),
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
  'Called with a customer\'s access token (the password grant\'s, or one your platform minted with POST /api/v1/customers/{id}/access-tokens), or with your integration key and `customer` ({"id"} or {"external_id"}) in the body: the order history then names your key.',
  'Errors: 401 without a valid token or key; 403 for a restricted account, a course the buyer already owns (bundles count as their courses), or a customer token naming another customer;',
  '422 errors.customer for an API key without a known `customer`;',
  '422 "Validation failed" with errors.courses (missing, empty, unknown, unavailable or duplicated ids) or errors.promo_code; 500 without details.',
  'An order whose total is 0 (e.g. with a seat code) is fulfilled at once.',
].join(' ');

/** The buyer: the signed-in customer, or the customer a platform's key names in the body. */
async function buyerOf(deps: Deps, principal: Principal, named: { id: string } | { external_id: string } | undefined): Promise<string> {
  if (principal.role === 'customer') {
    if (named && !('id' in named && named.id === principal.customerId)) {
      throw new DomainError('forbidden', 'a customer checks out for itself only', [{ field: '/customer', message: 'must be left out with a customer token' }]);
    }
    return principal.customerId;
  }
  if (!named) throw new DomainError('validation_failed', 'customer is required', [{ field: '/customer', message: 'is required with an API key: {"id"} or {"external_id"}' }]);
  try {
    return (await customerByReference(deps, 'id' in named ? { id: named.id } : { externalId: named.external_id })).id;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') throw new DomainError('validation_failed', error.message, [{ field: '/customer', message: 'does not exist' }]);
    throw error;
  }
}

export async function checkoutRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Encapsulated: only this plugin's routes answer in the course checkout envelope.
  app.setErrorHandler((error, request, reply) => sendCheckoutError(request, reply, error));

  app.post('/checkout', {
    config: { roles: ['customer', 'integration', 'admin'] },
    schema: {
      tags: ['Course checkout'], summary: 'Process a checkout for one or several courses', description: DESCRIPTION,
      body: CheckoutBody,
      response: { 200: CheckoutResponse, 401: CheckoutError, 403: CheckoutError, 422: CheckoutError, 500: CheckoutError },
    },
  }, async (req) => {
    const principal = caller(req);
    const placed = await placeCheckout(deps, {
      customerId: await buyerOf(deps, principal, req.body.customer), productIds: req.body.courses, quantity: req.body.quantity,
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
