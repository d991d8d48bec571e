/**
 * Stripe through its official SDK. API payments are PaymentIntents confirmed server-side with a payment
 * method Stripe.js made on the platform's page (`source: {type: "stripe_payment_method", token: "pm_…"}`);
 * hosted payments are Checkout Sessions (`source.type: "stripe_checkout"`), the buyer's card never reaching
 * Paybridge either way. Every request carries the transaction's idempotency key as Stripe's
 * `Idempotency-Key`, and every PaymentIntent, session and refund the order, transaction (and checkout
 * session) ids in its metadata, which is how the janitor finds one whose creation timed out.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Stripe from 'stripe';
import { publicLookup } from '../public-addresses.js';
import { DomainError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { StripeGatewayConfig } from '../../ports/gateways.js';
import type { GatewayRequest, GatewayResult, PaymentGateway, ProcessorEvent } from '../../ports/payment-gateway.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import { authorizationResult, captureResult, errorResult, refundResult, voidByRefund, voidResult } from './stripe-results.js';

/** The metadata key naming the Paybridge transaction on Stripe's objects (searched by the janitor). */
const TXN_KEY = 'paybridge_transaction_id';
const ORDER_KEY = 'paybridge_order_id';

/** The event types Paybridge handles: register the gateway's webhook endpoint for these (or all). */
export const STRIPE_EVENTS: readonly string[] = [
  'checkout.session.completed', 'checkout.session.expired', 'payment_intent.succeeded', 'payment_intent.amount_capturable_updated',
  'payment_intent.payment_failed', 'payment_intent.canceled', 'charge.refunded', 'charge.dispute.created',
];

/** Source types this adapter takes. */
const STRIPE_PAYMENT_METHOD = 'stripe_payment_method';
const STRIPE_CHECKOUT = 'stripe_checkout';

/**
 * The SDK's options for a gateway: `api_base` becomes host, port and protocol, and — unless private targets
 * are allowed — its connections go through a lookup that refuses non-public addresses at connect time
 * (DESIGN rule 15; the URL itself was checked when saved). Retries are the janitor's job.
 */
export function stripeClient(config: StripeGatewayConfig, options: { readonly allowPrivate: boolean }): Stripe {
  const base = config.apiBase ? new URL(config.apiBase) : null;
  const http = base?.protocol === 'http:';
  const agent = base && !options.allowPrivate
    ? (http ? new HttpAgent({ keepAlive: true, lookup: publicLookup() }) : new HttpsAgent({ keepAlive: true, lookup: publicLookup() }))
    : undefined;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 0, timeout: config.timeoutMs, telemetry: false, appInfo: { name: 'Paybridge' },
    ...(base ? { host: base.hostname, protocol: http ? 'http' as const : 'https' as const, ...(base.port ? { port: Number(base.port) } : {}) } : {}),
    ...(agent ? { httpAgent: agent } : {}),
  });
}

interface StripeGatewayOptions {
  readonly clock: Clock;
  /** PAYBRIDGE_ALLOW_PRIVATE_URLS: an `api_base` may reach private and loopback addresses. */
  readonly allowPrivate: boolean;
  /** Where a buyer returns after 3-D Secure when the payment did not name a `return_url`. */
  readonly defaultReturnUrl: string;
}

export class StripeGateway implements PaymentGateway {
  private readonly stripe: Stripe;
  constructor(private readonly config: StripeGatewayConfig, private readonly options: StripeGatewayOptions) {
    this.stripe = stripeClient(config, { allowPrivate: options.allowPrivate });
  }

  private metadata(r: GatewayRequest): Record<string, string> {
    return { [ORDER_KEY]: String(r.order.id), [TXN_KEY]: r.transaction.id, paybridge_shop_id: r.shop.id };
  }

  async authorize(r: GatewayRequest): Promise<GatewayResult> {
    const source = r.source;
    if (source?.type === STRIPE_CHECKOUT) return this.checkout(r);
    if (source?.type !== STRIPE_PAYMENT_METHOD || !/^pm_[A-Za-z0-9_]{1,250}$/.test(source.token)) {
      return { outcome: 'failed', errorCode: 'invalid_payment_method', errorMessage: 'a Stripe payment needs source {"type": "stripe_payment_method", "token": "pm_…"}' };
    }
    const returnUrl = typeof source.metadata?.['return_url'] === 'string' ? source.metadata['return_url'] : this.options.defaultReturnUrl;
    try {
      const pi = await this.stripe.paymentIntents.create({
        amount: r.transaction.amount, currency: r.transaction.currency.toLowerCase(), payment_method: source.token, confirm: true,
        capture_method: r.transaction.metadata['auto_capture'] === true ? 'automatic' : 'manual', return_url: returnUrl,
        description: `Order ${r.order.number ?? r.order.id}`, metadata: this.metadata(r),
      }, { idempotencyKey: r.transaction.idempotencyKey });
      return authorizationResult(r.transaction, pi);
    } catch (error) {
      return errorResult(error);
    }
  }

