/**
 * The life of a payment transaction, in three steps that never hold a transaction open across the
 * processor call (DESIGN rule 4):
 *   1. `startTransaction` records the intent (a `pending` row with its processor idempotency key) after
 *      checking the amount limits against succeeded and pending rows, under the order's row lock;
 *   2. `runTransaction` calls the processor outside any transaction;
 *   3. `completeTransaction` records the result and settles the order.
 * A crash between 1 and 3 leaves a pending row that the janitor resolves by asking the processor.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { withProcessorDetails } from '../../domain/processor-details.js';
import { checkCapture, checkRefund, checkVoid, completeTransaction as completeStatus, deriveAmounts, type TransactionKind } from '../../domain/payment.js';
import type { GatewayRequest, GatewayResult, PaymentGateway, PaymentSource } from '../../ports/payment-gateway.js';
import type { Shop } from '../../ports/catalog.js';
import type { Customer } from '../../ports/customers.js';
import type { Order, OrderLine } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { attachMessages } from '../orders/notifications.js';
import { found } from '../validate.js';
import { logOutcome } from './payment-facts.js';
import { settleLoaded } from './settle-order.js';

interface StartInput {
  readonly orderId: number;
  readonly kind: TransactionKind;
  /** Minor units; defaults to what is left to authorize/capture/refund/void. */
  readonly amount?: number | undefined;
  /** For authorizations; later kinds use the parent's gateway. */
  readonly gatewayId?: string | undefined;
  readonly source?: PaymentSource | null | undefined;
  /** For authorizations: capture as soon as it succeeds, even when that is later (asynchronous payment). */
  readonly autoCapture?: boolean | undefined;
  /**
   * The processor's id of a transaction it already made on its own (a refund from its dashboard), being
   * recorded: the row is refused (`conflict`) when one of the order's transactions already carries it.
   */
  readonly processorReference?: string | undefined;
  readonly actor: string;
  /** Why (a refund's reason): kept in the transaction's metadata as `reason`. */
  readonly reason?: string | null | undefined;
}

const AUTHORIZABLE = new Set(['unpaid', 'partially_authorized']);

function parentFor(kind: TransactionKind, txns: readonly PaymentTransaction[]): PaymentTransaction | null {
  const succeeded = (k: string) => txns.filter((t) => t.kind === k && t.status === 'succeeded');
  if (kind === 'capture' || kind === 'void') return succeeded('authorization').at(-1) ?? null;
  if (kind === 'refund') return succeeded('capture').at(-1) ?? null;
  return null;
}

/** Step 1: the pending row, or a refusal (4xx) when the order's state or amounts do not allow it. */
export async function startTransaction(deps: Deps, input: StartInput): Promise<PaymentTransaction> {
  return deps.store.tx(async (tx) => {
    const order = found(await tx.orders.getForUpdate(input.orderId), 'order', input.orderId);
    return startLoaded(deps, tx, order, await tx.transactions.listByOrder(order.id), input);
  });
}

