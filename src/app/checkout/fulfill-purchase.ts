/**
 * The purchases API's fulfill call: the merchant's external checkout page took the payment (or did not) and tells
 * Paybridge. SUCCESS records that external payment — an authorization and a capture on no gateway, both
 * succeeded — and settles the order, which fulfills it; FAILED notes why for the buyer; CANCELLED cancels.
 * Each answers where to send the buyer next. Idempotent: the same call again changes nothing and answers
 * the same; a call contradicting the purchase's outcome (CANCELLED after SUCCESS, SUCCESS after
 * CANCELLED) is refused with `invalid_transition`.
 */
import { DomainError } from '../../domain/errors.js';
import type { TransactionKind } from '../../domain/payment.js';
import type { Shop } from '../../ports/catalog.js';
import type { Order } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import { actorOf, type Deps, type Principal } from '../deps.js';
import { emit } from '../events.js';
import { cancelOrder } from '../orders/cancel-order.js';
import { moveOrder } from '../orders/move-order.js';
import { settleOrder } from '../payments/settle-order.js';
import { orderJson } from '../representations.js';
import { found } from '../validate.js';
import { openCheckoutSession } from './sessions.js';
import { checkoutUrl, successRedirect, withPurchaseId } from './urls.js';

type FulfillState = 'SUCCESS' | 'FAILED' | 'CANCELLED';

interface FulfillInput {
  readonly orderId: number;
  readonly state: FulfillState;
  /** FAILED: shown to the buyer, kept as the order's status message. */
  readonly errorMessage?: string | undefined;
  /** The processor's id of the payment, kept on the order and as the transactions' processor token. */
  readonly processorOrderId?: string | undefined;
  /** Whatever the processor answered, kept for reference. */
  readonly processorData?: string | undefined;
}

interface FulfillResult {
  readonly order: Order;
  /** Where the merchant's page sends the buyer next. */
  readonly redirectUrl: string;
}

const SETTLED = new Set(['paid', 'free']);
const MONEY_TAKEN = new Set(['paid', 'free', 'partially_paid', 'partially_refunded', 'refunded']);
const DEFAULT_FAILURE = 'The payment was not completed.';

const refuse = (order: Order, why: string) => new DomainError('invalid_transition', `purchase ${order.id} ${why}`);

/** Inserts a transaction and completes it as succeeded at once: the money already moved, outside Paybridge. */
async function recordExternal(
  deps: Deps, tx: Repos, order: Order, kind: TransactionKind, parent: PaymentTransaction | null, reference: string | null,
): Promise<PaymentTransaction> {
  const id = deps.ids.next('txn');
  await tx.transactions.insert({
    id, orderId: order.id, gatewayId: null, kind, status: 'pending', amount: order.total, currency: order.currency,
    parentId: parent?.id ?? null, idempotencyKey: `external:${order.id}:${kind}`, processorToken: reference, actionId: null,
    errorCode: null, errorMessage: null, metadata: { source: 'external_checkout' },
  });
  await tx.transactions.complete(id, { status: 'succeeded', processorToken: reference }, deps.clock.now());
  return (await tx.transactions.get(id))!;
}

async function succeed(deps: Deps, input: FulfillInput, actor: string): Promise<Order> {
  return deps.store.tx(async (tx) => {
    let order = found(await tx.orders.getForUpdate(input.orderId), 'purchase', input.orderId);
    if (order.status === 'cancelled') throw refuse(order, 'was cancelled; it cannot succeed');
    if (SETTLED.has(order.paymentStatus)) {
      if (input.processorOrderId && order.processorReference && input.processorOrderId !== order.processorReference) {
        throw refuse(order, `was already paid with payment ${order.processorReference}`);
      }
      // Nothing more to record; a free order made elsewhere and never settled is fulfilled now.
      return order.fulfillmentStatus === 'unfulfilled' ? settleOrder(deps, tx, order.id, actor, null) : order;
    }
    if (order.paymentStatus !== 'unpaid') throw refuse(order, `has payment status ${order.paymentStatus}; it cannot take an external payment`);
    if ((await tx.transactions.listByOrder(order.id)).some((t) => t.status === 'pending')) {
      throw refuse(order, 'has a payment in progress on the hosted page');
    }
    const reference = input.processorOrderId ?? null;
    order = await moveOrder(deps, tx, order, [], { actor }, {
      processorReference: reference, processorData: input.processorData ?? order.processorData,
    });
    const authorization = await recordExternal(deps, tx, order, 'authorization', null, reference);
    await settleOrder(deps, tx, order.id, actor, authorization);
    const capture = await recordExternal(deps, tx, order, 'capture', authorization, reference);
    const settled = await settleOrder(deps, tx, order.id, actor, capture);
    const session = await tx.checkoutSessions.latestForOrder(order.id);
    if (session?.status === 'open') await tx.checkoutSessions.close(session.id, 'complete');
    return settled;
  });
}

