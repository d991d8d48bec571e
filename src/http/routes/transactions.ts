/** Transactions addressed by their own id: confirming a pending manual payment (payments of an order: order-payments.ts). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf, type Deps } from '../../app/deps.js';
import { completeTransaction } from '../../app/payments/transactions.js';
import { found } from '../../app/validate.js';
import { DomainError } from '../../domain/errors.js';
import { caller } from '../plugins/auth.js';
import { StringId, responses } from '../schemas.js';
import { PaymentResult, paymentResult } from './order-payments.js';

export async function transactionRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration'] as const };
  const tags = ['Payments'];

  app.post('/transactions/:id/confirm', {
    config, schema: {
      tags, summary: 'Confirm or reject a pending manual payment (bank transfer received, or not)', params: StringId,
      body: Type.Object({ outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]), reference: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: responses(200, PaymentResult),
    },
  }, async (req) => {
    const txn = found(await deps.store.transactions.get(req.params.id), 'transaction', req.params.id);
    const gateway = txn.gatewayId ? await deps.store.gateways.get(txn.gatewayId) : undefined;
    if (gateway?.kind !== 'manual') throw new DomainError('invalid_transition', 'only manual payments are confirmed by hand');
    const done = await completeTransaction(deps, txn, {
      outcome: req.body.outcome, processorToken: req.body.reference ?? null, amount: txn.amount,
      ...(req.body.outcome === 'failed' ? { errorCode: 'not_received', errorMessage: 'the payment was not received' } : {}),
    }, actorOf(caller(req)));
    return paymentResult(deps, txn.orderId, done.transaction, req);
  });
}
