/**
 * What Stripe's objects and errors mean for a Paybridge transaction. Pure: no SDK calls, no I/O.
 *
 * | PaymentIntent status                     | authorization           | capture                         |
 * |------------------------------------------|-------------------------|---------------------------------|
 * | requires_capture                         | succeeded (`amount`)    | failed, nothing captured        |
 * | succeeded                                | succeeded (`amount`)    | succeeded (`amount_received`)   |
 * | requires_action, processing, …confirmation | pending (next action) | pending                         |
 * | requires_payment_method (after an error) | failed (decline code)   | —                               |
 * | canceled                                 | failed (`canceled`)     | failed                          |
 */
import type Stripe from 'stripe';
import type { GatewayResult } from '../../ports/payment-gateway.js';
import type { PaymentTransaction } from '../../ports/payments.js';

/** The code Paybridge keeps for a Stripe error: the issuer's decline code when it says more than "declined". */
function stripeErrorCode(e: { code?: string | null | undefined; decline_code?: string | null | undefined }): string {
  if (e.decline_code && e.decline_code !== 'generic_decline') return e.decline_code;
  return e.code ?? 'card_declined';
}

/** The processor's amount differs from Paybridge's: a notification flags the order (the transaction is not settled). */
function flagMismatch(txn: PaymentTransaction, reported: number, object: string): Pick<GatewayResult, 'messages'> {
  if (reported === txn.amount) return {};
  return {
    messages: [{
      code: 'amount_mismatch', severity: 'error', object,
      message: `Stripe reports ${reported} for ${object}, Paybridge expected ${txn.amount}: the payment is not counted; check it in the Stripe dashboard`,
    }],
  };
}

const details = (pi: Stripe.PaymentIntent, extra: Record<string, unknown> = {}) => ({
  metadata: { payment_intent: pi.id, stripe_status: pi.status, ...extra },
});

/** An authorization's outcome from its PaymentIntent. */
export function authorizationResult(txn: PaymentTransaction, pi: Stripe.PaymentIntent): GatewayResult {
  switch (pi.status) {
    case 'requires_capture':
    case 'succeeded':
      return { outcome: 'succeeded', processorToken: pi.id, amount: pi.amount, ...details(pi), ...flagMismatch(txn, pi.amount, pi.id) };
    case 'canceled':
      return { outcome: 'failed', processorToken: pi.id, errorCode: 'canceled', errorMessage: `the PaymentIntent was canceled (${pi.cancellation_reason ?? 'no reason given'})`, ...details(pi) };
    case 'requires_payment_method': {
      const error = pi.last_payment_error;
      if (!error) return { outcome: 'pending', actionId: pi.id, processorToken: pi.id, ...details(pi) };
      return { outcome: 'failed', processorToken: pi.id, errorCode: stripeErrorCode(error), errorMessage: error.message ?? 'the card was declined', ...details(pi, { stripe_code: error.code ?? null, decline_code: error.decline_code ?? null }) };
    }
    default: {
      const url = pi.next_action?.redirect_to_url?.url ?? null;
      return { outcome: 'pending', actionId: pi.id, processorToken: pi.id, ...details(pi, { next_action_type: pi.next_action?.type ?? null, next_action_url: url }) };
    }
  }
}

/** A capture's outcome from its PaymentIntent (Stripe captures a PaymentIntent once; the rest is released). */
export function captureResult(txn: PaymentTransaction, pi: Stripe.PaymentIntent): GatewayResult {
  if (pi.status === 'succeeded') return { outcome: 'succeeded', processorToken: pi.id, amount: pi.amount_received, ...details(pi), ...flagMismatch(txn, pi.amount_received, pi.id) };
  if (pi.status === 'processing') return { outcome: 'pending', actionId: pi.id, processorToken: pi.id, ...details(pi) };
  return { outcome: 'failed', processorToken: pi.id, errorCode: 'not_captured', errorMessage: `the PaymentIntent is ${pi.status}`, ...details(pi) };
}

