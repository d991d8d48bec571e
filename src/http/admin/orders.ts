/**
 * Orders: the searchable list, an order's detail with its payment timeline, and the actions (capture,
 * void, refund, cancel, resend the confirmation). Each action has its own page that says what will happen
 * and asks for confirmation; the confirmed POST runs the API's use case with the operator as the actor and
 * shows the API's error text when it is refused.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { cancelOrder } from '../../app/orders/cancel-order.js';
import { orderDetails } from '../../app/orders/read-orders.js';
import { resendConfirmation } from '../../app/orders/resend-confirmation.js';
import { runTransaction, startTransaction } from '../../app/payments/transactions.js';
import { DomainError, unwrap } from '../../domain/errors.js';
import { parseMajor } from '../../domain/money.js';
import { FULFILLMENT_STATUSES, ORDER_STATUSES, PAYMENT_STATUSES } from '../../domain/order.js';
import { deriveAmounts, type TransactionKind } from '../../domain/payment.js';
import type { Order } from '../../ports/orders.js';
import { httpStatus, toDomainError } from '../errors.js';
import { html, type Html } from '../pages/html.js';
import { field, frame, who } from './admin.js';
import { badge, csrfField, document, errorAlert, flash, money, redirect, sendAdmin, table, when } from './layout.js';

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

/** A `YYYY-MM-DD` date as the start of that UTC day; undefined when absent or not a date. */
function day(value: string | undefined): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function select(name: string, label: string, options: readonly string[], value: string | undefined): Html {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map((o) =>
    html`<option value="${o}"${o === value ? html` selected` : ''}>${o.replace(/_/g, ' ')}</option>`)}</select></div>`;
}

export function orderRows(orders: readonly Order[], emails: ReadonlyMap<string, string>): Html[] {
  return orders.map((o) => html`<tr>
<td class="nowrap"><a href="/admin/orders/${o.id}">#${o.id}</a>${o.number ? html` <span class="muted small">${o.number}</span>` : ''}</td>
<td class="nowrap">${when(o.createdAt)}</td>
<td>${o.email ?? (o.customerId ? emails.get(o.customerId) ?? o.customerId : '—')}</td>
<td class="num">${money(o.total, o.currency)}</td>
<td>${badge(o.status)}</td><td>${badge(o.paymentStatus)}</td><td>${badge(o.fulfillmentStatus)}</td>
</tr>`);
}

export async function customerEmails(deps: Deps, orders: readonly Order[]): Promise<Map<string, string>> {
  const ids = [...new Set(orders.map((o) => o.customerId).filter((id): id is string => id !== null && orders.some((o) => o.customerId === id && !o.email)))];
  const customers = await Promise.all(ids.map((id) => deps.store.customers.get(id)));
  return new Map(customers.filter((c) => c !== undefined).map((c) => [c!.id, c!.email]));
}

export const ORDER_HEAD = ['Order', 'Created (UTC)', 'Buyer', { text: 'Total', num: true as const }, 'Status', 'Payment', 'Fulfillment'];

async function listPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const q = req.query;
  const text = field(q, 'q', 200);
  const status = field(q, 'status');
  const paymentStatus = field(q, 'payment_status');
  const fulfillmentStatus = field(q, 'fulfillment_status');
  const fromText = field(q, 'from', 10);
  const toText = field(q, 'to', 10);
  const beforeText = field(q, 'before', 20);
  const before = beforeText && /^\d+$/.test(beforeText) ? Number(beforeText) : undefined;
  const to = day(toText);
  const page = await deps.store.dashboard.searchOrders({
    text, status: ORDER_STATUSES.find((s) => s === status), paymentStatus: PAYMENT_STATUSES.find((s) => s === paymentStatus),
    fulfillmentStatus: FULFILLMENT_STATUSES.find((s) => s === fulfillmentStatus), from: day(fromText), to: to === undefined ? undefined : to + DAY_MS,
  }, { limit: PAGE_SIZE, before });
  const emails = await customerEmails(deps, page.items);
  const keep = new URLSearchParams(Object.entries({ q: text, status, payment_status: paymentStatus, fulfillment_status: fulfillmentStatus, from: fromText, to: toText })
    .filter((e): e is [string, string] => e[1] !== undefined));
  const last = page.items.at(-1);
  const nextUrl = page.hasMore && last ? `/admin/orders?${new URLSearchParams([...keep, ['before', String(last.id)]])}` : null;
  const f = frame(req, reply, 'Orders', 'orders');
  return sendAdmin(reply, 200, document(f, html`<h1>Orders</h1>
