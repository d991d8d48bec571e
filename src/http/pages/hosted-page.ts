/**
 * The hosted payment page, `/pay/{session}`: the order summary and a card form that pays through the
 * shop's sandbox gateway. Server-rendered, no script; CSRF-protected (a secret in an httpOnly cookie, a
 * token in the form); the POST is rate-limited per client address. The card never touches storage: the
 * sandbox tokenizer turns it into a token at once, and only the token is passed on as the payment source.
 *
 * What a page shows is always derived from the stored order (see checkout-state.ts), so a second POST, a
 * reload, or a browser returning while the processor's notification lands never starts a second payment:
 * it shows where the payment stands instead.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { payOrder } from '../../app/payments/pay-order.js';
import { returnFromRedirect, startRedirectPayment } from '../../app/payments/redirect-payment.js';
import { paymentOptionsFor } from '../../app/payment-orders/payment-options.js';
import { DomainError } from '../../domain/errors.js';
import { httpStatus, toDomainError } from '../errors.js';
import { readCard, type CardFormBody, type FieldErrors } from './card-form.js';
import { afterPayment, completeSession, loadCheckout, originOf, successLocation, type Checkout } from './checkout-state.js';
import { html, messagePage, page, sendPage, sendRedirect, setPageHeaders } from './html.js';
import { paymentPage, processingPage, receiptPage } from './payment-views.js';

/** POSTs per minute per client address: generous for people, a brake on card testing. */
export const PAY_RATE_LIMIT = 30;

const Params = Type.Object({ session: Type.String({ minLength: 1, maxLength: 100 }) });
const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const CardForm = Type.Object({ _csrf: text(200), number: text(64), expiry: text(16), cvc: text(16), name: text(200) });

/** Outcomes that mean someone else already started or finished this order's payment. */
const ALREADY_UNDER_WAY = new Set(['invalid_transition', 'amount_exceeds_due', 'amount_exceeds_authorized', 'conflict']);

const payUrl = (sessionId: string) => `/pay/${encodeURIComponent(sessionId)}`;

interface FormState {
  readonly status: number;
  readonly alert?: string | null | undefined;
  readonly errors?: FieldErrors | undefined;
  readonly values?: { readonly expiry?: string | undefined; readonly name?: string | undefined } | undefined;
}

function notFound(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 404, messagePage('Payment page not found', 'This payment link does not exist. Check the link, or return to the shop and start again.'));
}

/** Answers with the page the checkout's state calls for; `form` re-renders a payable form with problems. */
async function respond(deps: Deps, reply: FastifyReply, checkout: Checkout, form?: FormState): Promise<FastifyReply> {
  const { session, order, lines, shop } = checkout;
  switch (checkout.state) {
    case 'succeeded':
      await completeSession(deps, checkout);
      return sendRedirect(reply, successLocation(checkout));
    case 'processing':
      return sendPage(reply, 200, processingPage(shop, order, lines, `${payUrl(session.id)}/status`));
    case 'expired':
      return sendPage(reply, 410, messagePage('This payment link has expired',
        `The time to pay order #${order.id} at ${shop.name} has run out, and no payment was taken. Return to the shop to start again.`,
        session.cancelUrl ? { href: session.cancelUrl, text: `Return to ${shop.name}` } : undefined));
    case 'closed':
      return sendPage(reply, 409, messagePage('This order can no longer be paid',
        `Order #${order.id} at ${shop.name} is closed. Return to the shop to start again.`,
        session.cancelUrl ? { href: session.cancelUrl, text: `Return to ${shop.name}` } : undefined));
    case 'payable':
      return sendPage(reply, form?.status ?? 200, paymentPage({
        shop, order, lines, sessionId: session.id, csrfToken: reply.generateCsrf(), cancelUrl: session.cancelUrl,
        alert: form ? form.alert : checkout.failure, errors: form?.errors, values: form?.values,
      }), [originOf(session.successUrl), originOf(session.cancelUrl)].filter((o): o is string => o !== null));
  }
}

