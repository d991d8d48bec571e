/**
 * The dashboard's frame: one stylesheet (allowed by its hash in the CSP; no script at all), the navigation,
 * and small renderers shared by the pages. Every value reaches the document through `html`, which escapes
 * it unless it is already rendered markup.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { OperatorIdentity } from '../../app/operators.js';
import { formatMajor } from '../../domain/money.js';
import { esc, html, type Html } from '../pages/html.js';

// The palette and type of the hosted payment page (pages/html.ts), denser for tables.
const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2430;background:#f4f5f8}
a{color:#2448b0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,.scroll:focus-visible{outline:3px solid #9db4f5;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.4rem .6rem;z-index:2}
header.top{background:#1f2a4d;color:#fff}
header.top .bar{max-width:90rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem}
header.top .brand{font-weight:700;font-size:1rem;color:#fff;text-decoration:none;margin-right:.5rem}
header.top nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.1rem .15rem}
header.top nav a{color:#dfe5f7;text-decoration:none;padding:.3rem .5rem;border-radius:.3rem;display:block}
header.top nav a:hover{background:#2f3c66}
header.top nav a[aria-current=page]{background:#2f5bd3;color:#fff}
header.top .who{margin-left:auto;display:flex;align-items:center;gap:.5rem;color:#dfe5f7}
header.top .who form{margin:0}
header.top .who button{margin:0;padding:.25rem .6rem;background:transparent;border:1px solid #8f9cc7;color:#fff;font-weight:600}
main{max-width:90rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.3rem;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.02rem;margin:0 0 .6rem;overflow-wrap:anywhere}
h3{font-size:.95rem;margin:.75rem 0 .4rem}
.card{background:#fff;border:1px solid #dde0e7;border-radius:.5rem;padding:.9rem 1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin-bottom:1rem}
.grid>.card{margin-bottom:0}
.muted{color:#5b6270}
.small{font-size:.86rem}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86rem;word-break:break-all}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse}
th,td{padding:.35rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid #eceef3}
thead th{font-size:.8rem;text-transform:uppercase;letter-spacing:.02em;color:#4f5665;border-bottom:1px solid #d3d7e0;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.total th,tr.total td{font-weight:700;border-top:1px solid #c9ced9}
tbody tr:hover{background:#f8f9fc}
.nowrap{white-space:nowrap}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:1rem;font-size:.8rem;font-weight:600;background:#e8eaf0;color:#2c3342;white-space:nowrap}
.b-good{background:#dcf2e3;color:#14532d}.b-warn{background:#fdf0d2;color:#6b4300}.b-bad{background:#fbe0de;color:#8c1d18}.b-info{background:#e2e9fb;color:#1e3a8a}
.alert{background:#fdecea;color:#8c1d18;border:1px solid #f4c7c3;border-radius:.4rem;padding:.55rem .8rem;margin-bottom:.75rem}
.alert.ok{background:#e7f5ec;color:#17603a;border-color:#b7e1c6}
.alert.info{background:#eef2fd;color:#1e3a8a;border-color:#c9d5f5}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:flex-end;margin-bottom:.6rem}
form.filters label{font-size:.8rem;font-weight:600;display:block;margin-bottom:.15rem;color:#3b4252}
form.filters .wide{flex:1 1 16rem}
label{font-weight:600;display:block;margin:.6rem 0 .2rem}
input,select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #9aa1b1;border-radius:.35rem;background:#fff;color:#1f2430;max-width:100%}
.wide input,.stack input,.stack select,.stack textarea{width:100%}
.stack{max-width:32rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.42rem .9rem;border-radius:.35rem;border:1px solid #2f5bd3;background:#2f5bd3;color:#fff;cursor:pointer;text-decoration:none;margin:.25rem 0}
.button.secondary,button.secondary{background:#fff;color:#2448b0;border-color:#9aa1b1}
button.danger,.button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;margin:.25rem 0}
.actions form{margin:0}
td button,td .button{padding:.18rem .6rem;margin:0;font-size:.85rem}
td .actions{margin:0;gap:.3rem}
summary{cursor:pointer;font-weight:600;color:#2448b0;margin-top:.6rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .9rem;margin:0}
dl.facts dt{color:#4f5665}
dl.facts dd{margin:0}
.pager{display:flex;gap:.75rem;margin-top:.6rem}
.chart{display:block;width:100%;max-width:60rem;height:auto}
.kpi{font-size:1.35rem;font-weight:700;font-variant-numeric:tabular-nums}
.signin{max-width:24rem;margin:3rem auto}
.signin button{width:100%}
.signin input{width:100%}
.reveal{background:#fffbe6;border:1px solid #f0d98a;border-radius:.4rem;padding:.6rem .8rem}
@media (max-width:40rem){main{padding:0 .5rem}.card{padding:.7rem .6rem}header.top .who{margin-left:0}th,td{padding:.3rem .35rem}}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

export const NAV = [
  ['overview', 'Overview', '/admin'], ['orders', 'Orders', '/admin/orders'], ['customers', 'Customers', '/admin/customers'],
  ['invoices', 'Invoices', '/admin/invoices'], ['webhooks', 'Webhooks', '/admin/webhooks'], ['gateways', 'Gateways', '/admin/gateways'],
  ['catalog', 'Catalog', '/admin/catalog'], ['keys', 'API keys', '/admin/api-keys'], ['operators', 'Operators', '/admin/operators'],
] as const;
export type Section = (typeof NAV)[number][0];

export interface Frame {
  readonly title: string;
  readonly section?: Section | undefined;
  /** Absent on the sign-in page. */
  readonly who?: OperatorIdentity | undefined;
  readonly csrf: string;
}