<div class="card"><form class="filters" method="get" action="/admin/orders" role="search" aria-label="Search orders">
<div class="wide"><label for="f-q">Order id, number, e-mail or external id</label><input id="f-q" name="q" type="search" value="${text ?? ''}"></div>
${select('status', 'Status', ORDER_STATUSES, status)}${select('payment_status', 'Payment', PAYMENT_STATUSES, paymentStatus)}${select('fulfillment_status', 'Fulfillment', FULFILLMENT_STATUSES, fulfillmentStatus)}
<div><label for="f-from">Created from</label><input id="f-from" name="from" type="date" value="${fromText ?? ''}"></div>
<div><label for="f-to">to (inclusive)</label><input id="f-to" name="to" type="date" value="${toText ?? ''}"></div>
<div><button type="submit">Search</button> <a class="button secondary" href="/admin/orders">Clear</a></div>
</form></div>
<div class="card">
${table('Orders', ORDER_HEAD, orderRows(page.items, emails), 'No order matches.')}
<div class="pager">${before !== undefined ? html`<a href="/admin/orders?${keep.toString()}">First page</a>` : ''}${nextUrl ? html`<a href="${nextUrl}">Next page</a>` : ''}</div>
</div>`));
}

interface TimelineEntry { readonly at: number; readonly order: number; readonly row: Html }

const ACTIONS = {
  capture: { title: 'Capture', verb: 'Capture', kind: 'capture' as TransactionKind, amount: true },
  void: { title: 'Void the authorization', verb: 'Void', kind: 'void' as TransactionKind, amount: false },
  refund: { title: 'Refund', verb: 'Refund', kind: 'refund' as TransactionKind, amount: true },
  cancel: { title: 'Cancel the order', verb: 'Cancel the order', kind: null, amount: false },
  resend: { title: 'Resend the confirmation e-mail', verb: 'Resend the e-mail', kind: null, amount: false },
} as const;
type ActionName = keyof typeof ACTIONS;
const isAction = (name: string): name is ActionName => Object.hasOwn(ACTIONS, name);

function orderId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw new DomainError('not_found', `order ${raw} not found`);
  return Number(raw);
}

async function detailPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const id = orderId(req);
  const me = who(req);
  const d = await orderDetails(deps, me.principal, id);
  const { order } = d;
  const cur = (n: number) => money(n, order.currency);
  const [customer, shop, events, enrollments, seats] = await Promise.all([
    order.customerId ? deps.store.customers.get(order.customerId) : undefined,
    deps.store.shops.get(order.shopId),
    deps.store.events.list({ orderId: id }, { limit: 100 }),
    deps.store.fulfillment.enrollments({ orderId: id }, { limit: 100 }),
    deps.store.fulfillment.seatCodes(id),
  ]);
  const gatewayIds = [...new Set(d.transactions.map((t) => t.gatewayId).filter((g): g is string => g !== null))];
  const gateways = new Map((await Promise.all(gatewayIds.map((g) => deps.store.gateways.get(g)))).filter((g) => g).map((g) => [g!.id, g!]));
  const deliveries = new Map(await Promise.all(events.items.map(async (e) => [e.id, (await deps.store.webhooks.listDeliveries({ eventId: e.id }, { limit: 20 })).items] as const)));
  const amounts = deriveAmounts(d.transactions);

  const timeline: TimelineEntry[] = [];
  d.transactions.forEach((t, i) => {
    const gateway = t.gatewayId ? gateways.get(t.gatewayId) : undefined;
    const reason = typeof t.metadata['reason'] === 'string' ? t.metadata['reason'] : null;
    timeline.push({ at: t.createdAt, order: i, row: html`<tr>
