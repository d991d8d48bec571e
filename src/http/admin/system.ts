/**
 * Webhook endpoints and deliveries (filter by status, each attempt, replay, enable / disable, rotate the
 * secret) and gateways (kind, circuit state and failure count, reset, and `gateway check` run from the page
 * against an external gateway's own endpoints).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { externalGatewayDetails, readExternalConfig, resetExternalCircuit } from '../../app/gateways/external-config.js';
import { replayDelivery, rotateEndpointSecret, updateEndpoint } from '../../app/webhooks/endpoints.js';
import { found } from '../../app/validate.js';
import { gatewayCheck } from '../../cli/gateway-check.js';
import type { DeliveryStatus } from '../../ports/events.js';
import { html, type Html } from '../pages/html.js';
import { field, frame, who } from './admin.js';
import { badge, csrfField, document, errorAlert, flash, postButton, redirect, sendAdmin, table, when } from './layout.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];
const PAGE_SIZE = 50;
/** Per request of a check run from the page (the CLI's default is 10 s; a page should answer sooner). */
const CHECK_TIMEOUT_MS = 5_000;

const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, string>)[name] ?? '').slice(0, 100);

async function webhooksPage(deps: Deps, req: FastifyRequest, reply: FastifyReply) {
  const status = STATUSES.find((s) => s === field(req.query, 'status'));
  const endpointId = field(req.query, 'endpoint', 100);
  const after = field(req.query, 'after', 100);
  const [endpoints, deliveries] = await Promise.all([
    deps.store.webhooks.listEndpoints({ limit: 100 }),
    deps.store.webhooks.listDeliveries({ status, endpointId }, { limit: PAGE_SIZE, after }),
  ]);
  const events = new Map((await Promise.all([...new Set(deliveries.items.map((d) => d.eventId))].map((id) => deps.store.events.get(id))))
    .filter((e) => e).map((e) => [e!.id, e!]));
  const urls = new Map(endpoints.items.map((e) => [e.id, e.url]));
  const keep = new URLSearchParams(Object.entries({ status, endpoint: endpointId }).filter((e): e is [string, string] => e[1] !== undefined));
  const last = deliveries.items.at(-1);
  const f = frame(req, reply, 'Webhooks', 'webhooks');
  return sendAdmin(reply, 200, document(f, html`<h1>Webhooks</h1>${flash(field(req.query, 'done', 20))}
<section class="card" aria-labelledby="h-endpoints"><h2 id="h-endpoints">Endpoints</h2>
${table('Webhook endpoints', ['URL', 'Events', 'State', { text: 'Failures in a row', num: true }, 'Created'], endpoints.items.map((e) => html`<tr>
<td><a href="/admin/webhooks/endpoints/${e.id}">${e.url}</a>${e.description ? html`<br><span class="muted small">${e.description}</span>` : ''}</td>
<td class="small">${e.eventTypes.join(', ')}</td><td>${badge(e.enabled ? 'enabled' : 'disabled')}${e.disabledReason ? html`<br><span class="small">${e.disabledReason}</span>` : ''}</td>
<td class="num">${e.consecutiveFailures}</td><td class="nowrap">${when(e.createdAt)}</td></tr>`), 'No webhook endpoints.')}
</section>
<section class="card" aria-labelledby="h-deliveries"><h2 id="h-deliveries">Deliveries</h2>
<form class="filters" method="get" action="/admin/webhooks">
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">any</option>${STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="f-endpoint">Endpoint</label><select id="f-endpoint" name="endpoint"><option value="">any</option>${endpoints.items.map((e) => html`<option value="${e.id}"${e.id === endpointId ? html` selected` : ''}>${e.url}</option>`)}</select></div>
<div><button type="submit">Filter</button></div></form>
${table('Webhook deliveries', ['Delivery', 'Event', 'Endpoint', 'Status', { text: 'Attempts', num: true }, 'Last answer', 'Next / delivered'], deliveries.items.map((d) => {
    const event = events.get(d.eventId);
    return html`<tr><td class="nowrap"><a href="/admin/webhooks/deliveries/${d.id}">${d.id}</a></td>
<td>${event?.type ?? d.eventId}${event?.orderId ? html`<br><a class="small" href="/admin/orders/${event.orderId}">order #${event.orderId}</a>` : ''}</td>
<td class="small">${urls.get(d.endpointId) ?? d.endpointId}</td><td>${badge(d.status)}</td><td class="num">${d.attempts}</td>
<td class="small">${d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ''}${d.lastError ? html` ${d.lastError}` : ''}</td>
<td class="nowrap small">${d.status === 'delivered' ? when(d.deliveredAt) : d.status === 'pending' ? when(d.nextAttemptAt) : '—'}</td></tr>`;
  }), 'No deliveries.')}
<div class="pager">${after ? html`<a href="/admin/webhooks?${keep.toString()}">First page</a>` : ''}${deliveries.hasMore && last ? html`<a href="/admin/webhooks?${new URLSearchParams([...keep, ['after', last.id]]).toString()}">Next page</a>` : ''}</div>
</section>`));
}