export function document(frame: Frame, body: Html): string {
  const nav = frame.who ? html`<nav aria-label="Dashboard"><ul>${NAV.map(([key, label, href]) =>
    html`<li><a href="${href}"${key === frame.section ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<div class="who"><span class="small">${frame.who.name}</span><form method="post" action="/admin/sign-out"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit">Sign out</button></form></div>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(frame.title)} · Paybridge</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar"><a class="brand" href="/admin">Paybridge</a>${nav.toString()}</div></header>
<main id="content">
${body.text}
</main>
</body>
</html>
`;
}

/** The security headers of every dashboard response: no script, this stylesheet only, forms to ourselves. */
export function setAdminHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', [
    "default-src 'none'", "script-src 'none'", `style-src ${STYLE_HASH}`, "img-src 'self' data:", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; '));
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'no-store');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
}

export function sendAdmin(reply: FastifyReply, status: number, doc: string): FastifyReply {
  setAdminHeaders(reply);
  return reply.status(status).type('text/html; charset=utf-8').send(doc);
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  setAdminHeaders(reply);
  return reply.status(303).header('location', location).send();
}

/** "USD 199.97". */
export function money(amount: number, currency: string): string {
  return `${currency} ${formatMajor({ amount, currency })}`;
}

/** "2026-11-21 12:00:05" in UTC. */
export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const GOOD = new Set(['succeeded', 'paid', 'delivered', 'fulfilled', 'active', 'approved', 'closed', 'complete', 'enabled', 'free', 'available', 'done', 'redeemed']);
const WARN = new Set(['pending', 'authorized', 'partially_authorized', 'partially_paid', 'partially_refunded', 'in_progress', 'half_open', 'open_session', 'placed', 'unfulfilled', 'unpaid', 'draft']);
const BAD = new Set(['failed', 'cancelled', 'voided', 'refunded', 'revoked', 'open', 'disabled', 'expired', 'overdue', 'void']);

export function badge(status: string): Html {
  const tone = GOOD.has(status) ? 'b-good' : BAD.has(status) ? 'b-bad' : WARN.has(status) ? 'b-warn' : 'b-info';
  return html`<span class="badge ${tone}">${status.replace(/_/g, ' ')}</span>`;
}

/** A table inside a horizontally scrollable, keyboard-reachable region (wide tables on a phone). */
export function table(label: string, head: readonly (string | { text: string; num: true })[], rows: readonly Html[], empty = 'Nothing here.'): Html {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="scroll" role="region" aria-label="${label}" tabindex="0"><table>
<thead><tr>${head.map((h) => (typeof h === 'string' ? html`<th scope="col">${h}</th>` : html`<th scope="col" class="num">${h.text}</th>`))}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A one-button form that POSTs to `action` (with the CSRF token). */
export function postButton(action: string, csrf: string, label: string, opts: { danger?: boolean; secondary?: boolean; fields?: Record<string, string> } = {}): Html {
  const cls = opts.danger ? 'danger' : opts.secondary ? 'secondary' : '';
  return html`<form method="post" action="${action}">${csrfField(csrf)}${Object.entries(opts.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit" class="${cls}">${label}</button></form>`;
}

/** Messages a redirect may ask a page to show (`?done=<key>`): fixed texts, never taken from the URL. */
export const DONE: Readonly<Record<string, string>> = {
  capture: 'Capture recorded.', void: 'Void recorded.', refund: 'Refund recorded.', cancel: 'Order cancelled.',
  resend: 'Confirmation e-mail queued.', replay: 'Delivery queued for another attempt.', enabled: 'Endpoint enabled.',
  disabled: 'Endpoint disabled.', reset: 'Circuit reset.', revoked: 'API key revoked.', created: 'Created.', updated: 'Saved.',
  rotated: 'Signing secret replaced.', deactivated: 'Deactivated.', activated: 'Activated.', deleted: 'Deleted.',
};

export function flash(done: unknown): Html {
  const text = typeof done === 'string' && Object.hasOwn(DONE, done) ? DONE[done] : undefined;
  return text ? html`<div class="alert ok" role="status">${text}</div>` : html``;
}

export function errorAlert(message: string | null | undefined): Html {
  return message ? html`<div class="alert" role="alert">${message}</div>` : html``;
}