<td class="nowrap">${when(t.createdAt)}</td><td><strong>${t.kind}</strong> <span class="muted small mono">${t.id}</span></td>
<td class="num">${cur(t.amount)}</td>
<td>${gateway ? html`${gateway.name} <span class="muted small">(${gateway.kind})</span>` : t.gatewayId ?? '—'}<br><span class="small">ref: <span class="mono">${t.processorToken ?? t.actionId ?? '—'}</span></span></td>
<td>${badge(t.status)}${t.errorCode ? html`<br><span class="small">${t.errorCode}: ${t.errorMessage ?? ''}</span>` : ''}${reason ? html`<br><span class="small">reason: ${reason}</span>` : ''}</td></tr>` });
  });
  events.items.forEach((e, i) => {
    const ds = deliveries.get(e.id) ?? [];
    timeline.push({ at: e.createdAt, order: 1000 + i, row: html`<tr>
<td class="nowrap">${when(e.createdAt)}</td><td>event <strong>${e.type}</strong> <span class="muted small">#${e.sequence ?? '—'}</span></td><td></td>
<td class="small">${ds.length === 0 ? html`<span class="muted">no webhook endpoint</span>` : ds.map((x) => html`<a href="/admin/webhooks/deliveries/${x.id}">${x.id}</a> ${x.attempts} attempt${x.attempts === 1 ? '' : 's'}${x.lastStatusCode ? ` (HTTP ${x.lastStatusCode})` : ''}<br>`)}</td>
<td>${ds.map((x) => html`${badge(x.status)} `)}</td></tr>` });
  });
  d.history.forEach((h, i) => {
    timeline.push({ at: h.createdAt, order: 2000 + i, row: html`<tr>
<td class="nowrap">${when(h.createdAt)}</td><td>${h.axis.replace(/_/g, ' ')}: ${h.from.replace(/_/g, ' ')} → <strong>${h.to.replace(/_/g, ' ')}</strong></td><td></td>
<td class="small">by <span class="mono">${h.actor}</span>${h.reason ? html`<br>reason: ${h.reason}` : ''}</td><td></td></tr>` });
  });
  timeline.sort((a, b) => a.at - b.at || a.order - b.order);

  const lineRows = d.lines.map((l) => html`<tr><td>${l.title} <span class="muted small">${l.sku}</span></td><td class="num">${l.quantity}</td>
<td class="num">${cur(l.unitAmount)}</td><td class="num">${cur(l.subtotal)}</td><td class="num">${l.discount ? `−${cur(l.discount)}` : '—'}</td><td class="num">${cur(l.tax)}</td><td class="num">${cur(l.total)}</td></tr>`);
  lineRows.push(html`<tr class="total"><td>Total${order.promoCode ? html` <span class="muted small">promo ${order.promoCode}</span>` : ''}</td><td></td><td></td>