async function endpointPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, secret?: string) {
  const id = param(req, 'id');
  const e = found(await deps.store.webhooks.getEndpoint(id), 'webhook endpoint', id);
  const deliveries = await deps.store.webhooks.listDeliveries({ endpointId: id }, { limit: 20 });
  const f = frame(req, reply, `Endpoint ${e.url}`, 'webhooks');
  return sendAdmin(reply, 200, document(f, html`<h1>Webhook endpoint</h1>${flash(field(req.query, 'done', 20))}
${secret ? html`<div class="reveal" role="status"><strong>New signing secret</strong> (shown once; the old one stops working now): <span class="mono">${secret}</span></div>` : ''}
<section class="card" aria-labelledby="h-endpoint"><h2 id="h-endpoint" class="mono">${e.url}</h2><dl class="facts">
<dt>State</dt><dd>${badge(e.enabled ? 'enabled' : 'disabled')}${e.disabledReason ? html` ${e.disabledReason}` : ''}</dd>
<dt>Failures in a row</dt><dd>${e.consecutiveFailures}</dd><dt>Events</dt><dd>${e.eventTypes.join(', ')}</dd>
<dt>Shop</dt><dd>${e.shopId ?? 'every shop'}</dd><dt>Format</dt><dd>${e.format ?? 'native'}</dd><dt>Created</dt><dd>${when(e.createdAt)}</dd>
</dl>
<div class="actions">${e.enabled ? postButton(`/admin/webhooks/endpoints/${e.id}/disable`, f.csrf, 'Disable', { secondary: true }) : postButton(`/admin/webhooks/endpoints/${e.id}/enable`, f.csrf, 'Enable')}
<a class="button secondary" href="/admin/webhooks/endpoints/${e.id}/rotate">Rotate the signing secret…</a>
<a class="button secondary" href="/admin/webhooks?endpoint=${e.id}">All deliveries</a></div>
</section>
<section class="card" aria-labelledby="h-recent"><h2 id="h-recent">Recent deliveries</h2>
${table('Recent deliveries', ['Delivery', 'Status', { text: 'Attempts', num: true }, 'Last answer', 'Created'], deliveries.items.map((d) => html`<tr>
<td><a href="/admin/webhooks/deliveries/${d.id}">${d.id}</a></td><td>${badge(d.status)}</td><td class="num">${d.attempts}</td>
<td class="small">${d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ''} ${d.lastError ?? ''}</td><td class="nowrap">${when(d.createdAt)}</td></tr>`), 'No deliveries yet.')}
</section>`));
}