async function pay(deps: Deps, reply: FastifyReply, checkout: Checkout, body: CardFormBody): Promise<FastifyReply> {
  const card = readCard(body, deps.clock.now());
  if (!card.ok) return respond(deps, reply, checkout, { status: 422, errors: card.errors, values: { expiry: body.expiry, name: body.name } });
  const options = await paymentOptionsFor(deps, checkout.order, checkout.shop); // the order's gateway and capture mode (payment orders), else the shop's
  if (!options) {
    return sendPage(reply, 503, messagePage('Card payments are not available', `${checkout.shop.name} does not take card payments on this page yet. No payment was taken.`));
  }
  const { order, lines, shop, session } = checkout;
  let paid;
  try {
    paid = await payOrder(deps, {
      orderId: order.id, gatewayId: options.gatewayId, source: { type: 'card_token', token: card.token },
      capture: options.capture, actor: order.customerId ? `customer:${order.customerId}` : `checkout:${session.id}`,
      known: { order, lines, shop },
    });
  } catch (error) {
    // A second submission, or a notification, got there first: show where the payment stands.
    if (!(error instanceof DomainError && ALREADY_UNDER_WAY.has(error.code))) throw error;
  }
  const authorization = paid?.transactions[0];
  // Where the payment stands: from what the payment recorded, or (someone else got there first) re-read.
  const after = paid ? afterPayment(deps, checkout, paid.order, paid.transactions) : (await loadCheckout(deps, session.id))!;
  if (authorization?.status === 'failed' && after.state === 'payable') {
    return respond(deps, reply, after, { status: 402, alert: authorization.errorMessage ?? 'The payment failed.', values: { expiry: body.expiry, name: body.name } });
  }
  return respond(deps, reply, after);
}

/**
 * A shop whose checkout pays through Stripe: the buyer is sent to a Stripe Checkout Session made for the
 * order (or back to the one still open). Null when the order does not pay through Stripe or cannot start a
 * payment now (the caller shows the page its state calls for).
 */
async function stripeRedirect(deps: Deps, reply: FastifyReply, checkout: Checkout): Promise<FastifyReply | null> {
  if (checkout.state !== 'payable' && checkout.state !== 'processing') return null;
  const options = await paymentOptionsFor(deps, checkout.order, checkout.shop);
  if (!options || (await deps.store.gateways.get(options.gatewayId))?.kind !== 'stripe') return null;
  const { order, lines, shop, session } = checkout;
  const base = `${deps.publicUrl}${payUrl(session.id)}`;
  try {
    const started = await startRedirectPayment(deps, {
      orderId: order.id, gatewayId: options.gatewayId, capture: options.capture, checkoutSessionId: session.id,
      actor: order.customerId ? `customer:${order.customerId}` : `checkout:${session.id}`, known: { order, lines, shop },
      successUrl: `${base}/stripe-return`, cancelUrl: `${base}/stripe-cancel`,
    });
    if (started.url) return sendRedirect(reply, started.url);
  } catch (error) {
    if (!(error instanceof DomainError && ALREADY_UNDER_WAY.has(error.code))) throw error;
  }
  const after = (await loadCheckout(deps, session.id))!;
  if (after.state === 'payable') {
    return sendPage(reply, 402, messagePage('The payment could not be started', `${after.failure ?? 'Stripe did not accept the payment.'} No payment was taken.`,
      { href: payUrl(session.id), text: 'Try again' }));
  }
  return respond(deps, reply, after);
}