/** A void's outcome: a canceled PaymentIntent, or one captured in part (Stripe released the rest). */
export function voidResult(pi: Stripe.PaymentIntent): GatewayResult {
  if (pi.status === 'canceled' || pi.status === 'succeeded') return { outcome: 'succeeded', processorToken: pi.id, ...details(pi) };
  return { outcome: 'failed', processorToken: pi.id, errorCode: 'not_canceled', errorMessage: `the PaymentIntent is ${pi.status}`, ...details(pi) };
}

/** A void carried out as a refund of what Stripe captured on its own: done once the refund is. */
export function voidByRefund(refund: Stripe.Refund): GatewayResult {
  const meta = { metadata: { refund: refund.id, stripe_status: refund.status, released_by: 'refund' } };
  if (refund.status === 'succeeded') return { outcome: 'succeeded', processorToken: refund.id, ...meta };
  if (refund.status === 'failed' || refund.status === 'canceled') return { outcome: 'failed', processorToken: refund.id, errorCode: refund.failure_reason ?? refund.status, errorMessage: `Stripe reports the refund ${refund.status}`, ...meta };
  return { outcome: 'pending', actionId: refund.id, processorToken: refund.id, ...meta };
}

export function refundResult(txn: PaymentTransaction, refund: Stripe.Refund): GatewayResult {
  const meta = { metadata: { refund: refund.id, stripe_status: refund.status } };
  if (refund.status === 'succeeded') return { outcome: 'succeeded', processorToken: refund.id, amount: refund.amount, ...meta, ...flagMismatch(txn, refund.amount, refund.id) };
  if (refund.status === 'failed' || refund.status === 'canceled') {
    return { outcome: 'failed', processorToken: refund.id, errorCode: refund.failure_reason ?? refund.status, errorMessage: `Stripe reports the refund ${refund.status}`, ...meta };
  }
  return { outcome: 'pending', actionId: refund.id, processorToken: refund.id, ...meta };
}

/** An error Stripe answered with; anything else (a network fault, a 5xx) is thrown by the caller. */
interface StripeErrorLike {
  readonly type: string;
  readonly statusCode?: number | undefined;
  readonly code?: string | undefined;
  readonly decline_code?: string | undefined;
  readonly message: string;
  readonly payment_intent?: Stripe.PaymentIntent | undefined;
}

function isStripeError(error: unknown): error is StripeErrorLike {
  const type = error instanceof Error ? (error as unknown as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type.startsWith('Stripe');
}

/**
 * A decline or a refusal is a result; a fault whose effect is unknown (connection lost, timeout, 5xx) is
 * rethrown, so the transaction stays pending for the janitor.
 */
export function errorResult(error: unknown): GatewayResult {
  if (!isStripeError(error)) throw error;
  const pi = error.payment_intent;
  const extra = { metadata: { stripe_error_type: error.type, stripe_code: error.code ?? null, decline_code: error.decline_code ?? null, ...(pi ? { payment_intent: pi.id } : {}) } };
  switch (error.type) {
    case 'StripeCardError':
      return { outcome: 'failed', errorCode: stripeErrorCode(error), errorMessage: error.message, ...(pi ? { processorToken: pi.id } : {}), ...extra };
    case 'StripeInvalidRequestError':
    case 'StripeIdempotencyError':
      return { outcome: 'failed', errorCode: error.code ?? 'invalid_request', errorMessage: error.message, ...extra };
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
    case 'StripeRateLimitError':
      // Nothing was done: Stripe refused the request itself.
      return { outcome: 'failed', fault: true, errorCode: 'gateway_unavailable', errorMessage: `Stripe refused the request: ${error.message}`.slice(0, 500), ...extra };
    default:
      throw error; // StripeConnectionError, StripeAPIError: Stripe may or may not have acted
  }
}
