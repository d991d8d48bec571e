/**
 * Reads a Commerce Layer external gateways merchant's reply into a GatewayResult, or names the fault when the reply is not one the
 * protocol documents. Pure: no I/O.
 *
 * | reply                                                   | reading                                      |
 * |---------------------------------------------------------|----------------------------------------------|
 * | 2xx, `success: true`, `data.amount_cents` an integer    | succeeded (token: `data.payment_source_token`) |
 * | 202 with `data.action_id` (not for token)               | pending, completed later by webhook          |
 * | 2xx with `success: false`, or ≥ 400 with a JSON object  | failed, with `error.code` / `error.message`  |
 * | ≥ 500                                                   | fault `gateway_unavailable`                  |
 * | 202 without `action_id`, anything not the documented JSON, 1xx/3xx | fault `invalid_response`          |
 */
import type { HttpResponse } from '../../ports/http-client.js';
import type { GatewayResult } from '../../ports/payment-gateway.js';
import type { ExternalAction } from './external-payload.js';

export type ExternalFaultCode = 'timeout' | 'gateway_unavailable' | 'invalid_response';

type ReplyReading =
  | { readonly kind: 'result'; readonly result: GatewayResult }
  | { readonly kind: 'fault'; readonly code: ExternalFaultCode; readonly message: string };

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

function declined(status: number, body: Json): ReplyReading {
  const data = isObject(body['data']) ? body['data'] : {};
  const error = isObject(body['error']) ? body['error'] : {};
  return {
    kind: 'result',
    result: {
      outcome: 'failed', processorToken: text(data['transaction_token'], 500),
      errorCode: text(error['code'], 100) ?? `http_${status}`,
      errorMessage: text(error['message'], 500) ?? `the gateway refused the transaction (HTTP ${status})`,
    },
  };
}

function amountOf(data: Json): number | null {
  const amount = data['amount_cents'];
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0 ? amount : null;
}

/** Interprets `response` to `action`. Never throws. */
export function readExternalReply(action: ExternalAction, response: HttpResponse): ReplyReading {
  const { status } = response;
  if (status >= 500) return fault('gateway_unavailable', `the gateway answered HTTP ${status}`);
  const body = parse(response.body);
  if (status >= 400) return body ? declined(status, body) : fault('invalid_response', `the gateway answered HTTP ${status} without a JSON object`);
  if (status < 200 || status >= 300) return fault('invalid_response', `the gateway answered HTTP ${status}`);
  if (!body) return fault('invalid_response', 'the gateway\'s reply is not a JSON object');
  if (body['success'] === false) return declined(status, body);
  const data = isObject(body['data']) ? body['data'] : null;
  if (!data) return fault('invalid_response', 'the gateway\'s reply has no data object');
  const metadata = isObject(data['metadata']) ? data['metadata'] : undefined;
  const token = text(data['transaction_token'], 500);

  if (status === 202 && action !== 'token') {
    const actionId = text(data['action_id'], 200);
    if (!actionId) return fault('invalid_response', 'the gateway answered 202 without an action_id');
    const amount = amountOf(data);
    return { kind: 'result', result: { outcome: 'pending', actionId, processorToken: token, ...(amount === null ? {} : { amount }), ...(metadata ? { metadata } : {}) } };
  }
  if (body['success'] !== true || status === 202) return fault('invalid_response', 'the gateway\'s reply has neither success: true nor success: false');
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
    result: { outcome: 'succeeded', processorToken: token, amount, messages: messages.slice(0, 20), ...(metadata ? { metadata } : {}) },
  };
}