export async function hostedPageRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  await fastify.register(async (scope) => {
    await scope.register(cookie);
    await scope.register(csrf, {
      cookieKey: 'pb_csrf',
      cookieOpts: { path: '/pay', httpOnly: true, sameSite: 'strict', secure: deps.publicUrl.startsWith('https:') },
    });
    await scope.register(formbody, { bodyLimit: 8 * 1024 });
    await scope.register(rateLimit, { global: false });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();

    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) setPageHeaders(reply);
      return payload;
    });
    app.setNotFoundHandler((_request, reply) => notFound(reply));
    app.setErrorHandler((raw, request, reply) => {
      const code = (raw as { code?: unknown }).code;
      const session = (request.params as { session?: string } | undefined)?.session;
      const back = session ? { href: payUrl(session), text: 'Back to the payment page' } : undefined;
      if (typeof code === 'string' && code.startsWith('FST_CSRF_')) {
        return sendPage(reply, 403, messagePage('Please try again', 'For your security this form could not be accepted (it expired or was not sent from the payment page). No payment was taken. Open the payment page again and resubmit.', back));
      }
      const error = toDomainError(raw);
      const status = httpStatus(error);
      if (status >= 500) request.log.error({ err: raw }, 'payment page failed');
      if (error.code === 'rate_limited') return sendPage(reply, 429, messagePage('Too many attempts', 'Too many payment attempts from your network. Wait a minute, then try again.', back));
      if (status >= 500) return sendPage(reply, status, messagePage('The payment could not be processed', 'Something went wrong on our side. Please try again in a moment.', back));
      return sendPage(reply, status === 422 ? 400 : status, messagePage('The form could not be read', 'Please go back to the payment page and try again.', back));
    });

    const schema = { hide: true, params: Params } as const;

    app.get('/:session', { schema }, async (req, reply) => {
      const checkout = await loadCheckout(deps, req.params.session);
      if (!checkout) return notFound(reply);
      return (await stripeRedirect(deps, reply, checkout)) ?? respond(deps, reply, checkout);
    });

    // Back from Stripe Checkout: the payment is re-read from Stripe, never taken from the redirect.
    app.get('/:session/stripe-return', { schema }, async (req, reply) => {
      const found = await loadCheckout(deps, req.params.session);
      if (!found) return notFound(reply);
      await returnFromRedirect(deps, found.order.id, `checkout:${found.session.id}`);
      const checkout = (await loadCheckout(deps, req.params.session))!;
      if (checkout.state === 'payable') return sendRedirect(reply, payUrl(checkout.session.id));
      return respond(deps, reply, checkout);
    });

    // The buyer left Stripe Checkout without paying: the Stripe page stays open until it expires.
    app.get('/:session/stripe-cancel', { schema }, async (req, reply) => {
      const checkout = await loadCheckout(deps, req.params.session);
      if (!checkout) return notFound(reply);
      await returnFromRedirect(deps, checkout.order.id, `checkout:${checkout.session.id}`);
      const after = (await loadCheckout(deps, req.params.session))!;
      if (after.state === 'succeeded') return respond(deps, reply, after);
      const back = after.session.cancelUrl ? html` · <a href="${after.session.cancelUrl}">Return to ${after.shop.name}</a>` : '';
      return sendPage(reply, 200, page('Payment not completed', html`<div class="card"><h1>Payment not completed</h1>
<p>No payment was taken for order #${after.order.id} at ${after.shop.name}. You can pay whenever you are ready.</p>
<p><a href="${payUrl(after.session.id)}">Pay now</a>${back}</p></div>`));
    });

    // Where a buyer lands after 3-D Secure when an API payment named no return_url.
    app.get('/stripe/return', { schema: { hide: true } }, async (_req, reply) => sendPage(reply, 200, messagePage('Authentication finished',
      'Thank you. You can close this window: the shop confirms your order as soon as your bank has answered.')));

    app.post('/:session', {
      schema: { ...schema, body: CardForm },
      preValidation: scope.csrfProtection,
      config: { rateLimit: { max: PAY_RATE_LIMIT, timeWindow: 60_000 } },
    }, async (req, reply) => {
      const checkout = await loadCheckout(deps, req.params.session);
      if (!checkout) return notFound(reply);
      if (checkout.state !== 'payable') return respond(deps, reply, checkout);
      // A shop paying through Stripe takes no card here: the form is not read, the buyer goes to Stripe.
      return (await stripeRedirect(deps, reply, checkout)) ?? pay(deps, reply, checkout, req.body);
    });

    // The processing page reloads this until the payment resolves; a failure goes back to the form.
    app.get('/:session/status', { schema }, async (req, reply) => {
      const found = await loadCheckout(deps, req.params.session);
      if (!found) return notFound(reply);
      if (found.state === 'processing') await returnFromRedirect(deps, found.order.id, `checkout:${found.session.id}`);
      const checkout = (await loadCheckout(deps, req.params.session))!;
      if (checkout.state === 'payable') return sendRedirect(reply, payUrl(checkout.session.id));
      return respond(deps, reply, checkout);
    });

    // Paybridge's receipt, the success page of sessions without a success URL.
    app.get('/:session/done', { schema }, async (req, reply) => {
      const checkout = await loadCheckout(deps, req.params.session);
      if (!checkout) return notFound(reply);
      if (checkout.state !== 'succeeded') return sendRedirect(reply, payUrl(checkout.session.id));
      await completeSession(deps, checkout);
      return sendPage(reply, 200, receiptPage(checkout.shop, checkout.order, checkout.lines));
    });
  }, { prefix: '/pay' });
}
