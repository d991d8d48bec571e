/**
 * The one way an order's status axes change: the domain table decides, the update is guarded by the
 * order's version, and every move appends a history row naming who or what caused it.
 */
import { DomainError, unwrap } from '../../domain/errors.js';
import { transitionOrder, type OrderAxisStatus, type OrderState } from '../../domain/order.js';
import type { Order, StatusAxis } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';

function orderState(order: Order): OrderState {
  return { status: order.status, payment_status: order.paymentStatus, fulfillment_status: order.fulfillmentStatus };
}

export interface Move<A extends StatusAxis = StatusAxis> {
  readonly axis: A;
  readonly to: OrderAxisStatus[A];
}

/**
 * Applies `moves` in order inside the caller's transaction, plus `patch` (other fields). A move to the
 * current state is skipped; a refused move throws `invalid_transition`. Returns the updated order.
 * The caller read `order` with `getForUpdate`, so the version guard only fails on a programming error.
 */
export async function moveOrder(
  deps: Pick<Deps, 'clock' | 'ids'>, tx: Repos, order: Order, moves: readonly Move[],
  by: { actor: string; reason?: string | null }, patch: Partial<Order> = {},
): Promise<Order> {
  let state = orderState(order);
  const changes: { axis: StatusAxis; from: string; to: string }[] = [];
  for (const move of moves) {
    const from = state[move.axis];
    if (from === move.to) continue;
    state = unwrap(transitionOrder(state, move.axis, move.to as never));
    changes.push({ axis: move.axis, from, to: move.to });
  }
  if (changes.length === 0 && Object.keys(patch).length === 0) return order;
  const values: Partial<Order> = {
    ...patch, status: state.status, paymentStatus: state.payment_status, fulfillmentStatus: state.fulfillment_status,
  };
  if (!(await tx.orders.updateGuarded(order.id, order.version, values))) {
    throw new DomainError('conflict', `order ${order.id} was changed concurrently; retry the request`);
  }
  const now = deps.clock.now();
  await tx.orders.addStatusChanges(changes.map((c) => ({
    id: deps.ids.next('chg'), orderId: order.id, axis: c.axis, from: c.from, to: c.to,
    actor: by.actor, reason: by.reason ?? null, createdAt: now,
  })));
  return { ...order, ...values, version: order.version + 1, updatedAt: now };
}
