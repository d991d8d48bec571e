/**
 * The frame of every server-rendered page: escaping, one stylesheet, and the security headers. Pages run
 * no script at all; the only inline content is the stylesheet below, allowed by its hash in the CSP.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Tagged template: interpolated values are escaped unless they are `Html` (already rendered). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      if (part === null || part === undefined || part === false) continue;
      out += part instanceof Html ? part.text : esc(String(part));
    }
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2430;background:#f4f5f8}
main{max-width:34rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dde0e7;border-radius:.6rem;padding:1.25rem 1.5rem;margin-bottom:1rem}
h1{font-size:1.35rem;margin:0 0 .25rem}
h2{font-size:1.05rem;margin:0 0 .75rem}
.muted{color:#5b6270;font-size:.9rem;margin:0}
table{width:100%;border-collapse:collapse}
td,th{padding:.3rem 0;text-align:left;font-weight:normal}
td.amount,th.amount{text-align:right;white-space:nowrap}
tr.total th,tr.total td{font-weight:700;border-top:1px solid #dde0e7;padding-top:.5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;padding:.55rem .65rem;font:inherit;border:1px solid #b9bfcc;border-radius:.4rem}
input[aria-invalid=true]{border-color:#b3261e}
.row{display:flex;gap:1rem}
.row>div{flex:1}
.field-error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}
.alert{background:#fdecea;color:#8c1d18;border:1px solid #f4c7c3;border-radius:.4rem;padding:.6rem .8rem;margin-bottom:.75rem}
.ok{background:#e7f5ec;color:#17603a;border-color:#b7e1c6}
button{margin-top:1.25rem;width:100%;padding:.75rem;font:inherit;font-weight:700;color:#fff;background:#2f5bd3;border:0;border-radius:.4rem;cursor:pointer}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #9db4f5;outline-offset:2px}
.links{text-align:center;margin:.75rem 0 0}
.help code{font-size:.9rem}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;

/** A whole HTML document. `refresh` makes the browser reload `refresh.url` after `refresh.seconds`. */
export function page(title: string, body: Html, refresh?: { seconds: number; url: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${refresh ? `<meta http-equiv="refresh" content="${refresh.seconds};url=${esc(refresh.url)}">` : ''}
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.text}
</main>
</body>
</html>
`;
}

/**
 * Headers for every page response. `formTargets` are the origins a form of the page may end up at: the
 * POST answers with a redirect to the merchant's success URL, and Chromium applies `form-action` to
 * redirects too.
 */
export function setPageHeaders(reply: FastifyReply, formTargets: readonly string[] = []): void {
  const formAction = ["'self'", ...new Set(formTargets)].join(' ');
  reply.header('content-security-policy', [
    "default-src 'self'", "script-src 'none'", `style-src ${STYLE_HASH}`, "img-src 'self' data:", "object-src 'none'",
    "base-uri 'none'", `form-action ${formAction}`, "frame-ancestors 'none'",
  ].join('; '));
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'no-store');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/** Sends a page with its status and headers. */
export function sendPage(reply: FastifyReply, status: number, document: string, formTargets: readonly string[] = []): FastifyReply {
  setPageHeaders(reply, formTargets);
  return reply.status(status).type('text/html; charset=utf-8').send(document);
}

/** A 303 redirect (the browser follows it with a GET), with the page headers. */
export function sendRedirect(reply: FastifyReply, location: string): FastifyReply {
  setPageHeaders(reply);
  return reply.status(303).header('location', location).send();
}

/** A small page with a heading and a message: errors, expiry, not found. */
export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  return page(title, html`<div class="card"><h1>${title}</h1><p>${message}</p>${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}</div>`);
}
