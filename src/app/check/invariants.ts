/**
 * The invariant checker (`paybridge check`): reads the whole database and reports every violation of
 * DESIGN.md's money and state rules. Run it after the worker has drained; an empty report is the goal.
 */
import { canTransition } from '../../domain/state-machine.js';
import { FULFILLMENT_STATUS_NEXT, ORDER_STATUS_NEXT, PAYMENT_STATUS_NEXT } from '../../domain/order.js';
import { deriveAmounts, heldAmount, inFlight } from '../../domain/payment.js';
import type { Order } from '../../ports/orders.js';
import type { Deps } from '../deps.js';

interface Violation {
  readonly rule: string;
  readonly subject: string;
  readonly detail: string;
}

const TABLES = { status: ORDER_STATUS_NEXT, payment_status: PAYMENT_STATUS_NEXT, fulfillment_status: FULFILLMENT_STATUS_NEXT } as const;
const PAGE = 500;

async function checkOrder(deps: Deps, order: Order, out: Violation[]): Promise<void> {
  const subject = `order ${order.id}`;
  const [txns, history, lines] = await Promise.all([
    deps.store.transactions.listByOrder(order.id), deps.store.orders.history(order.id), deps.store.orders.lines(order.id),
  ]);
  const a = deriveAmounts(txns);
  if (a.captured > a.authorized) out.push({ rule: 'captured_exceeds_authorized', subject, detail: `captured ${a.captured} > authorized ${a.authorized}` });
  if (a.refunded > a.captured) out.push({ rule: 'refunded_exceeds_captured', subject, detail: `refunded ${a.refunded} > captured ${a.captured}` });
  if (a.captured > order.total) out.push({ rule: 'captured_exceeds_total', subject, detail: `captured ${a.captured} > total ${order.total}` });

  if (order.status === 'cancelled') {
    // DESIGN rule 16: a cancelled order ends holding nothing, and only then gives its codes back.
    const held = heldAmount(a);
    if (held > 0) out.push({ rule: 'cancelled_holds_money', subject, detail: `cancelled but holds ${held} (authorized ${a.authorized}, captured ${a.captured}, voided ${a.voided}, refunded ${a.refunded})` });
    else if (!inFlight(a) && order.releasedAt === null) out.push({ rule: 'cancelled_codes_not_released', subject, detail: 'cancelled, holds nothing, but its promo and seat codes were not given back' });
  }

  const paid = order.paymentStatus === 'paid' || order.paymentStatus === 'free' || order.paymentStatus === 'partially_refunded';
  if (paid && order.status !== 'cancelled' && lines.length > 0 && order.fulfillmentStatus !== 'fulfilled') {
    out.push({ rule: 'paid_not_fulfilled', subject, detail: `payment ${order.paymentStatus}, fulfillment ${order.fulfillmentStatus}` });
  }
  if (order.fulfillmentStatus === 'fulfilled' && lines.length > 0) {
    const seats = await deps.store.fulfillment.seatCodes(order.id);
    const expectedSeats = lines.filter((l) => l.quantity > 1).reduce((s, l) => s + l.quantity, 0);
    if (seats.length !== expectedSeats) out.push({ rule: 'seat_codes_count', subject, detail: `${seats.length} seat codes for ${expectedSeats} seats` });
  }

  const current: Record<string, string> = {};
  for (const change of history) {
    const table = TABLES[change.axis] as Record<string, readonly string[]>;
    if (!canTransition(table as never, change.from as never, change.to as never)) {
      out.push({ rule: 'history_went_backwards', subject, detail: `${change.axis} ${change.from} → ${change.to} (${change.actor})` });
    }
    const previous = current[change.axis];
    if (previous !== undefined && previous !== change.from) {
      out.push({ rule: 'history_inconsistent', subject, detail: `${change.axis} moved from ${change.from} but was ${previous}` });
    }
    current[change.axis] = change.to;
  }
  const final = { status: order.status, payment_status: order.paymentStatus, fulfillment_status: order.fulfillmentStatus };
  for (const [axis, value] of Object.entries(current)) {
    if (final[axis as keyof typeof final] !== value) out.push({ rule: 'history_inconsistent', subject, detail: `${axis} is ${final[axis as keyof typeof final]} but its history ends at ${value}` });
  }
}

export async function checkInvariants(deps: Deps): Promise<Violation[]> {
  const out: Violation[] = [];
  const { store } = deps;
  for (const [currency, total] of Object.entries(await store.ledger.totals())) {
    if (total !== 0) out.push({ rule: 'ledger_unbalanced', subject: currency, detail: `balances sum to ${total}` });
  }
  for (const id of await store.audit.unbalancedTransfers()) out.push({ rule: 'transfer_unbalanced', subject: `transfer ${id}`, detail: 'postings do not sum to zero' });
  for (const a of await store.audit.accountsOutOfSync()) out.push({ rule: 'balance_out_of_sync', subject: a.code, detail: `balance ${a.balance}, postings ${a.postings}` });
  for (const a of await store.audit.negativeAccounts()) out.push({ rule: 'account_below_zero', subject: a.code, detail: `balance ${a.balance}` });
  for (const g of await store.audit.grantsOfVoidOrders()) {
    out.push(g.kind === 'seat_enrollment'
      ? { rule: 'grant_through_void_seat', subject: `order ${g.orderId}`, detail: `enrollment ${g.id}, granted through one of its seat codes, still active` }
      : { rule: 'grant_of_void_order', subject: `order ${g.orderId}`, detail: `${g.kind} ${g.id} still active` });
  }
  const stuck = await store.audit.stuckOutbox(deps.clock.now());
  if (stuck.undispatched > 0) out.push({ rule: 'event_not_dispatched', subject: 'outbox', detail: `${stuck.undispatched} events never fanned out` });
  if (stuck.overdueDeliveries > 0) out.push({ rule: 'delivery_overdue', subject: 'outbox', detail: `${stuck.overdueDeliveries} webhook deliveries due and not attempted` });
  if (stuck.overdueJobs > 0) out.push({ rule: 'job_overdue', subject: 'outbox', detail: `${stuck.overdueJobs} jobs due and not run` });

  let after: number | undefined;
  for (;;) {
    const page = await store.orders.list({}, { limit: PAGE, after });
    for (const order of page.items) await checkOrder(deps, order, out);
    if (!page.hasMore) break;
    after = page.items[page.items.length - 1]!.id;
  }
  return out;
}