<td class="num">${cur(order.subtotal)}</td><td class="num">${order.discount ? `−${cur(order.discount)}` : '—'}</td><td class="num">${cur(order.tax)}</td><td class="num">${cur(order.total)}</td></tr>`);
  const f = frame(req, reply, `Order #${order.id}`, 'orders');
  const act = (name: ActionName, danger = false) => html`<a class="button${danger ? ' danger' : ' secondary'}" href="/admin/orders/${order.id}/${name}">${ACTIONS[name].verb}…</a>`;
  const open = amounts.authorized - amounts.captured - amounts.voided;
  return sendAdmin(reply, 200, document(f, html`
<h1>Order #${order.id}${order.number ? html` <span class="muted">· ${order.number}</span>` : ''}</h1>
${flash(field(req.query, 'done', 20))}
<div class="grid">
<section class="card" aria-labelledby="h-status"><h2 id="h-status">Status</h2><dl class="facts">
<dt>Order</dt><dd>${badge(order.status)}</dd><dt>Payment</dt><dd>${badge(order.paymentStatus)}</dd><dt>Fulfillment</dt><dd>${badge(order.fulfillmentStatus)}</dd>
<dt>Captured</dt><dd>${cur(amounts.captured)}${amounts.refunded ? html` · refunded ${cur(amounts.refunded)}` : ''}</dd>
${open > 0 ? html`<dt>Authorized, open</dt><dd>${cur(open)}</dd>` : ''}
</dl></section>
<section class="card" aria-labelledby="h-buyer"><h2 id="h-buyer">Buyer</h2><dl class="facts">
<dt>Customer</dt><dd>${customer ? html`<a href="/admin/customers/${customer.id}">${[customer.firstName, customer.lastName].filter(Boolean).join(' ') || customer.email}</a>` : '—'}</dd>
<dt>E-mail</dt><dd>${order.email ?? customer?.email ?? '—'}</dd><dt>Country</dt><dd>${order.country ?? '—'}</dd>
<dt>Shop</dt><dd>${shop?.name ?? order.shopId}</dd><dt>Created</dt><dd>${when(order.createdAt)}</dd><dt>Placed</dt><dd>${when(order.placedAt)}</dd>
${order.processorReference ? html`<dt>External id</dt><dd class="mono">${order.processorReference}</dd>` : ''}
</dl></section>
<section class="card" aria-labelledby="h-actions"><h2 id="h-actions">Actions</h2><div class="actions">
${act('capture')}${act('void')}${act('refund')}${act('resend')}${act('cancel', true)}
</div><p class="small muted">Each action asks for confirmation first; it runs exactly as the API's and is recorded with you as the actor.</p></section>
</div>
<section class="card" aria-labelledby="h-lines"><h2 id="h-lines">Lines and totals</h2>
${table('Order lines', ['Item', { text: 'Qty', num: true }, { text: 'Unit', num: true }, { text: 'Subtotal', num: true }, { text: 'Discount', num: true }, { text: 'Tax', num: true }, { text: 'Total', num: true }], lineRows)}
</section>
<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">Payment timeline</h2>
${table('Payment timeline', ['When (UTC)', 'What', { text: 'Amount', num: true }, 'Gateway / delivery', 'State'], timeline.map((e) => e.row), 'Nothing happened yet.')}
</section>
<div class="grid">
<section class="card" aria-labelledby="h-enrollments"><h2 id="h-enrollments">Enrollments</h2>
${table('Enrollments', ['Course', 'Customer', 'Status', 'Since'], enrollments.items.map((e) => html`<tr><td>${e.courseId}</td><td class="mono">${e.customerId}</td><td>${badge(e.status)}</td><td class="nowrap">${when(e.createdAt)}</td></tr>`), 'No enrollments.')}
</section>
<section class="card" aria-labelledby="h-seats"><h2 id="h-seats">Seat codes</h2>
${table('Seat codes', ['Code', 'Product', 'Status', 'Redeemed by'], seats.map((s) => html`<tr><td class="mono">${s.code}</td><td>${s.productId}</td><td>${badge(s.status)}</td><td class="mono">${s.redeemedBy ?? '—'}</td></tr>`), 'No seat codes.')}
</section>
</div>
${Object.keys(order.metadata).length > 0 ? html`<section class="card" aria-labelledby="h-meta"><h2 id="h-meta">Metadata</h2>
${table('Metadata', ['Key', 'Value'], Object.entries(order.metadata).map(([k, v]) => html`<tr><td class="mono">${k}</td><td class="mono">${v}</td></tr>`))}</section>` : ''}`));
}