/** Step 1 in the caller's transaction, for an order it holds locked, with all of the order's transactions. */
async function startLoaded(deps: Deps, tx: Repos, order: Order, txns: readonly PaymentTransaction[], input: StartInput): Promise<PaymentTransaction> {
  // A cancelled order takes no new money, but gives back what it still holds (DESIGN rule 16).
  if (order.status === 'cancelled' && (input.kind === 'authorization' || input.kind === 'capture')) {
    throw new DomainError('invalid_transition', `order ${order.id} is cancelled`);
  }
  const ref = input.processorReference;
  if (ref && txns.some((t) => t.actionId === ref || t.processorToken === ref)) throw new DomainError('conflict', `order ${order.id} already records ${ref}`);
  const amounts = deriveAmounts(txns);
  const parent = parentFor(input.kind, txns);
  const nothingLeft = () => new DomainError('invalid_transition', `order ${order.id} has nothing left to ${input.kind === 'capture' ? 'capture' : 'refund'}`);
  if (input.kind !== 'authorization' && !parent) throw new DomainError('invalid_transition', `order ${order.id} has nothing to ${input.kind}`);
  let amount: number;
  switch (input.kind) {
    case 'authorization': {
      if (!AUTHORIZABLE.has(order.paymentStatus) || amounts.pendingAuthorization > 0) {
        throw new DomainError('invalid_transition', `order ${order.id} is ${order.paymentStatus}${amounts.pendingAuthorization > 0 ? ' with a payment in progress' : ''}; it cannot take another payment`);
      }
      amount = input.amount ?? order.total - amounts.authorized + amounts.voided;
      if (amount <= 0 || amount > order.total - amounts.authorized + amounts.voided) throw new DomainError('amount_exceeds_due', `order ${order.id} has ${order.total - amounts.authorized} left to pay`);
      break;
    }
    case 'capture':
      amount = input.amount ?? amounts.authorized - amounts.captured - amounts.pendingCapture - amounts.voided - amounts.pendingVoid;
      if (input.amount === undefined && amount <= 0) throw nothingLeft(); // "all that is left" of nothing, e.g. a concurrent capture took it
      unwrap(checkCapture(amounts, amount));
      break;
    case 'refund':
      amount = input.amount ?? amounts.captured - amounts.refunded - amounts.pendingRefund;
      if (input.amount === undefined && amount <= 0) throw nothingLeft();
      unwrap(checkRefund(amounts, amount));
      break;
    case 'void':
      amount = unwrap(checkVoid(amounts));
      break;
    default:
      throw new DomainError('invalid_transition', `${input.kind} transactions are not started this way`);
  }
  const gatewayId = input.kind === 'authorization' ? input.gatewayId ?? null : parent!.gatewayId;
  if (input.kind === 'authorization' && gatewayId) found(await tx.gateways.get(gatewayId), 'gateway', gatewayId);
  const id = deps.ids.next('txn');
  return tx.transactions.insert({
    id, orderId: order.id, gatewayId, kind: input.kind, status: 'pending', amount, currency: order.currency,
    parentId: parent?.id ?? null, idempotencyKey: `pb_${id}`, processorToken: null, actionId: ref ?? null, errorCode: null,
    errorMessage: null, metadata: {
      ...(input.source ? { source: { type: input.source.type, token: input.source.token } } : {}),
      ...(input.autoCapture ? { auto_capture: true } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
    },
  });
}

/** The order as the processor is shown it with each of its transactions: loaded once per payment. */
export interface OrderContext {
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly shop: Shop;
  readonly customer: Customer | null;
}

/** Loads an order's context, reusing whatever the caller already holds. */
export async function loadOrderContext(deps: Deps, orderId: number, known: Partial<OrderContext> = {}): Promise<OrderContext> {
  const order = known.order ?? found(await deps.store.orders.get(orderId), 'order', orderId);
  const [lines, shop, customer] = await Promise.all([
    known.lines ?? deps.store.orders.lines(order.id),
    known.shop ?? deps.store.shops.get(order.shopId),
    known.customer !== undefined ? known.customer : order.customerId ? deps.store.customers.get(order.customerId) : undefined,
  ]);
  return { order, lines, shop: shop!, customer: customer ?? null };
}

/** What the processor needs to see with a transaction. */
export async function gatewayRequest(
  deps: Deps, txn: PaymentTransaction, source: PaymentSource | null,
  known: { context?: OrderContext | undefined; parent?: PaymentTransaction | undefined } = {},
): Promise<GatewayRequest> {
  const [context, parent] = await Promise.all([
    known.context ?? loadOrderContext(deps, txn.orderId),
    known.parent ?? (txn.parentId ? deps.store.transactions.get(txn.parentId) : undefined),
  ]);
  const stored = (txn.metadata['source'] as PaymentSource | undefined) ?? null;
  return { transaction: txn, parent: parent ?? null, ...context, source: source ?? stored };
}

export const AUTO_CAPTURE_JOB = 'auto-capture';

/**
 * The auto-capture job: captures what is left of a succeeded authorization, unless someone already did
 * (the synchronous path captures inline; then there is nothing left and the job is done).
 */
export async function autoCapture(deps: Deps, orderId: number): Promise<void> {
  const txns = await deps.store.transactions.listByOrder(orderId);
  if (txns.some((t) => t.kind === 'capture' && t.status !== 'failed') || txns.some((t) => t.kind === 'void' && t.status !== 'failed')) return;
  let intent: PaymentTransaction;
  try {
    intent = await startTransaction(deps, { orderId, kind: 'capture', actor: 'system:auto-capture' });
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'internal_error') return; // nothing left to capture
    throw error;
  }
  await runTransaction(deps, intent, 'system:auto-capture');
}

const METHOD = { authorization: 'authorize', capture: 'capture', void: 'void', refund: 'refund', token: 'tokenize' } as const;

/**
 * Step 2 and 3. Returns the transaction as it stands afterwards: succeeded, failed, or still pending
 * (asynchronous payment, or a processor that did not answer — the janitor takes over), and the capture
 * started with it when `options.capturesInline` asked for one.
 */
export async function runTransaction(
  deps: Deps, txn: PaymentTransaction, actor: string, source: PaymentSource | null = null, options: RunOptions = {},
): Promise<Completed> {
  if (!txn.gatewayId) throw new DomainError('invalid_transition', 'this transaction has no gateway to run on');
  const gateway = options.gateway ?? await deps.gateways.resolve(txn.gatewayId);
  let result: GatewayResult;
  try {
    result = await gateway[METHOD[txn.kind]](await gatewayRequest(deps, txn, source, options));
  } catch (error) {
    // A transport fault: the processor may or may not have acted. Keep the row pending, note why.
    const message = error instanceof Error ? error.message : String(error);
    await deps.store.transactions.setPendingDetails(txn.id, { metadata: { ...txn.metadata, last_fault: message.slice(0, 300) } });
    return { transaction: (await deps.store.transactions.get(txn.id))!, order: (await deps.store.orders.get(txn.orderId))!, capture: null };
  }
  return completeTransaction(deps, txn, result, actor, options);
}

