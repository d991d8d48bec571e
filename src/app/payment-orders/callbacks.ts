/**
 * Payment orders callbacks: every change of an order's payment orders status is POSTed to the order's `webhookUrl`,
 * signed per Standard Webhooks with the shop's webhook secret, through the ordinary webhook outbox (same
 * retries, attempts recorded). The URL becomes a webhook endpoint bound to the order (format `payment_order`).
 *
 * What a callback says is a pure function of the order's events up to the one it announces: the status
 * is read from the order as that event recorded it, the payments from the transactions the events carried.
 * So every retry sends the same bytes, and a late delivery never shows a newer state than its event.
 * An event that leaves the payment orders status as it was (a declined attempt, the authorization that a
 * single-stage capture follows) sends nothing.
 */
import type { Shop } from '../../ports/catalog.js';
import type { DomainEvent, WebhookEndpoint } from '../../ports/events.js';
import type { Order } from '../../ports/orders.js';
import type { Repos } from '../../ports/store.js';
import type { Deps } from '../deps.js';
import { paymentOrderJson, snapshotStatus, type OrderFields, type OrderSnapshot } from './view.js';
import type { TxnFacts } from './status.js';

/** Creates the order's callback endpoint (inside the order's creating transaction). */
export async function bindCallbackEndpoint(deps: Pick<Deps, 'ids'>, tx: Repos, order: Order, shop: Shop, url: string): Promise<WebhookEndpoint> {
  return tx.webhooks.insertEndpoint({
    id: deps.ids.next('we'), shopId: shop.id, url, secret: shop.webhookSecret, eventTypes: ['*'],
    description: `payment orders callbacks of order ${order.id}`, enabled: true, disabledReason: null, consecutiveFailures: 0,
    orderId: order.id, format: 'payment_order',
  });
}

type Json = Record<string, unknown>;
const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : null);

function orderFieldsOf(data: Json): OrderFields | null {
  const o = data['order'] as Json | undefined;
  if (!o || typeof o !== 'object' || typeof o['id'] !== 'number') return null;
  return {
    id: o['id'], shopId: o['shop_id'] as string, customerId: (o['customer_id'] as string | null) ?? null, number: (o['number'] as string | null) ?? null,
    currency: o['currency'] as string, total: o['total'] as number, status: o['status'] as OrderFields['status'],
    paymentStatus: o['payment_status'] as OrderFields['paymentStatus'], email: (o['email'] as string | null) ?? null,
    metadata: (o['metadata'] as Record<string, string> | undefined) ?? {}, cancelledAt: ms(o['cancelled_at']),
    createdAt: ms(o['created_at']) ?? 0, updatedAt: ms(o['updated_at']) ?? 0,
  };
}

/** The transactions the events carried, each with its last known status; times are the events' times. */
function transactionsOf(events: readonly DomainEvent[]): TxnFacts[] {
  const seen = new Map<string, TxnFacts>();
  for (const e of events) {
    const t = e.data['transaction'] as Json | undefined;
    if (!t || typeof t['id'] !== 'string' || t['kind'] === 'token') continue;
    const first = seen.get(t['id']);
    seen.set(t['id'], {
      id: t['id'], kind: t['kind'] as TxnFacts['kind'], status: t['status'] as TxnFacts['status'], amount: t['amount'] as number,
      parentId: (t['parent_id'] as string | null) ?? null, gatewayId: (t['gateway_id'] as string | null) ?? null,
      errorCode: (t['error_code'] as string | null) ?? null, errorMessage: (t['error_message'] as string | null) ?? null,
      createdAt: first?.createdAt ?? e.createdAt, updatedAt: e.createdAt,
    });
  }
  return [...seen.values()];
}

/** The order's events with a sequence up to `sequence`, in sequence order. */
async function eventsUpTo(events: Repos['events'], orderId: number, sequence: number): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  for (let after: string | undefined; ;) {
    const page = await events.list({ orderId }, { limit: 100, after });
    out.push(...page.items.filter((e) => e.sequence !== null && e.sequence <= sequence));
    if (!page.hasMore || page.items.length === 0) break;
    after = page.items.at(-1)!.id;
  }
  return out.sort((a, b) => a.sequence! - b.sequence!);
}

interface History {
  readonly events: readonly DomainEvent[];
  readonly session: OrderSnapshot['session'];
  readonly shopAutoCapture: boolean;
  readonly clearingDays: number;
}

async function historyOf(repos: Repos, event: DomainEvent): Promise<History | null> {
  if (event.orderId === null || event.sequence === null) return null;
  const order = await repos.orders.get(event.orderId);
  if (!order) return null;
  const [events, session, shop] = await Promise.all([
    eventsUpTo(repos.events, event.orderId, event.sequence), repos.checkoutSessions.latestForOrder(event.orderId), repos.shops.get(order.shopId),
  ]);
  return { events, session: session ?? null, shopAutoCapture: shop?.autoCapture ?? true, clearingDays: shop?.clearingDays ?? 1 };
}

/** The order as of the `upTo`-th of `history.events` (inclusive), or null when no event up to it shows the order. */
function snapshotAt(history: History, upTo: number): OrderSnapshot | null {
  const known = history.events.slice(0, upTo + 1);
  const withOrder = [...known].reverse().map((e) => orderFieldsOf(e.data)).find((o) => o !== null);
  if (!withOrder) return null;
  return { order: withOrder, session: history.session, transactions: transactionsOf(known), shopAutoCapture: history.shopAutoCapture, clearingDays: history.clearingDays };
}

/**
 * The endpoints an event goes to: payment orders endpoints only when the event changed the order's payment orders
 * status (never for the order's first event, its creation); every other endpoint as matched.
 */
export async function callbackRecipients(tx: Repos, event: DomainEvent, endpoints: readonly WebhookEndpoint[]): Promise<WebhookEndpoint[]> {
  if (!endpoints.some((e) => e.format === 'payment_order')) return [...endpoints];
  const history = await historyOf(tx, event);
  const last = history ? history.events.findIndex((e) => e.id === event.id) : -1;
  const now = history && last >= 0 && orderFieldsOf(event.data) ? snapshotAt(history, last) : null;
  const before = history && last > 0 ? snapshotAt(history, last - 1) : null;
  const changed = now !== null && before !== null && snapshotStatus(now) !== snapshotStatus(before);
  return endpoints.filter((e) => e.format !== 'payment_order' || changed);
}

/**
 * The body and signing secret of a payment-order callback: `{eventId, eventType, sequence, createdAt, order}`
 * with the payment order JSON as of the event, signed with the shop's current webhook secret.
 */
export async function paymentOrderCallback(deps: Deps, endpoint: WebhookEndpoint, event: DomainEvent): Promise<{ body: string; secret: string }> {
  const history = await historyOf(deps.store, event);
  const index = history ? history.events.findIndex((e) => e.id === event.id) : -1;
  const snapshot = history && index >= 0 ? snapshotAt(history, index) : null;
  const shop = endpoint.shopId ? await deps.store.shops.get(endpoint.shopId) : undefined;
  const body = JSON.stringify({
    eventId: event.id, eventType: event.type, sequence: event.sequence, createdAt: new Date(event.createdAt).toISOString(),
    order: snapshot ? paymentOrderJson(deps, snapshot) : null,
  });
  return { body, secret: shop?.webhookSecret ?? endpoint.secret };
}