  /** A Checkout Session priced from the order's lines; the buyer is sent to its `url` (pending until it completes). */
  private async checkout(r: GatewayRequest): Promise<GatewayResult> {
    const urls = r.source?.metadata ?? {};
    const success = urls['success_url'];
    const cancel = urls['cancel_url'];
    if (typeof success !== 'string' || typeof cancel !== 'string') return { outcome: 'failed', errorCode: 'invalid_request', errorMessage: 'a Stripe Checkout Session needs success and cancel URLs' };
    const currency = r.transaction.currency.toLowerCase();
    const lines = r.lines.filter((l) => l.total > 0);
    // Lines that add up to the order's total exactly (discounts and tax included): one line per order line
    // when each divides evenly by its quantity, else the whole order as one line.
    const exact = lines.every((l) => l.total % l.quantity === 0) && lines.reduce((sum, l) => sum + l.total, 0) === r.transaction.amount;
    const items = exact
      ? lines.map((l) => ({ quantity: l.quantity, price_data: { currency, unit_amount: l.total / l.quantity, product_data: { name: l.title } } }))
      : [{ quantity: 1, price_data: { currency, unit_amount: r.transaction.amount, product_data: { name: `Order ${r.order.number ?? r.order.id}` } } }];
    const metadata = { ...this.metadata(r), ...(typeof urls['checkout_session_id'] === 'string' ? { paybridge_checkout_session: urls['checkout_session_id'] } : {}) };
    try {
      const session = await this.stripe.checkout.sessions.create({
        mode: 'payment', line_items: items, success_url: success, cancel_url: cancel, metadata, client_reference_id: String(r.order.id),
        ...(r.customer?.email ? { customer_email: r.customer.email } : {}),
        payment_intent_data: { capture_method: r.transaction.metadata['auto_capture'] === true ? 'automatic' : 'manual', metadata },
      }, { idempotencyKey: r.transaction.idempotencyKey });
      return { outcome: 'pending', actionId: session.id, metadata: { checkout_session: session.id, next_action_url: session.url } };
    } catch (error) {
      return errorResult(error);
    }
  }

  /** The PaymentIntent of an authorization: its processor token, else its pending action id. */
  private intentOf(auth: PaymentTransaction | null): string {
    const id = auth?.processorToken ?? auth?.actionId;
    if (!id?.startsWith('pi_')) throw new DomainError('gateway_error', 'this payment has no Stripe PaymentIntent');
    return id;
  }

  async capture(r: GatewayRequest): Promise<GatewayResult> {
    const id = this.intentOf(r.parent);
    try {
      if (r.parent?.metadata['auto_capture'] === true) {
        // capture_method automatic: Stripe took the money with the confirmation; record that.
        const pi = await this.stripe.paymentIntents.retrieve(id);
        if (pi.status === 'succeeded') return captureResult(r.transaction, pi);
      }
      const pi = await this.stripe.paymentIntents.capture(id, { amount_to_capture: r.transaction.amount, metadata: { paybridge_capture_id: r.transaction.id } },
        { idempotencyKey: r.transaction.idempotencyKey });
      return captureResult(r.transaction, pi);
    } catch (error) {
      return errorResult(error);
    }
  }

  /**
   * Gives back the open part of an authorization: cancels a PaymentIntent waiting for its capture. One
   * Stripe already captured (capture_method automatic, completed before Paybridge recorded the capture, e.g.
   * an order cancelled during 3-D Secure) has no open part at Stripe: what it took beyond what Paybridge
   * captured is refunded, so the void leaves Stripe holding what Paybridge counts (DESIGN rule 16).
   */
  async void(r: GatewayRequest): Promise<GatewayResult> {
    const id = this.intentOf(r.parent);
    try {
      const current = await this.stripe.paymentIntents.retrieve(id);
      const excess = this.capturedBeyondRecord(r.transaction, current);
      if (excess > 0) {
        const refund = await this.stripe.refunds.create({ payment_intent: id, amount: excess, metadata: { ...this.metadata(r) } }, { idempotencyKey: r.transaction.idempotencyKey });
        return voidByRefund(refund);
      }
      if (current.status === 'succeeded' || current.status === 'canceled') return voidResult(current);
      return voidResult(await this.stripe.paymentIntents.cancel(id, { cancellation_reason: 'requested_by_customer' }, { idempotencyKey: r.transaction.idempotencyKey }));
    } catch (error) {
      return errorResult(error);
    }
  }

  /** What Stripe captured beyond Paybridge's captures of the authorization (the void's amount is the rest of it). */
  private capturedBeyondRecord(voidTxn: PaymentTransaction, pi: Stripe.PaymentIntent): number {
    if (pi.status !== 'succeeded') return 0;
    const recorded = pi.amount - voidTxn.amount;
    return Math.max(0, Math.min(voidTxn.amount, pi.amount_received - recorded));
  }

  async refund(r: GatewayRequest): Promise<GatewayResult> {
    const id = this.intentOf(r.parent);
    try {
      const refund = await this.stripe.refunds.create({
        payment_intent: id, amount: r.transaction.amount, metadata: { ...this.metadata(r) },
      }, { idempotencyKey: r.transaction.idempotencyKey });
      return refundResult(r.transaction, refund);
    } catch (error) {
      return errorResult(error);
    }
  }