async function actionPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, state: { status: number; error?: string; amount?: string | undefined; reason?: string | undefined } = { status: 200 }) {
  const id = orderId(req);
  const name = (req.params as { action: string }).action;
  if (!isAction(name)) throw new DomainError('route_not_found', `there is no order action "${name}"`);
  const action = ACTIONS[name];
  const d = await orderDetails(deps, who(req).principal, id);
  const { order } = d;
  const a = deriveAmounts(d.transactions);
  const cur = (n: number) => money(n, order.currency);
  const explain: Record<ActionName, string> = {
    capture: `Takes money from the open authorization (${cur(Math.max(0, a.authorized - a.captured - a.voided))} open). Leave the amount empty to capture all of it.`,
    void: `Releases what is left of the authorization (${cur(Math.max(0, a.authorized - a.captured - a.voided))}) back to the buyer; nothing more can be captured.`,
    refund: `Gives money back to the buyer (${cur(Math.max(0, a.captured - a.refunded))} refundable). Leave the amount empty to refund all of it; a full refund revokes what the order granted.`,
    cancel: 'Cancels the order. Only an order that holds no money can be cancelled: refund or void it first.',
    resend: `Queues the order confirmation again for ${order.email ?? 'the customer\'s e-mail'}.`,
  };
  const f = frame(req, reply, `${action.title} · order #${order.id}`, 'orders');
  return sendAdmin(reply, state.status, document(f, html`<h1>${action.title}: order #${order.id}</h1>
<div class="card stack">
${errorAlert(state.error)}
<p>${explain[name]}</p>
<p class="small muted">Order total ${cur(order.total)} · payment ${order.paymentStatus.replace(/_/g, ' ')} · status ${order.status}</p>
<form method="post" action="/admin/orders/${order.id}/${name}">${csrfField(f.csrf)}
${action.amount ? html`<label for="amount">Amount in ${order.currency} (e.g. 12.50; empty: all)</label><input id="amount" name="amount" inputmode="decimal" value="${state.amount ?? ''}" autocomplete="off">` : ''}
${name === 'refund' || name === 'cancel' ? html`<label for="reason">Reason${name === 'refund' ? ' (kept with the refund)' : ''}</label><textarea id="reason" name="reason" rows="2" maxlength="500">${state.reason ?? ''}</textarea>` : ''}
<div class="actions"><button type="submit" class="${name === 'cancel' || name === 'void' || name === 'refund' ? 'danger' : ''}">Confirm: ${action.verb.toLowerCase()}</button>
<a class="button secondary" href="/admin/orders/${order.id}">Back to the order</a></div>
</form></div>`));
}

async function runAction(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const id = orderId(req);
  const name = (req.params as { action: string }).action;
  if (!isAction(name)) throw new DomainError('route_not_found', `there is no order action "${name}"`);
  const me = who(req);
  const amountText = field(req.body, 'amount', 40);
  const reason = field(req.body, 'reason', 500) ?? null;
  try {
    const order = await orderDetails(deps, me.principal, id).then((d) => d.order);
    const action = ACTIONS[name];
    if (action.kind) {
      const amount = action.amount && amountText !== undefined ? unwrap(parseMajor(amountText, order.currency)).amount : undefined;
      if (amount !== undefined && amount <= 0) throw new DomainError('validation_failed', 'the amount must be more than zero', [{ field: 'amount', message: 'must be positive' }]);
      const intent = await startTransaction(deps, { orderId: id, kind: action.kind, amount, actor: me.actor, reason });
      const done = await runTransaction(deps, intent, me.actor);
      deps.log.info('admin.action', `dashboard ${name} on order ${id}`, { order_id: id, action: name, actor: me.actor, transaction_id: done.transaction.id, status: done.transaction.status });
      if (done.transaction.status === 'failed') {
        return actionPage(deps, req, reply, { status: 402, error: `The processor refused: ${done.transaction.errorMessage ?? done.transaction.errorCode ?? 'failed'}`, amount: amountText, reason: reason ?? undefined });
      }
    } else if (name === 'cancel') {
      await cancelOrder(deps, me.principal, id, reason);
      deps.log.info('admin.action', `dashboard cancel on order ${id}`, { order_id: id, action: name, actor: me.actor });
    } else {
      await resendConfirmation(deps, id, me.actor);
    }
  } catch (raw) {
    const error = toDomainError(raw);
    if (error.code === 'not_found' || error.code === 'internal_error') throw raw;
    return actionPage(deps, req, reply, { status: httpStatus(error), error: error.message, amount: amountText, reason: reason ?? undefined });
  }
  return redirect(reply, `/admin/orders/${id}?done=${name}`);
}

export function orderPages(app: FastifyInstance, deps: Deps) {
  const schema = { hide: true };
  app.get('/orders', { schema }, (req, reply) => listPage(deps, req, reply));
  app.get('/orders/:id', { schema }, (req, reply) => detailPage(deps, req, reply));
  app.get('/orders/:id/:action', { schema }, (req, reply) => actionPage(deps, req, reply));
  app.post('/orders/:id/:action', { schema }, (req, reply) => runAction(deps, req, reply));
}
