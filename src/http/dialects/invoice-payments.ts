/**
 * The invoice payments API's invoice payment endpoints, in the specification's dialect: camelCase fields, amounts as JSON numbers in
 * major units (converted to and from minor units here, and only here), enum values in upper case like the
 * specification's `type`. Errors use the native envelope. Paths (the specification names no paths; registered under /api/v1):
 *
 * - `POST /invoice-payments` create or retrieve (201 created, 200 retrieved)
 * - `POST /invoice-payments/update` update (the specification passes `paymentId` in the body, so no id in the path)
 * - `POST /invoice-payments/confirm` confirm
 * - `POST /invoice-payments/webhooks/platform` and `/webhooks/external` (invoice-payment-webhooks.ts)
 * - `GET /invoice-payments/checkout/success` and `/checkout/failure` (invoice-payment-returns.ts)
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { confirmPayment } from '../../app/invoices/confirm.js';
import { createOrRetrievePayment, updatePayment, type PaymentRequest } from '../../app/invoices/payments.js';
import { unwrap } from '../../domain/errors.js';
import { parseMajor } from '../../domain/money.js';
import { caller } from '../plugins/auth.js';
import { Nullable, responses } from '../schemas.js';
import { invoicePaymentReturnRoutes } from './invoice-payment-returns.js';
import { PaymentResponse, paymentView } from './invoice-payment-view.js';
import { invoicePaymentWebhookRoutes } from './invoice-payment-webhooks.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const PaymentType = Type.Union([Type.Literal('PLATFORM'), Type.Literal('CHECKOUT'), Type.Literal('EXTERNAL')], {
  description: 'PLATFORM: paid from an internal account (accountId required); CHECKOUT: paid by card on the hosted checkout page (checkoutUrl); EXTERNAL: paid through a third party, reported by the external payment webhook',
});
const DiscountCode = Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'One of the invoice\'s discount codes, applied to what is still due; null or "" removes it' })));
const SomeData = Type.Optional(Type.String({ maxLength: 10_000, description: 'Data for the EXTERNAL payment\'s third party, stored as given' }));

const CreateBody = Type.Object({
  paymentId: Type.Optional(Id('Retrieve this payment instead of creating one')),
  invoiceId: Id('The invoice to pay'),
  discountCode: DiscountCode,
  type: PaymentType,
  accountId: Type.Optional(Id('The internal account that pays; required for PLATFORM')),
  amount: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Extension: pay only this part of what is due (major units, at most the currency\'s decimals); default all of it' })),
}, {
  additionalProperties: false,
  description: 'Returns the payment named by paymentId, else the unfinished (OPEN or PROCESSING) payment of this invoice and type, else creates one for what is due after the discount.',
});
const UpdateBody = Type.Object({
  paymentId: Type.Optional(Id('The payment to change; default the invoice\'s open payment of this type, or its only open payment')),
  invoiceId: Id('The invoice the payment belongs to'),
  discountCode: DiscountCode,
  type: PaymentType,
  accountId: Type.Optional(Id('Extension: the internal account, when the type is (or becomes) PLATFORM')),
  someData: SomeData,
}, { additionalProperties: false, description: 'Changes an OPEN payment; its amount is re-priced on what is due now.' });
const ConfirmBody = Type.Object({
  paymentId: Id('The payment to confirm'),
  invoiceId: Id('The invoice the payment belongs to'),
  discountCode: DiscountCode,
  type: PaymentType,
  accountId: Type.Optional(Id('Required for PLATFORM (unless the payment already names one)')),
  someData: SomeData,
}, {
  additionalProperties: false,
  description: 'PLATFORM: moves the money from the account to the merchant on the ledger and the payment SUCCEEDED, atomically (422 insufficient_funds otherwise). EXTERNAL: stores someData; the payment is PROCESSING until the external webhook. CHECKOUT: answers with the payment as it stands (the hosted page pays it). A SUCCEEDED payment is returned unchanged.',
});

export async function invoicePaymentRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const config = { roles: ['admin', 'integration', 'customer'] as const };
  const tags = ['Invoice payments'];
  const who = 'A customer may act on its own invoices and accounts only (others are 404).';

  app.post('/invoice-payments', {
    config, schema: { tags, summary: 'Create or retrieve an invoice payment', description: who, body: CreateBody, response: { ...responses(200, PaymentResponse), 201: PaymentResponse } },
  }, async (req, reply) => {
    const b = req.body;
    let amount: number | undefined;
    if (b.amount !== undefined) {
      // Minor units need the invoice's currency; an invoice the caller may not see is refused as missing below.
      const currency = (await deps.store.invoices.get(b.invoiceId))?.currency;
      if (currency) amount = unwrap(parseMajor(b.amount, currency, { field: '/amount' })).amount;
    }
    const request: PaymentRequest = { paymentId: b.paymentId, invoiceId: b.invoiceId, type: b.type, discountCode: b.discountCode, accountId: b.accountId, amount };
    const { payment, created } = await createOrRetrievePayment(deps, caller(req), request);
    reply.status(created ? 201 : 200);
    return paymentView(deps, payment);
  });

  app.post('/invoice-payments/update', {
    config, schema: { tags, summary: 'Update an invoice payment', description: who, body: UpdateBody, response: responses(200, PaymentResponse) },
  }, async (req) => paymentView(deps, await updatePayment(deps, caller(req), req.body)));

  app.post('/invoice-payments/confirm', {
    config, schema: { tags, summary: 'Confirm an invoice payment', description: who, body: ConfirmBody, response: responses(200, PaymentResponse) },
  }, async (req) => paymentView(deps, await confirmPayment(deps, caller(req), req.body)));

  await app.register(invoicePaymentWebhookRoutes, { deps });
  await app.register(invoicePaymentReturnRoutes, { deps });
}