  async tokenize(): Promise<GatewayResult> {
    return { outcome: 'failed', errorCode: 'unsupported', errorMessage: 'save cards with Stripe (SetupIntents) and pay with their pm_ ids' };
  }

  /**
   * What became of a pending transaction, read from Stripe. A request that may still be in flight (younger
   * than twice the timeout) is never declared failed for want of a trace.
   */
  async status(r: GatewayRequest): Promise<GatewayResult | null> {
    const t = r.transaction;
    const settled = this.options.clock.now() - t.createdAt > 2 * this.config.timeoutMs;
    const unknown = (what: string): GatewayResult => (settled
      ? { outcome: 'failed', fault: true, errorCode: 'timeout', errorMessage: `Stripe has no trace of ${what}` }
      : { outcome: 'pending' });
    switch (t.kind) {
      case 'authorization': {
        const ref = t.processorToken ?? t.actionId;
        if (ref?.startsWith('cs_')) return this.sessionStatus(t, ref);
        if (ref?.startsWith('pi_')) return authorizationResult(t, await this.stripe.paymentIntents.retrieve(ref));
        // The create timed out: find the PaymentIntent by the transaction id it carries in its metadata.
        const found = await this.stripe.paymentIntents.search({ query: `metadata['${TXN_KEY}']:'${t.id}'`, limit: 1 });
        if (found.data[0]) return authorizationResult(t, found.data[0]);
        // A Checkout Session whose creation went unanswered was never shown to the buyer: nothing can be paid on it.
        return unknown('this payment');
      }
      case 'capture': {
        const pi = await this.stripe.paymentIntents.retrieve(this.intentOf(r.parent));
        return pi.status === 'requires_capture' ? unknown('the capture') : captureResult(t, pi);
      }
      case 'void': {
        const pi = await this.stripe.paymentIntents.retrieve(this.intentOf(r.parent));
        if (pi.status === 'requires_capture') return unknown('the cancellation');
        if (this.capturedBeyondRecord(t, pi) > 0) {
          const refunds = await this.stripe.refunds.list({ payment_intent: pi.id, limit: 100 });
          const mine = refunds.data.find((x) => x.metadata?.[TXN_KEY] === t.id);
          return mine ? voidByRefund(mine) : unknown('the refund that gives the captured amount back');
        }
        return voidResult(pi);
      }
      case 'refund': {
        const ref = t.processorToken ?? t.actionId; // a refund Stripe answered pending, or one made in the dashboard being recorded
        if (ref?.startsWith('re_')) return refundResult(t, await this.stripe.refunds.retrieve(ref));
        const refunds = await this.stripe.refunds.list({ payment_intent: this.intentOf(r.parent), limit: 100 });
        const mine = refunds.data.find((x) => x.metadata?.[TXN_KEY] === t.id);
        return mine ? refundResult(t, mine) : unknown('the refund');
      }
      default:
        return null;
    }
  }

  private async sessionStatus(t: PaymentTransaction, id: string): Promise<GatewayResult> {
    const session = await this.stripe.checkout.sessions.retrieve(id);
    if (session.status === 'expired') return { outcome: 'failed', errorCode: 'expired', errorMessage: 'the buyer did not pay before the Stripe Checkout Session expired', metadata: { checkout_session: id } };
    const pi = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    if (session.status !== 'complete' || !pi) return { outcome: 'pending' };
    return authorizationResult(t, await this.stripe.paymentIntents.retrieve(pi));
  }

  async readEvent(raw: Buffer, signature: string | undefined, receivedAt: number): Promise<ProcessorEvent> {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(raw, signature ?? '', this.config.webhookSecret, 300, undefined, receivedAt);
    } catch {
      throw new DomainError('invalid_signature', 'the Stripe-Signature header does not match the body, or is older than 5 minutes');
    }
    const object = event.data.object as unknown as { id?: string; metadata?: Record<string, string> | null; payment_intent?: string | { id: string } | null };
    let orderKey = object.metadata?.[ORDER_KEY];
    const pi = typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id;
    if (!orderKey && pi) orderKey = (await this.stripe.paymentIntents.retrieve(pi)).metadata?.[ORDER_KEY]; // charges and disputes name their PaymentIntent
    const orderId = orderKey && /^\d{1,15}$/.test(orderKey) ? Number(orderKey) : null;
    if (event.type === 'charge.refunded' && pi && orderId !== null) {
      const refunds = await this.stripe.refunds.list({ payment_intent: pi, limit: 100 });
      const outsideRefunds = refunds.data.filter((r) => r.status === 'succeeded' && !r.metadata?.[TXN_KEY]).map((r) => ({ id: r.id, amount: r.amount }));
      return { id: event.id, type: event.type, orderId, outsideRefunds };
    }
    if (event.type === 'charge.dispute.created') {
      const d = event.data.object;
      return { id: event.id, type: event.type, orderId, dispute: { id: d.id, amount: d.amount, currency: d.currency.toUpperCase(), reason: d.reason, status: d.status } };
    }
    return { id: event.id, type: event.type, orderId };
  }
}