async function deliveryPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, error?: string) {
  const id = param(req, 'id');
  const d = found(await deps.store.webhooks.getDelivery(id), 'delivery', id);
  const [attempts, event, endpoint] = await Promise.all([deps.store.webhooks.attempts(id), deps.store.events.get(d.eventId), deps.store.webhooks.getEndpoint(d.endpointId)]);
  const f = frame(req, reply, `Delivery ${d.id}`, 'webhooks');
  return sendAdmin(reply, error ? 409 : 200, document(f, html`<h1>Delivery ${d.id}</h1>${flash(field(req.query, 'done', 20))}${errorAlert(error)}
<section class="card" aria-labelledby="h-delivery"><h2 id="h-delivery">${event?.type ?? d.eventId} ${badge(d.status)}</h2><dl class="facts">
<dt>Endpoint</dt><dd>${endpoint ? html`<a href="/admin/webhooks/endpoints/${endpoint.id}">${endpoint.url}</a> ${badge(endpoint.enabled ? 'enabled' : 'disabled')}` : d.endpointId}</dd>
<dt>Event</dt><dd class="mono">${d.eventId}${event?.sequence ? ` (sequence ${event.sequence})` : ''}</dd>
${event?.orderId ? html`<dt>Order</dt><dd><a href="/admin/orders/${event.orderId}">#${event.orderId}</a></dd>` : ''}
<dt>Attempts</dt><dd>${d.attempts}</dd><dt>Next attempt</dt><dd>${d.status === 'pending' ? when(d.nextAttemptAt) : '—'}</dd><dt>Delivered</dt><dd>${when(d.deliveredAt)}</dd>
</dl>
<div class="actions">${postButton(`/admin/webhooks/deliveries/${d.id}/replay`, f.csrf, 'Replay now')}</div>
</section>
<section class="card" aria-labelledby="h-attempts"><h2 id="h-attempts">Attempts</h2>
${table('Attempts', [{ text: '#', num: true }, 'When (UTC)', 'Answer', { text: 'Latency', num: true }, 'Error'], attempts.map((a) => html`<tr>
<td class="num">${a.attempt}</td><td class="nowrap">${when(a.createdAt)}</td><td>${a.statusCode === null ? badge('no answer') : badge(a.statusCode >= 200 && a.statusCode < 300 ? 'succeeded' : 'failed')} ${a.statusCode ?? ''}</td>
<td class="num">${a.latencyMs} ms</td><td class="small">${a.error ?? ''}</td></tr>`), 'No attempt yet.')}
</section>
${event ? html`<section class="card" aria-labelledby="h-payload"><h2 id="h-payload">Event data</h2><pre class="mono small scroll" tabindex="0">${JSON.stringify(event.data, null, 2)}</pre></section>` : ''}`));
}

async function gatewaysPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, check?: { id: string; lines: string[]; code: number }) {
  const gateways = await deps.store.gateways.list({}, { limit: 100 });
  const shops = new Map((await deps.store.shops.list({ limit: 100 })).items.map((s) => [s.id, s.name]));
  const circuits = new Map(await Promise.all(gateways.items.filter((g) => g.kind === 'external').map(async (g) => [g.id, (await externalGatewayDetails(deps, g.id)).circuit] as const)));
  const f = frame(req, reply, 'Gateways', 'gateways');
  const rows: Html[] = gateways.items.map((g) => {
    const c = circuits.get(g.id);
    const config = g.kind === 'external' ? readExternalConfig(g) : null;
    return html`<tr id="g-${g.id}"><td><strong>${g.name}</strong><br><span class="mono small">${g.id}</span></td><td>${g.kind}</td><td>${shops.get(g.shopId) ?? g.shopId}</td>
<td>${c ? html`${badge(c.state)} <span class="small">${c.failureCount} failure${c.failureCount === 1 ? '' : 's'} (opens at ${config!.circuitThreshold + 1})</span>` : html`<span class="muted">—</span>`}</td>
<td class="small mono">${config ? config.authorizeUrl : ''}</td>
<td><div class="actions">${c ? html`${postButton(`/admin/gateways/${g.id}/reset`, f.csrf, 'Reset circuit', { secondary: c.state === 'closed' })}${postButton(`/admin/gateways/${g.id}/check`, f.csrf, 'Run gateway check', { secondary: true })}` : ''}</div></td></tr>`;
  });
  return sendAdmin(reply, 200, document(f, html`<h1>Gateways</h1>${flash(field(req.query, 'done', 20))}
${check ? html`<section class="card" aria-labelledby="h-check"><h2 id="h-check">Gateway check of ${check.id}: ${check.code === 0 ? badge('succeeded') : badge('failed')}</h2>
<pre class="mono small scroll" tabindex="0">${check.lines.join('\n')}</pre>
<p class="small muted">The same check as <code>paybridge gateway check</code>, with the gateway's own URLs and shared secret; answers of 202 need the command line's <code>--webhook-port</code>.</p></section>` : ''}
<section class="card" aria-labelledby="h-gateways"><h2 id="h-gateways">Gateways</h2>
${table('Gateways', ['Gateway', 'Kind', 'Shop', 'Circuit', 'Authorize URL', 'Actions'], rows, 'No gateways.')}
</section>`));
}

export function systemPages(app: FastifyInstance, deps: Deps) {
  const schema = { hide: true };
  app.get('/webhooks', { schema }, (req, reply) => webhooksPage(deps, req, reply));
  app.get('/webhooks/endpoints/:id', { schema }, (req, reply) => endpointPage(deps, req, reply));
  app.get('/webhooks/deliveries/:id', { schema }, (req, reply) => deliveryPage(deps, req, reply));
  app.post('/webhooks/deliveries/:id/replay', { schema }, async (req, reply) => {
    const id = param(req, 'id');
    try {
      await replayDelivery(deps, id);
    } catch (error) {
      if ((error as { code?: string }).code === 'invalid_transition') return deliveryPage(deps, req, reply, (error as Error).message);
      throw error;
    }
    deps.log.info('admin.action', `dashboard replay of delivery ${id}`, { delivery_id: id, actor: who(req).actor });
    return redirect(reply, `/admin/webhooks/deliveries/${encodeURIComponent(id)}?done=replay`);
  });
  for (const [path, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/webhooks/endpoints/:id/${path}`, { schema }, async (req, reply) => {
      const id = param(req, 'id');
      await updateEndpoint(deps, id, { enabled });
      deps.log.info('admin.action', `dashboard ${path} of webhook endpoint ${id}`, { endpoint_id: id, actor: who(req).actor });
      return redirect(reply, `/admin/webhooks/endpoints/${encodeURIComponent(id)}?done=${enabled ? 'enabled' : 'disabled'}`);
    });
  }
  app.get('/webhooks/endpoints/:id/rotate', { schema }, async (req, reply) => {
    const id = param(req, 'id');
    const e = found(await deps.store.webhooks.getEndpoint(id), 'webhook endpoint', id);
    const f = frame(req, reply, 'Rotate the signing secret', 'webhooks');
    return sendAdmin(reply, 200, document(f, html`<h1>Rotate the signing secret</h1><div class="card stack">
<p>A new secret replaces the one of <span class="mono">${e.url}</span> at once: deliveries from now on are signed with the new one, so the receiver must be given it.</p>
<form method="post" action="/admin/webhooks/endpoints/${e.id}/rotate">${csrfField(f.csrf)}<div class="actions"><button type="submit" class="danger">Confirm: rotate the secret</button>
<a class="button secondary" href="/admin/webhooks/endpoints/${e.id}">Back</a></div></form></div>`));
  });
  app.post('/webhooks/endpoints/:id/rotate', { schema }, async (req, reply) => {
    const rotated = await rotateEndpointSecret(deps, param(req, 'id'));
    deps.log.info('admin.action', `dashboard rotated the secret of webhook endpoint ${rotated.id}`, { endpoint_id: rotated.id, actor: who(req).actor });
    reply.header('cache-control', 'no-store');
    return endpointPage(deps, req, reply, rotated.secret);
  });
  app.get('/gateways', { schema }, (req, reply) => gatewaysPage(deps, req, reply));
  app.post('/gateways/:id/reset', { schema }, async (req, reply) => {
    await resetExternalCircuit(deps, param(req, 'id'), who(req).actor);
    return redirect(reply, '/admin/gateways?done=reset');
  });
  app.post('/gateways/:id/check', { schema }, async (req, reply) => {
    const { gateway, config } = await externalGatewayDetails(deps, param(req, 'id'));
    const lines: string[] = [];
    const base = config.authorizeUrl.replace(/\/authorize\/?$/, '');
    const urls = {
      authorize: config.authorizeUrl, capture: config.captureUrl ?? `${base}/capture`, void: config.voidUrl ?? `${base}/void`,
      refund: config.refundUrl ?? `${base}/refund`, token: config.tokenUrl ?? `${base}/token`,
    };
    deps.log.info('admin.action', `dashboard gateway check of ${gateway.id}`, { gateway_id: gateway.id, actor: who(req).actor });
    const code = await gatewayCheck({ urls, secret: config.sharedSecret, webhookPort: null, webhookHost: '127.0.0.1', timeoutMs: CHECK_TIMEOUT_MS }, (line) => lines.push(line));
    return gatewaysPage(deps, req, reply, { id: gateway.id, lines, code });
  });
}
