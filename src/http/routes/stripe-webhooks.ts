/**
 * `POST /webhooks/stripe/{gatewayId}`: the endpoint a Stripe gateway's owner registers in the Stripe
 * dashboard. Its own scope keeps every body as the raw bytes `Stripe-Signature` covers.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { receiveStripeEvent } from '../../app/gateways/stripe-webhook.js';
import { Nullable, responses } from '../schemas.js';

const StripeEvent = Type.Object({
  id: Type.String({ description: 'evt_…: each event id is applied once' }), object: Type.Literal('event'),
  type: Type.String({ description: 'checkout.session.completed, checkout.session.expired, payment_intent.succeeded, payment_intent.amount_capturable_updated, '
    + 'payment_intent.payment_failed, payment_intent.canceled, charge.refunded, charge.dispute.created (others are acknowledged)' }),
  data: Type.Object({ object: Type.Record(Type.String(), Type.Unknown()) }),
}, { additionalProperties: true, description: 'A Stripe event, exactly as Stripe sends it' });

export async function stripeWebhookRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  fastify.withTypeProvider<TypeBoxTypeProvider>().post('/webhooks/stripe/:gatewayId', {
    schema: {
      tags: ['Gateways'], summary: 'Where Stripe sends the events of a Stripe gateway',
      description: 'Verified with the stripe SDK\'s webhooks.constructEvent over the raw body and the gateway\'s webhook_secret (401 when the '
        + 'Stripe-Signature header is missing, forged or older than 5 minutes). Each Stripe event id is applied once; the payment\'s state is re-read from Stripe.',
      params: Type.Object({ gatewayId: Type.String({ minLength: 1, maxLength: 64 }) }),
      body: StripeEvent,
      response: responses(200, Type.Object({
        received: Type.Boolean(), status: Type.String({ description: 'processed | duplicate | ignored (not a Paybridge payment of this gateway)' }),
        event_id: Type.String(), order_id: Nullable(Type.Integer()),
        transactions: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), status: Type.String() }), { description: 'What this event completed' }),
      })),
    },
    // The body is read by the SDK over the raw bytes the signature covers; the schema documents it.
    validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : fastify.validatorCompiler!(route)),
  }, async (req) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.headers['stripe-signature'];
    const outcome = await receiveStripeEvent(deps, req.params.gatewayId, raw, typeof header === 'string' ? header : undefined);
    return {
      received: true, status: outcome.status, event_id: outcome.eventId, order_id: outcome.orderId,
      transactions: outcome.completed.map((t) => ({ id: t.id, kind: t.kind, status: t.status })),
    };
  });
}
