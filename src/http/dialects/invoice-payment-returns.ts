/**
 * The invoice payments API's checkout redirects, where the hosted checkout page sends the buyer back:
 * `GET /invoice-payments/checkout/success` and `/checkout/failure`, with `cko-payment-session-id`,
 * `cko-session-id` and `cko-payment-id` in the query string. Public pages. The ids only find the payment
 * (through the checkout session); what the page says comes from the database, never from the query
 * string, and it reveals only where the payment stands. HTML for browsers; JSON `{paymentId, status}`
 * for a client that asks for `application/json`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { checkoutReturn, type CheckoutReturn } from '../../app/invoices/checkout-return.js';
import type { Deps } from '../../app/deps.js';
import { DomainError } from '../../domain/errors.js';
import { html, messagePage, page, sendPage } from '../pages/html.js';
import { responses } from '../schemas.js';

const Ids = Type.Object({
  'cko-payment-session-id': Type.String({ minLength: 1, maxLength: 100, description: 'The checkout session' }),
  'cko-session-id': Type.String({ minLength: 1, maxLength: 100, description: 'The checkout session (looked up first)' }),
  'cko-payment-id': Type.String({ minLength: 1, maxLength: 100, description: 'The invoice payment; a hint only, never trusted' }),
});
const ReturnResponse = Type.Object({
  paymentId: Type.String(),
  status: Type.String({ description: 'OPEN | PROCESSING | SUCCEEDED | FAILED | CANCELLED, read from the database' }),
});

type Outcome = 'received' | 'pending' | 'incomplete' | 'failed';

function outcomeOf(found: CheckoutReturn, landing: 'success' | 'failure'): Outcome {
  switch (found.payment.status) {
    case 'succeeded': return 'received';
    case 'failed': case 'cancelled': return 'failed';
    default: return landing === 'success' ? 'pending' : 'incomplete';
  }
}

function render(found: CheckoutReturn, outcome: Outcome, self: string): string {
  const shop = found.shop.name;
  const again = found.payAgainSessionId ? html`<p><a href="/pay/${encodeURIComponent(found.payAgainSessionId)}">Try the payment again</a></p>` : '';
  switch (outcome) {
    case 'received':
      return page('Payment received', html`<div class="card"><div class="alert ok" role="status">Payment received</div><h1>Thank you</h1><p>${shop} has received your payment.</p></div>`);
    case 'pending':
      return page('Payment pending', html`<div class="card"><h1>Payment pending</h1><p>Your payment to ${shop} is being processed. This page checks again in a few seconds.</p></div>`, { seconds: 5, url: self });
    case 'incomplete':
      return page('Payment not completed', html`<div class="card"><h1>Payment not completed</h1><p>No payment to ${shop} has been received yet.</p>${again}</div>`);
    case 'failed':
      return page('Payment failed', html`<div class="card"><div class="alert" role="alert">Payment failed</div><h1>This payment did not go through</h1><p>Contact ${shop} to settle the invoice another way.</p></div>`);
  }
}

export async function invoicePaymentReturnRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['Invoice payments'];

  async function respond(req: FastifyRequest, reply: FastifyReply, landing: 'success' | 'failure') {
    const q = req.query as { 'cko-session-id': string; 'cko-payment-session-id': string };
    const found = await checkoutReturn(deps, q['cko-session-id']) ?? await checkoutReturn(deps, q['cko-payment-session-id']);
    const json = (req.headers.accept ?? '').includes('application/json') && !(req.headers.accept ?? '').includes('text/html');
    if (!found) {
      if (json) throw new DomainError('not_found', 'no invoice payment for this checkout session');
      return sendPage(reply, 404, messagePage('Payment not found', 'This link does not lead to a payment. Check the link, or return to the shop.'));
    }
    if (json) return { paymentId: found.payment.id, status: found.payment.status.toUpperCase() };
    return sendPage(reply, 200, render(found, outcomeOf(found, landing), req.url));
  }

  const describe = (what: string) => `${what} The payment is found through the checkout session and its state read from the database; the query string is never trusted. Answers an HTML page, or JSON when the client accepts only application/json.`;
  app.get('/invoice-payments/checkout/success', {
    schema: { tags, summary: 'Redirect for successful checkout', description: describe('Where the hosted checkout page sends the buyer after paying.'), querystring: Ids, response: responses(200, ReturnResponse) },
  }, (req, reply) => respond(req, reply, 'success'));
  app.get('/invoice-payments/checkout/failure', {
    schema: { tags, summary: 'Redirect for failed checkout', description: describe('Where the hosted checkout page sends a buyer who gives up.'), querystring: Ids, response: responses(200, ReturnResponse) },
  }, (req, reply) => respond(req, reply, 'failure'));
}
