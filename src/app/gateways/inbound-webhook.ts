/**
 * A merchant's webhook for an asynchronous Commerce Layer external gateways transaction (`POST /webhooks/external/{gatewayId}`):
 * verified over the raw bytes, stored once per (gateway, action id, body), then applied to the pending
 * transaction it names through completeTransaction, which settles the order in the same DB transaction.
 * Only the specification's updatable attributes are taken (message, error_code, error_detail, avs_code,
 * avs_message, cvv_code, cvv_message, fraud_review); amount_cents and transaction_token never change.
 * A replay changes nothing; a late or out-of-order webhook for a transaction already completed is stored
 * and acknowledged but never moves it (DESIGN rule 5).
 */
import { DomainError } from '../../domain/errors.js';
import { pickProcessorAttributes, pickProcessorMetadata } from '../../domain/processor-details.js';
import type { GatewayResult } from '../../ports/payment-gateway.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { completeTransaction } from '../payments/transactions.js';
import { invalid } from '../validate.js';
import { externalGatewayDetails } from './external-config.js';

export interface WebhookOutcome {
  /** `processed`: the transaction was completed now; `duplicate`: this exact webhook was applied before;
   * `ignored`: the transaction was already completed (late or out-of-order event). */
  readonly status: 'processed' | 'duplicate' | 'ignored';
  readonly transaction: PaymentTransaction;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseBody(raw: Buffer): Json {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DomainError('malformed_request', 'the webhook body is not valid JSON');
  }
  if (!isObject(body)) throw new DomainError('malformed_request', 'the webhook body must be a JSON object');
  return body;
}

/**
 * The result a webhook body means for its pending transaction: the updatable attributes it carries (and its
 * `metadata`, merged into the metadata of the first reply); error_code / error_detail for a failure.
 */
function resultOf(body: Json, data: Json): GatewayResult {
  const metadata = pickProcessorMetadata(data);
  const details = { attributes: pickProcessorAttributes(data), ...(metadata ? { metadata } : {}) };
  const error = isObject(body['error']) ? body['error'] : {};
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  if (body['success'] === true) return { outcome: 'succeeded', ...details };
  return {
    outcome: 'failed', ...details,
    errorCode: (str(data['error_code']) ?? str(error['code']) ?? 'failed').slice(0, 100),
    errorMessage: (str(data['error_detail']) ?? str(error['message']) ?? str(data['message']) ?? 'the gateway reported a failure').slice(0, 500),
  };
}

/**
 * Applies a webhook. Throws `invalid_signature` (401) for a bad or missing signature, `not_found` (404)
 * for an unknown gateway or action id, `malformed_request` / `validation_failed` for a body that is not
 * the documented JSON. `verify` checks the signature with the gateway's shared secret over the raw bytes.
 */
export async function receiveExternalWebhook(deps: Deps, gatewayId: string, raw: Buffer, verify: (secret: string) => boolean): Promise<WebhookOutcome> {
  const { config } = await externalGatewayDetails(deps, gatewayId);
  if (!verify(config.sharedSecret)) throw new DomainError('invalid_signature', 'the X-CommerceLayer-Signature header does not match the body');
  const body = parseBody(raw);
  const data = isObject(body['data']) ? body['data'] : {};
  const rawAction = data['action_id'] ?? body['action_id'];
  const actionId = typeof rawAction === 'string' && rawAction.length > 0 && rawAction.length <= 200 ? rawAction : null;
  const text = raw.toString('utf8');
  const { inserted, webhook } = await deps.store.externalGateways.insertInbound({
    id: deps.ids.next('whin'), gatewayId, actionId, bodyHash: deps.hasher.hashToken(text), body: text.slice(0, 100_000),
    status: 'received', transactionId: null, outcome: null, createdAt: deps.clock.now(),
  });
  const finish = (status: 'processed' | 'ignored' | 'unknown_action' | 'invalid', transactionId: string | null, outcome: string) =>
    deps.store.externalGateways.finishInbound(webhook.id, { status, transactionId, outcome }, deps.clock.now());

  if (!actionId) {
    await finish('invalid', null, 'no action_id');
    throw invalid('/data/action_id', 'is required: the action_id of the 202 reply');
  }
  if (typeof body['success'] !== 'boolean') {
    await finish('invalid', null, 'no success flag');
    throw invalid('/success', 'must be true or false');
  }
  const txn = await deps.store.transactions.getByActionId(gatewayId, actionId);
  if (!txn) {
    await finish('unknown_action', null, 'no transaction has this action_id');
    throw new DomainError('not_found', `no transaction of gateway ${gatewayId} has action_id ${actionId}`);
  }
  if (!inserted && (webhook.status === 'processed' || webhook.status === 'ignored')) {
    return { status: 'duplicate', transaction: txn };
  }
  if (txn.status !== 'pending') {
    await finish('ignored', txn.id, `the transaction was already ${txn.status}`);
    return { status: 'ignored', transaction: txn };
  }
  const done = await completeTransaction(deps, txn, resultOf(body, data), `gateway:${gatewayId}`);
  await finish('processed', txn.id, done.transaction.status);
  return { status: 'processed', transaction: done.transaction };
}
