/**
 * Reads a Commerce Layer external gateways merchant's reply into a GatewayResult, or names the fault when the reply is not one the
 * protocol documents. Pure: no I/O.
 *
 * | reply                                                   | reading                                      |
 * |---------------------------------------------------------|----------------------------------------------|
 * | 2xx, `success: true`, `data.amount_cents` an integer    | succeeded (token: `data.payment_source_token`) |
 * | 202 with `data.action_id` (not for token)               | pending, completed later by webhook          |
 * | 2xx with `success: false`, or 4xx with a JSON object    | failed, with `error.code` / `error.message`  |
 * | ≥ 500                                                   | fault `gateway_unavailable`, reporting the body's `error.code` / `error.message` when it has them |
 * | 202 to a token call (token_url is synchronous) | fault `invalid_response`                    |
 * | 202 without `action_id`, anything not the documented JSON, 1xx/3xx | fault `invalid_response`          |
 */
import { pickProcessorAttributes, pickProcessorMetadata } from '../../domain/processor-details.js';
import type { HttpResponse } from '../../ports/http-client.js';
import type { GatewayResult } from '../../ports/payment-gateway.js';
import type { ExternalAction } from './external-payload.js';

export type ExternalFaultCode = 'timeout' | 'gateway_unavailable' | 'invalid_response';

/** What the merchant's error body said about a fault (`error.code`, `error.message`, `data.transaction_token`). */
export interface ReportedError {
  readonly code: string | null;
  readonly message: string | null;
  readonly processorToken: string | null;
}

type ReplyReading =
  | { readonly kind: 'result'; readonly result: GatewayResult }
  | { readonly kind: 'fault'; readonly code: ExternalFaultCode; readonly message: string; readonly reported?: ReportedError };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);
const fault = (code: ExternalFaultCode, message: string): ReplyReading => ({ kind: 'fault', code, message });

function parse(body: string): Json | null {
  try {
    const value: unknown = JSON.parse(body);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** The documented error body: `{success: false, data: {transaction_token, amount_cents}, error: {code, message}}`. */
function reportedError(body: Json | null): ReportedError {
  const data = body && isObject(body['data']) ? body['data'] : {};
  const error = body && isObject(body['error']) ? body['error'] : {};
  return { code: text(error['code'], 100), message: text(error['message'], 500), processorToken: text(data['transaction_token'], 500) };
}

function declined(status: number, body: Json): ReplyReading {
  const reported = reportedError(body);
  return {
    kind: 'result',
    result: {
      outcome: 'failed', processorToken: reported.processorToken,
      errorCode: reported.code ?? `http_${status}`,
      errorMessage: reported.message ?? `the gateway refused the transaction (HTTP ${status})`,
    },
  };
}

/** A 5xx: a fault that counts against the circuit, keeping what the body says about it. */
function serverError(status: number, body: Json | null): ReplyReading {
  const reported = reportedError(body);
  const message = `the gateway answered HTTP ${status}`;
  return { kind: 'fault', code: 'gateway_unavailable', message, ...(reported.code || reported.message ? { reported } : {}) };
}

function amountOf(data: Json): number | null {
  const amount = data['amount_cents'];
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0 ? amount : null;
}

/** Interprets `response` to `action`. Never throws. */
export function readExternalReply(action: ExternalAction, response: HttpResponse): ReplyReading {
  const { status } = response;
  const body = parse(response.body);
  if (status >= 500) return serverError(status, body);
  if (status >= 400) return body ? declined(status, body) : fault('invalid_response', `the gateway answered HTTP ${status} without a JSON object`);
  if (status < 200 || status >= 300) return fault('invalid_response', `the gateway answered HTTP ${status}`);
  if (!body) return fault('invalid_response', 'the gateway\'s reply is not a JSON object');
  if (body['success'] === false) return declined(status, body);
  const data = isObject(body['data']) ? body['data'] : null;
  if (!data) return fault('invalid_response', 'the gateway\'s reply has no data object');
  const metadata = pickProcessorMetadata(data);
  const details = { ...(metadata ? { metadata } : {}), attributes: pickProcessorAttributes(data) };
  const token = text(data['transaction_token'], 500);

  if (status === 202 && action === 'token') {
    return fault('invalid_response', 'the gateway answered 202 to a token call: token calls cannot be asynchronous, token_url must answer with the payment_source_token at once');
  }
  if (status === 202) {
    const actionId = text(data['action_id'], 200);
    if (!actionId) return fault('invalid_response', 'the gateway answered 202 without an action_id');
    const amount = amountOf(data);
    return { kind: 'result', result: { outcome: 'pending', actionId, processorToken: token, ...(amount === null ? {} : { amount }), ...details } };
  }
  if (body['success'] !== true) return fault('invalid_response', 'the gateway\'s reply has neither success: true nor success: false');
  if (action === 'token') {
    const sourceToken = text(data['payment_source_token'], 500);
    if (!sourceToken) return fault('invalid_response', 'the gateway\'s token reply has no payment_source_token');
    const customerToken = text(data['customer_token'], 500);
    return { kind: 'result', result: { outcome: 'succeeded', processorToken: sourceToken, metadata: { ...(metadata ?? {}), customer_token: customerToken } } };
  }
  const amount = amountOf(data);
  if (amount === null) return fault('invalid_response', 'the gateway\'s reply has no integer amount_cents');
  const messages = Array.isArray(data['messages']) ? data['messages'] : data['messages'] === undefined ? [] : [data['messages']];
  return {
    kind: 'result',
    result: { outcome: 'succeeded', processorToken: token, amount, messages: messages.slice(0, 20), ...details },
  };
}