interface CompleteOptions {
  /**
   * The caller captures right after a synchronous authorization: no auto-capture job is needed, and when
   * the authorization succeeded, the capture's intent (step 1) is recorded in the same database
   * transaction as the authorization's result and returned as `capture`.
   */
  readonly capturesInline?: boolean;
}

interface RunOptions extends CompleteOptions {
  /** The gateway's adapter, when the caller already resolved it (one payment, several calls). */
  readonly gateway?: PaymentGateway | undefined;
  /** The order's context, when the caller already loaded it. */
  readonly context?: OrderContext | undefined;
  /** The transaction's parent, when the caller holds it. */
  readonly parent?: PaymentTransaction | undefined;
}

export interface Completed {
  readonly transaction: PaymentTransaction;
  readonly order: Order;
  /** The pending capture started with a successful authorization (`capturesInline`); else null. */
  readonly capture: PaymentTransaction | null;
}

/**
 * Step 3: records a processor's answer for a pending transaction (from the call itself, a webhook or the
 * janitor). Idempotent: a transaction already completed is left as it is, whatever the answer says.
 */
export async function completeTransaction(
  deps: Deps, which: Pick<PaymentTransaction, 'id' | 'orderId'>, result: GatewayResult, actor: string, options: RunOptions = {},
): Promise<Completed> {
  let completed: PaymentTransaction | null = null; // set when this call recorded the outcome: logged once committed
  const done = await deps.store.tx(async (tx) => {
    const order = found(await tx.orders.getForUpdate(which.orderId), 'order', which.orderId);
    const txns = await tx.transactions.listByOrder(order.id);
    const txn = found(txns.find((t) => t.id === which.id), 'transaction', which.id); // as it stands under the order's lock
    if (txn.status !== 'pending') return { transaction: txn, order, capture: null };
    const mismatch = result.outcome !== 'failed' && result.amount !== undefined && result.amount !== null && result.amount !== txn.amount;
    const outcome = mismatch ? 'failed' : result.outcome;
    const metadata = withProcessorDetails(txn.metadata, result);
    const now = deps.clock.now();
    let changed: PaymentTransaction;
    if (outcome === 'pending') {
      const details = { actionId: result.actionId ?? txn.actionId, processorToken: result.processorToken ?? txn.processorToken, metadata };
      await tx.transactions.setPendingDetails(txn.id, details);
      changed = { ...txn, ...details, updatedAt: now };
    } else {
      unwrap(completeStatus(txn.status, outcome));
      const patch = {
        status: outcome, processorToken: result.processorToken ?? txn.processorToken, metadata,
        errorCode: mismatch ? 'amount_mismatch' : outcome === 'failed' ? result.errorCode ?? 'failed' : null,
        errorMessage: mismatch ? `the processor reported ${result.amount} instead of ${txn.amount}` : outcome === 'failed' ? result.errorMessage ?? 'the processor refused the transaction' : null,
      } as const;
      await tx.transactions.complete(txn.id, patch, now);
      changed = { ...txn, ...patch, updatedAt: now };
      completed = changed;
      if (outcome === 'succeeded' && txn.kind === 'authorization' && txn.metadata['auto_capture'] === true && !options.capturesInline && order.status !== 'cancelled') {
        // Captured by the worker when nobody captured it inline (an asynchronous authorization).
        await tx.jobs.enqueue({ id: deps.ids.next('job'), kind: AUTO_CAPTURE_JOB, dedupeKey: `auto-capture:${txn.id}`, payload: { order_id: txn.orderId, authorization_id: txn.id }, nextAttemptAt: now });
      }
    }
    const after = txns.map((t) => (t.id === txn.id ? changed : t));
    const settled = await settleLoaded(deps, tx, { order, txns: after, shop: options.context?.shop, customer: options.context?.customer }, actor, changed);
    if (result.messages?.length) await attachMessages(deps, tx, settled, changed, result.messages);
    const capture = options.capturesInline && changed.kind === 'authorization' && changed.status === 'succeeded'
      ? await startInlineCapture(deps, tx, settled, after, actor)
      : null;
    return { transaction: changed, order: settled, capture };
  });
  if (completed) logOutcome(deps, completed, actor);
  return done;
}

/** The capture that follows a synchronous authorization, or null when the order no longer allows one. */
async function startInlineCapture(deps: Deps, tx: Repos, order: Order, txns: readonly PaymentTransaction[], actor: string): Promise<PaymentTransaction | null> {
  try {
    return await startLoaded(deps, tx, order, txns, { orderId: order.id, kind: 'capture', actor });
  } catch (error) {
    // Refused before anything was written: the authorization's result still stands.
    if (error instanceof DomainError && error.code !== 'internal_error') return null;
    throw error;
  }
}
