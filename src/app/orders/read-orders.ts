/** Reading orders: platform callers see every order, a customer only their own (others are "not found"). */
import type { Page, PageRequest } from '../../ports/common.js';
import type { Order, OrderLine, OrderNote, StatusChange } from '../../ports/orders.js';
import type { PaymentTransaction } from '../../ports/payments.js';
import type { Deps, Principal } from '../deps.js';
import { found } from '../validate.js';

export async function visibleOrder(deps: Deps, principal: Principal, id: number): Promise<Order> {
  const order = await deps.store.orders.get(id);
  const mine = order && (principal.role !== 'customer' || order.customerId === principal.customerId);
  return found(mine ? order : undefined, 'order', id);
}

export interface OrderDetails {
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly transactions: readonly PaymentTransaction[];
  readonly history: readonly StatusChange[];
  /** What payment processors attached to the order (their replies' `messages`), oldest first. */
  readonly notifications: readonly OrderNote[];
}

export async function orderDetails(deps: Deps, principal: Principal, id: number): Promise<OrderDetails> {
  const order = await visibleOrder(deps, principal, id);
  const [lines, transactions, history, notifications] = await Promise.all([
    deps.store.orders.lines(id), deps.store.transactions.listByOrder(id), deps.store.orders.history(id), deps.store.orderNotes.list(id),
  ]);
  return { order, lines, transactions, history, notifications };
}

export async function listOrders(
  deps: Deps, principal: Principal, filter: { shopId?: string | undefined; customerId?: string | undefined }, page: PageRequest,
): Promise<Page<Order>> {
  const customerId = principal.role === 'customer' ? principal.customerId : filter.customerId;
  return deps.store.orders.list({ shopId: filter.shopId, customerId }, page);
}
