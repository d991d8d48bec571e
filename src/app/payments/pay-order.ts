/**
 * Pays an order: authorize on the chosen gateway, then capture at once when the order is single-stage
 * (auto-capture), or leave it authorized for a later capture (two-stage). Used by the hosted page, the
 * native API and seed 004's orders.
 */
import type { PaymentSource } from '../../ports/payment-gateway.js';
import type { Order, PaymentTransaction } from '../../ports/records.js';
import type { Deps } from '../deps.js';
import { runTransaction, startTransaction } from './transactions.js';

export interface PayInput {
  readonly orderId: number;
  readonly gatewayId: string;
  readonly source: PaymentSource | null;
  /** Capture right after a successful authorization. */
  readonly capture: boolean;
  readonly actor: string;
}

export interface PayResult {
  readonly order: Order;
  /** The authorization, and the capture when one was made. */
  readonly transactions: readonly PaymentTransaction[];
}

export async function payOrder(deps: Deps, input: PayInput): Promise<PayResult> {
  const intent = await startTransaction(deps, {
    orderId: input.orderId, kind: 'authorization', gatewayId: input.gatewayId, source: input.source, autoCapture: input.capture, actor: input.actor,
  });
  const authorized = await runTransaction(deps, intent, input.actor, input.source, { capturesInline: input.capture });
  if (!input.capture || authorized.transaction.status !== 'succeeded') return { order: authorized.order, transactions: [authorized.transaction] };
  const capture = await runTransaction(deps, await startTransaction(deps, { orderId: input.orderId, kind: 'capture', actor: input.actor }), input.actor);
  return { order: capture.order, transactions: [authorized.transaction, capture.transaction] };
}
