/** Payments of an order through the native API, whatever the gateway: pay (authorize, and capture), capture, void, refund (confirming a manual payment: transactions.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, type Deps } from '../../app/deps.js';
import { orderDetails } from '../../app/orders/read-orders.js';
import { payOrder } from '../../app/payments/pay-order.js';
import { runTransaction, startTransaction } from '../../app/payments/transactions.js';
import { found, invalid, url } from '../../app/validate.js';
import { readStripeConfig } from '../../app/gateways/stripe-config.js';
import { DomainError } from '../../domain/errors.js';
import type { TransactionKind } from '../../domain/payment.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import { caller } from '../plugins/auth.js';
import { IntegerId, responses } from '../schemas.js';
import { OrderSchema, TransactionSchema, orderView, transactionView } from './orders.js';

export const PaymentResult = Type.Object({ transaction: TransactionSchema, order: OrderSchema }, { $id: 'PaymentResult' });
const AmountBody = Type.Object({ amount: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units; default: all that is left' })) }, { additionalProperties: false });
const PayBody = Type.Object({
  gateway_id: Type.String({ minLength: 1, maxLength: 64 }),
  source: Type.Optional(Type.Object({
    type: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. card_token, customer_token, stripe_payment_method (token: a pm_… id from Stripe.js)' }),
    token: Type.String({ minLength: 1, maxLength: 500 }),
  }, { additionalProperties: false })),
  capture: Type.Optional(Type.Boolean({ description: 'Capture at once (single-stage); default: the shop\'s auto_capture (a Stripe gateway: its capture setting)' })),
  return_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Stripe: where the buyer returns after 3-D Secure (default: a Paybridge page that re-reads the payment)' })),
}, { additionalProperties: false });

/** A payment's answer: the transaction, and its order as the caller may see it now. */
export async function paymentResult(deps: Deps, orderId: number, txn: PaymentTransaction, req: Parameters<typeof caller>[0]) {
  return { transaction: transactionView(txn), order: orderView(await orderDetails(deps, caller(req), orderId)) };
}

export async function orderPaymentRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  const tags = ['Payments'];

  const result = (orderId: number, txn: PaymentTransaction, req: Parameters<typeof caller>[0]) => paymentResult(deps, orderId, txn, req);

  app.post('/orders/:id/payments', {
    config, schema: {
      tags, summary: 'Pay an order: authorize, and capture when single-stage',
      description: 'Answers 200 with the transaction whatever the processor decided: check transaction.status (succeeded, pending or failed). A sandbox gateway needs a `source`: tok_sandbox_success_4242, tok_sandbox_decline_0002, tok_sandbox_insufficient_9995, tok_sandbox_async_success_0077, tok_sandbox_async_failure_0085 or tok_sandbox_timeout_0119 (422 without one).',
      params: IntegerId, body: PayBody, response: responses(200, PaymentResult),
    },
  }, async (req) => {
    const order = found(await deps.store.orders.get(req.params.id), 'order', req.params.id);
    const shop = (await deps.store.shops.get(order.shopId))!;
    const gateway = found(await deps.store.gateways.get(req.body.gateway_id), 'gateway', req.body.gateway_id);
    if (gateway.shopId !== order.shopId) throw new DomainError('validation_failed', 'the gateway belongs to another shop', [{ field: '/gateway_id', message: 'is not a gateway of this order\'s shop' }]);
    if (gateway.kind === 'sandbox' && !req.body.source) {
      // A sandbox payment without a card would "succeed" with nothing: the sandbox tokens say what to expect.
      throw new DomainError('validation_failed', 'source is required: a sandbox token such as tok_sandbox_success_4242',
        [{ field: '/source', message: 'is required for a sandbox gateway: {"type": "card_token", "token": "tok_sandbox_success_4242"} (see the README\'s sandbox tokens)' }]);
    }
    const returnUrl = url(req.body.return_url, '/return_url');
    if (returnUrl && gateway.kind !== 'stripe') throw invalid('/return_url', 'is only for Stripe gateways');
    const source = req.body.source ? { ...req.body.source, ...(returnUrl ? { metadata: { return_url: returnUrl } } : {}) } : null;
    const defaultCapture = gateway.kind === 'stripe' ? readStripeConfig(gateway).capture === 'automatic' : shop.autoCapture;
    const paid = await payOrder(deps, {
      orderId: order.id, gatewayId: gateway.id, source, capture: req.body.capture ?? defaultCapture, actor: actorOf(caller(req)),
    });
    return result(order.id, paid.transactions.at(-1)!, req);
  });

  const simple = (path: string, kind: TransactionKind, summary: string, body: boolean) => app.post(path, {
    config, schema: { tags, summary, params: IntegerId, ...(body ? { body: Type.Union([AmountBody, Type.Null()]) } : {}), response: responses(200, PaymentResult) },
  }, async (req) => {
    const actor = actorOf(caller(req));
    const amount = (req.body as { amount?: number } | undefined)?.amount;
    const intent = await startTransaction(deps, { orderId: req.params.id, kind, amount, actor });
    const done = await runTransaction(deps, intent, actor);
    return result(req.params.id, done.transaction, req);
  });
  simple('/orders/:id/capture', 'capture', 'Capture an authorized order, in full or in part', true);
  simple('/orders/:id/void', 'void', 'Void what is left of the authorization', false);
  simple('/orders/:id/refunds', 'refund', 'Refund a captured order, in full or in part (repeatable up to what was captured)', true);

}
