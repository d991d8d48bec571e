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

export async function stripeWebhookRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  fastify.withTypeProvider<TypeBoxTypeProvider>().post('/webhooks/stripe/:gatewayId', {
    schema: {
      tags: ['Gateways'], summary: 'Where Stripe sends the events of a Stripe gateway',
      description: 'Verified with the stripe SDK\'s webhooks.constructEvent over the raw body and the gateway\'s webhook_secret (401 when the '
        + 'Stripe-Signature header is missing, forged or older than 5 minutes). Each Stripe event id is applied once; the payment\'s state is re-read from Stripe.',
      params: Type.Object({ gatewayId: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: responses(200, Type.Object({
        received: Type.Boolean(), status: Type.String({ description: 'processed | duplicate | ignored (not a Paybridge payment of this gateway)' }),
        event_id: Type.String(), order_id: Nullable(Type.Integer()),
        transactions: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), status: Type.String() }), { description: 'What this event completed' }),
      })),
    },
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
