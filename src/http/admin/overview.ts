/**
 * The overview: today's and the last 30 days' sales per currency, payments by outcome, refunds, a chart of
 * net sales per day (server-rendered SVG), and what needs attention.
 */
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { html, type Html } from '../pages/html.js';
import { frame } from './admin.js';
import { badge, document, money, sendAdmin, table, when } from './layout.js';

const DAY_MS = 86_400_000;
/** A payment still pending after this long needs a look (the janitor asks the processor, but a person may want to). */
const STALE_PENDING_MS = 5 * 60_000;

/** Bars of net sales per day for one currency, with the axis labelled; amounts in minor units. */
export function salesChart(currency: string, days: readonly string[], values: ReadonlyMap<string, number>): Html {
  const width = 720;
  const height = 180;
  const left = 64;
  const bottom = 24;
  const top = 10;
  const max = Math.max(1, ...days.map((d) => values.get(d) ?? 0));
  const slot = (width - left - 4) / days.length;
  const y = (v: number) => top + (height - top - bottom) * (1 - Math.max(0, v) / max);
  const bars = days.map((d, i) => {
    const v = values.get(d) ?? 0;
    const h = Math.max(0, height - bottom - y(v));
    return html`<rect x="${(left + i * slot + 1).toFixed(1)}" y="${(height - bottom - h).toFixed(1)}" width="${Math.max(1, slot - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#2f5bd3"><title>${d}: ${money(v, currency)}</title></rect>`;
  });
  const labels = days.map((d, i) => ((days.length - 1 - i) % 7 === 0
    ? html`<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - 6}" font-size="11" text-anchor="middle" fill="#4f5665">${d.slice(5)}</text>` : ''));
  const total = days.reduce((s, d) => s + (values.get(d) ?? 0), 0);
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Net sales per day in ${currency}, last ${days.length} days: ${money(total, currency)} in all" xmlns="http://www.w3.org/2000/svg">
<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" stroke="#9aa1b1"/>
<text x="${left - 6}" y="${top + 8}" font-size="11" text-anchor="end" fill="#4f5665">${money(max, currency)}</text>
<text x="${left - 6}" y="${height - bottom}" font-size="11" text-anchor="end" fill="#4f5665">0</text>
${bars}${labels}</svg>`;
}

export function overviewPage(app: FastifyInstance, deps: Deps) {
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const now = deps.clock.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const monthStart = today - 29 * DAY_MS;
    const [capturedToday, captured30, refundedToday, refunded30, byDay, outcomes, stale, unfulfilled, emails, endpoints, gateways] = await Promise.all([
      deps.store.dashboard.moneyTotals('capture', today, now + 1), deps.store.dashboard.moneyTotals('capture', monthStart, now + 1),
      deps.store.dashboard.moneyTotals('refund', today, now + 1), deps.store.dashboard.moneyTotals('refund', monthStart, now + 1),
      deps.store.dashboard.salesByDay(monthStart, now + 1), deps.store.dashboard.outcomes(monthStart, now + 1),
      deps.store.dashboard.stalePending(now - STALE_PENDING_MS, 20), deps.store.dashboard.paidUnfulfilled(20),
      deps.store.dashboard.unsentEmails(now - STALE_PENDING_MS, 20), deps.store.webhooks.listEndpoints({ limit: 100 }),
      deps.store.gateways.list({}, { limit: 100 }),
    ]);
    const circuits = (await Promise.all(gateways.items.filter((g) => g.kind === 'external').map(async (g) => ({ g, c: await deps.store.externalGateways.circuit(g.id) }))))
      .filter((x) => x.c && x.c.state !== 'closed');
    const troubled = endpoints.items.filter((e) => !e.enabled || e.consecutiveFailures > 0);
    const currencies = [...new Set([...captured30, ...refunded30].map((t) => t.currency))].sort();
    const sum = (rows: readonly { currency: string; amount: number; count: number }[], c: string) => rows.find((r) => r.currency === c) ?? { amount: 0, count: 0 };
    const days = Array.from({ length: 30 }, (_, i) => new Date(monthStart + i * DAY_MS).toISOString().slice(0, 10));

    const salesRows = currencies.map((c) => html`<tr><th scope="row">${c}</th>
<td class="num">${money(sum(capturedToday, c).amount, c)} <span class="muted small">(${sum(capturedToday, c).count})</span></td>
<td class="num">${money(sum(refundedToday, c).amount, c)} <span class="muted small">(${sum(refundedToday, c).count})</span></td>
<td class="num">${money(sum(captured30, c).amount, c)} <span class="muted small">(${sum(captured30, c).count})</span></td>
<td class="num">${money(sum(refunded30, c).amount, c)} <span class="muted small">(${sum(refunded30, c).count})</span></td>
<td class="num"><strong>${money(sum(captured30, c).amount - sum(refunded30, c).amount, c)}</strong></td></tr>`);
    const attention: Html[] = [
      ...stale.map((t) => html`<tr><td>Payment pending for ${Math.round((now - t.createdAt) / 60_000)} min</td><td><a href="/admin/orders/${t.orderId}">order #${t.orderId}</a> · ${t.kind} ${money(t.amount, t.currency)}</td></tr>`),
      ...troubled.map((e) => html`<tr><td>Webhook endpoint ${e.enabled ? `failing (${e.consecutiveFailures} in a row)` : 'disabled'}</td><td><a href="/admin/webhooks/endpoints/${e.id}">${e.url}</a>${e.disabledReason ? html` <span class="muted small">${e.disabledReason}</span>` : ''}</td></tr>`),
      ...circuits.map(({ g, c }) => html`<tr><td>Circuit ${badge(c!.state)} after ${c!.failureCount} failures</td><td><a href="/admin/gateways#g-${g.id}">${g.name}</a></td></tr>`),
      ...emails.map((m) => html`<tr><td>E-mail ${m.status === 'failed' ? 'failed' : 'not sent yet'} (${m.attempts} attempt${m.attempts === 1 ? '' : 's'})</td><td>${m.subject} → ${m.to}${m.lastError ? html` <span class="muted small">${m.lastError}</span>` : ''}</td></tr>`),
      ...unfulfilled.map((o) => html`<tr><td>Paid but not fulfilled</td><td><a href="/admin/orders/${o.id}">order #${o.id}</a> · ${money(o.total, o.currency)} · since ${when(o.updatedAt)}</td></tr>`),
    ];
    const f = frame(req, reply, 'Overview', 'overview');
    return sendAdmin(reply, 200, document(f, html`<h1>Overview</h1>
<section class="card" aria-labelledby="h-attention"><h2 id="h-attention">Needs attention</h2>
${attention.length === 0 ? html`<p class="muted">Nothing needs attention.</p>` : table('Needs attention', ['What', 'Where'], attention)}
</section>
<section class="card" aria-labelledby="h-sales"><h2 id="h-sales">Sales (UTC days)</h2>
${table('Sales per currency', ['Currency', { text: 'Captured today', num: true }, { text: 'Refunded today', num: true }, { text: 'Captured, 30 days', num: true }, { text: 'Refunded, 30 days', num: true }, { text: 'Net, 30 days', num: true }], salesRows, 'No sales in the last 30 days.')}
${currencies.map((c) => html`<h3>Net sales per day, ${c}</h3>${salesChart(c, days, new Map(byDay.filter((r) => r.currency === c).map((r) => [r.day, r.amount])))}`)}
</section>
<section class="card" aria-labelledby="h-outcomes"><h2 id="h-outcomes">Payments by outcome, last 30 days</h2>
${table('Payments by outcome', ['Kind', 'Outcome', { text: 'Count', num: true }], outcomes.map((o) => html`<tr><td>${o.kind}</td><td>${badge(o.status)}</td><td class="num">${o.count}</td></tr>`), 'No payments in the last 30 days.')}
</section>`));
  });
}