/** The page to try paying again: the remote checkout page, or the hosted page of an open session. */
async function retryUrl(deps: Deps, tx: Repos, shop: Shop, order: Order): Promise<string> {
  if (shop.remoteCheckoutUrl) return checkoutUrl(deps, shop, order.id, null);
  const latest = await tx.checkoutSessions.latestForOrder(order.id);
  const open = latest?.status === 'open' && latest.expiresAt > deps.clock.now() ? latest : await openCheckoutSession(deps, tx, order);
  return checkoutUrl(deps, shop, order.id, open.id);
}

async function fail(deps: Deps, input: FulfillInput, actor: string): Promise<FulfillResult> {
  return deps.store.tx(async (tx) => {
    let order = found(await tx.orders.getForUpdate(input.orderId), 'purchase', input.orderId);
    if (order.status === 'cancelled') throw refuse(order, 'was cancelled; it cannot fail');
    if (MONEY_TAKEN.has(order.paymentStatus)) throw refuse(order, `has payment status ${order.paymentStatus}; it cannot fail`);
    const message = input.errorMessage ?? DEFAULT_FAILURE;
    const patch: Partial<Order> = {
      statusMessage: message, processorReference: input.processorOrderId ?? order.processorReference,
      processorData: input.processorData ?? order.processorData,
    };
    const changed = (Object.keys(patch) as (keyof Order)[]).some((k) => patch[k] !== order[k]);
    if (changed) {
      order = await moveOrder(deps, tx, order, [], { actor, reason: 'external payment failed' }, patch);
      await emit(deps, tx, { type: 'purchase.failed', shopId: order.shopId, orderId: order.id, data: { order: orderJson(order), error_msg: message } });
    }
    const shop = (await tx.shops.get(order.shopId))!;
    return { order, redirectUrl: await retryUrl(deps, tx, shop, order) };
  });
}

async function cancel(deps: Deps, principal: Principal, input: FulfillInput): Promise<FulfillResult> {
  const current = found(await deps.store.orders.get(input.orderId), 'purchase', input.orderId);
  if (MONEY_TAKEN.has(current.paymentStatus)) throw refuse(current, `has payment status ${current.paymentStatus}; refund it instead of cancelling`);
  const order = await cancelOrder(deps, principal, input.orderId, input.errorMessage ?? 'cancelled at the external checkout');
  const shop = (await deps.store.shops.get(order.shopId))!;
  const session = await deps.store.checkoutSessions.latestForOrder(order.id);
  const redirectUrl = shop.cancelUrl ? withPurchaseId(shop.cancelUrl, order.id) : checkoutUrl(deps, shop, order.id, session?.id ?? null);
  return { order, redirectUrl };
}

/** Applies the external checkout's verdict; see the module comment for idempotency and refusals. */
export async function fulfillPurchase(deps: Deps, principal: Principal, input: FulfillInput): Promise<FulfillResult> {
  const actor = actorOf(principal);
  switch (input.state) {
    case 'SUCCESS': {
      const order = await succeed(deps, input, actor);
      const shop = (await deps.store.shops.get(order.shopId))!;
      return { order, redirectUrl: successRedirect(deps, shop, order.id) };
    }
    case 'FAILED':
      return fail(deps, input, actor);
    case 'CANCELLED':
      return cancel(deps, principal, input);
  }
}
