/** Customers (with their orders, enrollments, invoices and account balances) and invoices (with lines and payments). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listAccounts } from '../../app/accounts/accounts.js';
import type { Deps } from '../../app/deps.js';
import { found } from '../../app/validate.js';
import { INVOICE_STATUSES } from '../../domain/invoice.js';
import type { Invoice } from '../../ports/invoices.js';
import { html, type Html } from '../pages/html.js';
import { field, frame, who } from './admin.js';
import { badge, document, money, sendAdmin, table, when } from './layout.js';
import { ORDER_HEAD, orderRows } from './orders.js';

const PAGE_SIZE = 50;
const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, string>)[name] ?? '').slice(0, 100);
const fullName = (c: { firstName: string | null; lastName: string | null }) => [c.firstName, c.lastName].filter(Boolean).join(' ');

function invoiceRows(invoices: readonly Invoice[]): Html[] {
  return invoices.map((i) => html`<tr><td><a href="/admin/invoices/${i.id}">${i.number ?? i.id}</a></td><td>${i.description ?? ''}</td>
<td class="num">${money(i.total, i.currency)}</td><td class="num">${money(i.amountPaid, i.currency)}</td><td>${badge(i.status)}</td><td class="nowrap">${when(i.dueAt)}</td></tr>`);
}
const INVOICE_HEAD = ['Invoice', 'Description', { text: 'Total', num: true as const }, { text: 'Paid', num: true as const }, 'Status', 'Due (UTC)'];

async function customersPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const q = field(req.query, 'q', 254);
  const after = field(req.query, 'after', 100);
  const page = q
    ? { items: [await deps.store.customers.getByEmail(q), await deps.store.customers.get(q)].filter((c) => c !== undefined), hasMore: false }
    : await deps.store.customers.list({}, { limit: PAGE_SIZE, after });
  const last = page.items.at(-1);
  const f = frame(req, reply, 'Customers', 'customers');
  return sendAdmin(reply, 200, document(f, html`<h1>Customers</h1>
<div class="card"><form class="filters" method="get" action="/admin/customers" role="search" aria-label="Find a customer">
<div class="wide"><label for="f-q">E-mail or customer id</label><input id="f-q" name="q" type="search" value="${q ?? ''}"></div>
<div><button type="submit">Find</button> <a class="button secondary" href="/admin/customers">All</a></div></form></div>
<div class="card">${table('Customers', ['Customer', 'Name', 'Restricted', 'Created (UTC)'], page.items.map((c) => html`<tr>
<td><a href="/admin/customers/${c!.id}">${c!.email}</a></td><td>${fullName(c!)}</td><td>${c!.restricted ? badge('restricted') : 'no'}</td><td class="nowrap">${when(c!.createdAt)}</td></tr>`), q ? 'No customer with that e-mail or id.' : 'No customers yet.')}
<div class="pager">${after ? html`<a href="/admin/customers">First page</a>` : ''}${page.hasMore && last ? html`<a href="/admin/customers?after=${last.id}">Next page</a>` : ''}</div></div>`));
}

async function customerPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const id = param(req, 'id');
  const customer = found(await deps.store.customers.get(id), 'customer', id);
  const [orders, enrollments, invoices, accounts] = await Promise.all([
    deps.store.dashboard.searchOrders({ customerId: id }, { limit: 50 }),
    deps.store.fulfillment.enrollments({ customerId: id }, { limit: 100 }),
    deps.store.invoices.list({ customerId: id }, { limit: 50 }),
    listAccounts(deps, who(req).principal, { customerId: id }, { limit: 50 }),
  ]);
  const f = frame(req, reply, customer.email, 'customers');
  return sendAdmin(reply, 200, document(f, html`<h1>${customer.email}</h1>
<div class="grid">
<section class="card" aria-labelledby="h-profile"><h2 id="h-profile">Profile</h2><dl class="facts">
<dt>Name</dt><dd>${fullName(customer) || '—'}</dd><dt>Id</dt><dd class="mono">${customer.id}</dd>
<dt>Restricted</dt><dd>${customer.restricted ? 'yes: may sign in, may not buy' : 'no'}</dd><dt>Created</dt><dd>${when(customer.createdAt)}</dd>
</dl></section>
<section class="card" aria-labelledby="h-balance"><h2 id="h-balance">Account balance</h2>
${table('Accounts', ['Account', 'Shop', { text: 'Balance', num: true }], accounts.items.map((a) => html`<tr><td class="mono">${a.account.id}</td><td class="mono">${a.account.shopId}</td><td class="num">${money(a.balance, a.account.currency)}</td></tr>`), 'No internal account.')}
</section></div>
<section class="card" aria-labelledby="h-orders"><h2 id="h-orders">Orders</h2>
${table('Orders of the customer', ORDER_HEAD, orderRows(orders.items, new Map([[customer.id, customer.email]])), 'No orders.')}
${orders.hasMore ? html`<p><a href="/admin/orders?q=${customer.id}">All orders of this customer</a></p>` : ''}</section>
<div class="grid">
<section class="card" aria-labelledby="h-enrollments"><h2 id="h-enrollments">Enrollments</h2>
${table('Enrollments', ['Course', 'Order', 'Status', 'Since (UTC)'], enrollments.items.map((e) => html`<tr><td>${e.courseId}</td><td><a href="/admin/orders/${e.orderId}">#${e.orderId}</a></td><td>${badge(e.status)}</td><td class="nowrap">${when(e.createdAt)}</td></tr>`), 'No enrollments.')}
</section>
<section class="card" aria-labelledby="h-invoices"><h2 id="h-invoices">Invoices</h2>
${table('Invoices of the customer', INVOICE_HEAD, invoiceRows(invoices.items), 'No invoices.')}
</section></div>`));
}

async function invoicesPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const status = INVOICE_STATUSES.find((s) => s === field(req.query, 'status'));
  const after = field(req.query, 'after', 100);
  const page = await deps.store.invoices.list({ status }, { limit: PAGE_SIZE, after });
  const last = page.items.at(-1);
  const f = frame(req, reply, 'Invoices', 'invoices');
  return sendAdmin(reply, 200, document(f, html`<h1>Invoices</h1>
<div class="card"><form class="filters" method="get" action="/admin/invoices">
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">any</option>${INVOICE_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s.replace(/_/g, ' ')}</option>`)}</select></div>
<div><button type="submit">Filter</button></div></form></div>
<div class="card">${table('Invoices', INVOICE_HEAD, invoiceRows(page.items), 'No invoices.')}
<div class="pager">${after ? html`<a href="/admin/invoices${status ? `?status=${status}` : ''}">First page</a>` : ''}${page.hasMore && last ? html`<a href="/admin/invoices?${new URLSearchParams({ ...(status ? { status } : {}), after: last.id }).toString()}">Next page</a>` : ''}</div></div>`));
}

async function invoicePage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const id = param(req, 'id');
  const invoice = found(await deps.store.invoices.get(id), 'invoice', id);
  const [lines, payments, customer] = await Promise.all([deps.store.invoices.lines(id), deps.store.invoicePayments.listByInvoice(id), deps.store.customers.get(invoice.customerId)]);
  const cur = (n: number) => money(n, invoice.currency);
  const f = frame(req, reply, `Invoice ${invoice.number ?? invoice.id}`, 'invoices');
  return sendAdmin(reply, 200, document(f, html`<h1>Invoice ${invoice.number ?? invoice.id} ${badge(invoice.status)}</h1>
<div class="grid"><section class="card" aria-labelledby="h-facts"><h2 id="h-facts">Invoice</h2><dl class="facts">
<dt>Customer</dt><dd>${customer ? html`<a href="/admin/customers/${customer.id}">${customer.email}</a>` : invoice.customerId}</dd>
<dt>Total</dt><dd>${cur(invoice.total)}</dd><dt>Paid</dt><dd>${cur(invoice.amountPaid)}</dd><dt>Discounted</dt><dd>${cur(invoice.amountDiscounted)}</dd>
<dt>Due</dt><dd>${when(invoice.dueAt)}</dd><dt>Paid at</dt><dd>${when(invoice.paidAt)}</dd><dt>Description</dt><dd>${invoice.description ?? '—'}</dd>
</dl></section></div>
<section class="card" aria-labelledby="h-lines"><h2 id="h-lines">Lines</h2>
${table('Invoice lines', ['Description', { text: 'Qty', num: true }, { text: 'Unit', num: true }, { text: 'Amount', num: true }], lines.map((l) => html`<tr><td>${l.description}</td><td class="num">${l.quantity}</td><td class="num">${cur(l.unitAmount)}</td><td class="num">${cur(l.amount)}</td></tr>`))}
</section>
<section class="card" aria-labelledby="h-payments"><h2 id="h-payments">Payments</h2>
${table('Invoice payments', ['Payment', 'Type', 'Status', { text: 'Amount', num: true }, 'Discount', 'Order', 'Created (UTC)'], payments.map((p) => html`<tr><td class="mono">${p.id}</td><td>${p.type}</td><td>${badge(p.status.toLowerCase())}</td>
<td class="num">${cur(p.amount)}</td><td>${p.discountCode ? `${p.discountCode} −${cur(p.discount)}` : '—'}</td><td>${p.orderId ? html`<a href="/admin/orders/${p.orderId}">#${p.orderId}</a>` : '—'}</td><td class="nowrap">${when(p.createdAt)}</td></tr>`), 'No payments.')}
</section>`));
}

export function customerPages(app: FastifyInstance, deps: Deps) {
  const schema = { hide: true };
  app.get('/customers', { schema }, (req, reply) => customersPage(deps, req, reply));
  app.get('/customers/:id', { schema }, (req, reply) => customerPage(deps, req, reply));
  app.get('/invoices', { schema }, (req, reply) => invoicesPage(deps, req, reply));
  app.get('/invoices/:id', { schema }, (req, reply) => invoicePage(deps, req, reply));
}
