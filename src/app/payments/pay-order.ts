/**
 * Pays an order: authorize on the chosen gateway, then capture at once when the order is single-stage
 * (auto-capture), or leave it authorized for a later capture (two-stage). Used by the hosted page, the
 * native API and the payment orders API's orders.
 */
import type { PaymentSource } from '../../ports/payment-gateway.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps } from '../deps.js';
import { loadOrderContext, runTransaction, startTransaction, type OrderContext } from './transactions.js';

interface PayInput {
  readonly orderId: number;
  readonly gatewayId: string;
  readonly source: PaymentSource | null;
  /** Capture right after a successful authorization. */
  readonly capture: boolean;
  readonly actor: string;
  /** What the caller already loaded of the order (the processor is shown it); the rest is read here. */
  readonly known?: Partial<OrderContext> | undefined;
}

interface PayResult {
  readonly order: Order;
  /** The authorization, and the capture when one was made. */
  readonly transactions: readonly PaymentTransaction[];
}

/**
 * Four steps, three database transactions: the authorization's intent; its result together with the
 * capture's intent (single-stage); the capture's result. No transaction is open during a processor call.
 */
export async function payOrder(deps: Deps, input: PayInput): Promise<PayResult> {
  const intent = await startTransaction(deps, {
    orderId: input.orderId, kind: 'authorization', gatewayId: input.gatewayId, source: input.source, autoCapture: input.capture, actor: input.actor,
  });
  const gateway = await deps.gateways.resolve(input.gatewayId);
  const context = await loadOrderContext(deps, input.orderId, input.known);
  const authorized = await runTransaction(deps, intent, input.actor, input.source, { capturesInline: input.capture, gateway, context });
  if (!authorized.capture) return { order: authorized.order, transactions: [authorized.transaction] };
  const captured = await runTransaction(deps, authorized.capture, input.actor, null, {
    gateway, context: { ...context, order: authorized.order }, parent: authorized.transaction,
  });
  return { order: captured.order, transactions: [authorized.transaction, captured.transaction] };
}
