/**
 * The invoice payments API's inbound webhooks: `POST /invoice-payments/webhooks/platform` (PLATFORM payments) and
 * `/webhooks/external` (EXTERNAL payments), body `{"payload": {paymentId, invoiceId, status, amount,
 * currency, paymentDate, externalData?}}`. Authenticated by signature only, no API key: Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the secret of the shop whose invoice the
 * payment pays (`GET /api/v1/shops/{id}/secret`), verified over the raw body bytes before the body is
 * even validated — unsigned, forged or older than 5 minutes is a 401. A webhook id already processed
 * answers 200 and changes nothing.
 *
 * `status`, case-insensitive: SUCCEEDED (also SUCCESS, SUCCESSFUL, PAID, COMPLETED), PROCESSING (also
 * PENDING, IN_PROGRESS), FAILED (also FAILURE, DECLINED, ERROR), CANCELLED (also CANCELED). `amount` is
 * in major units and must equal the payment's amount, `currency` its currency (422 otherwise).
 * `paymentDate` is a Unix timestamp in seconds, or in milliseconds when above 10^11.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { handleInvoiceWebhook, webhookSecretFor, type InvoiceWebhook, type WebhookSource } from '../../app/invoices/webhooks.js';
import { DomainError, unwrap } from '../../domain/errors.js';
import { nestedTooDeep, tooDeep } from '../json-body.js';
import { parseMajor } from '../../domain/money.js';
import { responses } from '../schemas.js';
import { PaymentResponse, paymentView } from './invoice-payment-view.js';

const STATUS_WORDS: Record<string, InvoiceWebhook['status']> = {
  succeeded: 'succeeded', success: 'succeeded', successful: 'succeeded', paid: 'succeeded', completed: 'succeeded',
  processing: 'processing', pending: 'processing', in_progress: 'processing',
  failed: 'failed', failure: 'failed', declined: 'failed', error: 'failed',
  cancelled: 'cancelled', canceled: 'cancelled',
};

/** Verifying against a made-up secret when the payment is unknown keeps the answer's timing the same. */
const NO_SECRET = `whsec_${Buffer.alloc(32).toString('base64')}`;

const payloadFields = {
  paymentId: Type.String({ minLength: 1, maxLength: 64 }),
  invoiceId: Type.String({ minLength: 1, maxLength: 64 }),
  status: Type.String({ minLength: 1, maxLength: 40, description: 'SUCCEEDED | PROCESSING | FAILED | CANCELLED (and the synonyms listed above)' }),
  amount: Type.Number({ minimum: 0, description: 'Major units; must equal the payment\'s amount' }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'Must be the payment\'s currency' }),
  paymentDate: Type.Number({ minimum: 0, description: 'Unix time in seconds (or milliseconds when above 10^11)' }),
};
const PlatformBody = Type.Object({ payload: Type.Object(payloadFields) });
const ExternalBody = Type.Object({ payload: Type.Object({ ...payloadFields, externalData: Type.Optional(Type.String({ maxLength: 10_000 })) }) });
const WebhookResponse = Type.Object({
  received: Type.Literal(true),
  duplicate: Type.Boolean({ description: 'This webhook-id was processed before; nothing was done' }),
  changed: Type.Boolean({ description: 'The payment moved' }),
  payment: PaymentResponse,
});

type Body = { payload: Omit<InvoiceWebhook, 'status' | 'paymentDate'> & { status: string; paymentDate: number } };

function readPayload(body: Body): InvoiceWebhook {
  const p = body.payload;
  const status = STATUS_WORDS[p.status.toLowerCase()];
  if (!status) throw new DomainError('validation_failed', `payload.status ${JSON.stringify(p.status)} is not a payment status`, [{ field: '/payload/status', message: 'must be SUCCEEDED, PROCESSING, FAILED or CANCELLED' }]);
  const currency = p.currency.toUpperCase();
  const amount = unwrap(parseMajor(p.amount, currency, { field: '/payload/amount' })).amount;
  const paymentDate = Math.round(p.paymentDate < 1e11 ? p.paymentDate * 1000 : p.paymentDate);
  return { paymentId: p.paymentId, invoiceId: p.invoiceId, status, amount, currency, paymentDate, externalData: p.externalData };
}

export async function invoicePaymentWebhookRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  // The signature covers the exact bytes received, so this scope keeps them (and only this scope).
  const raw = new WeakMap<FastifyRequest, Buffer>();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    raw.set(req, body as Buffer);
    const text = (body as Buffer).toString('utf8');
    if (nestedTooDeep(text)) {
      done(tooDeep(), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new DomainError('malformed_request', 'the body is not valid JSON'), undefined);
    }
  });

  fastify.addHook('preValidation', async (req) => {
    const header = (name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] as string : undefined);
    const [id, timestamp, signature] = [header('webhook-id'), header('webhook-timestamp'), header('webhook-signature')];
    const body = raw.get(req);
    const paymentId = (req.body as { payload?: { paymentId?: unknown } } | null)?.payload?.paymentId;
    const secret = typeof paymentId === 'string' && paymentId.length <= 64 ? await webhookSecretFor(deps, paymentId) : undefined;
    const valid = id !== undefined && timestamp !== undefined && signature !== undefined && body !== undefined && id.length <= 255
      && deps.signer.verify(secret ?? NO_SECRET, { id, timestamp, signature }, body, Math.floor(deps.clock.now() / 1000));
    if (!valid || secret === undefined) {
      throw new DomainError('invalid_signature', 'the webhook signature is missing, invalid or too old: sign it the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature) with the shop\'s webhook secret');
    }
  });

  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Invoice payments'];
  const route = (source: WebhookSource, body: typeof PlatformBody | typeof ExternalBody, summary: string) => app.post(`/invoice-payments/webhooks/${source}`, {
    schema: {
      tags, summary, body, response: responses(200, WebhookResponse),
      description: 'Signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) using the shop\'s webhook secret; no API key. Unsigned, forged or stale: 401. A repeated webhook-id: 200, nothing changes. Amount or currency unlike the payment\'s: 422.',
    },
  }, async (req) => {
    const outcome = await handleInvoiceWebhook(deps, source, req.headers['webhook-id'] as string, raw.get(req)!.toString('utf8'), readPayload(req.body as Body));
    return { received: true as const, duplicate: outcome.duplicate, changed: outcome.changed, payment: await paymentView(deps, outcome.payment) };
  });
  route('platform', PlatformBody, 'Webhook for invoice platform payments');
  route('external', ExternalBody, 'Webhook for external invoice payments');
}
