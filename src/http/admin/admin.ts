/**
 * The operators' dashboard under /admin: server-rendered pages that work without script. Access is a
 * session cookie only (HttpOnly, SameSite=Strict, path /admin): an Authorization header, whatever it
 * carries, is not looked at here, so neither a customer's token nor an integration key reaches a page.
 * Every form carries a CSRF token (a secret in its own HttpOnly cookie); sign-in is rate-limited per client.
 * Actions go through the same use cases as the API, with the operator as the actor.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { checkOperatorPassword, openSession, sessionIdentity, signInWithKey, signOut, type OperatorIdentity } from '../../app/operators.js';
import { httpStatus, toDomainError } from '../errors.js';
import { html } from '../pages/html.js';
import { document, errorAlert, redirect, sendAdmin, setAdminHeaders, type Frame, type Section } from './layout.js';
import { orderPages } from './orders.js';
import { catalogPages } from './catalog.js';
import { customerPages } from './customers.js';
import { overviewPage } from './overview.js';
import { systemPages } from './system.js';

export const SESSION_COOKIE = 'pb_admin_session';
const CSRF_COOKIE = 'pb_admin_csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator of a dashboard request; null elsewhere. */
    operator: OperatorIdentity | null;
  }
  interface FastifyContextConfig {
    /** A dashboard route reachable without signing in (the sign-in page). */
    adminPublic?: boolean;
  }
}

/** The signed-in identity of a dashboard route (the hook has checked it). */
export function who(req: FastifyRequest): OperatorIdentity {
  if (!req.operator) throw new Error('dashboard route without a session');
  return req.operator;
}

/** The frame of a page: its title, section, the operator and a fresh CSRF token for its forms. */
export function frame(req: FastifyRequest, reply: FastifyReply, title: string, section?: Section): Frame {
  return { title, section, who: req.operator ?? undefined, csrf: reply.generateCsrf() };
}

export type Query = Readonly<Record<string, string | undefined>>;
/** Query-string and form values as trimmed strings (the first of repeated ones), at most `max` characters. */
export function field(source: unknown, name: string, max = 500): string | undefined {
  const raw = (source as Record<string, unknown> | undefined)?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, max);
}

/** Where sign-in may send the browser afterwards: a dashboard path on this server, nothing else. */
export function safeNext(next: string | undefined): string {
  return next && next.length <= 500 && /^\/admin(?:[/?#][^\\\s]*)?$/.test(next) && !/[\u0000-\u001f]/.test(next) ? next : '/admin';
}

interface AdminOptions {
  readonly deps: Deps;
  /** Sign-in attempts per minute per client address. */
  readonly signInRateLimit?: number | undefined;
}

function signInPage(f: Frame, state: { next: string; error?: string | undefined; email?: string | undefined; firstRun: boolean }): string {
  return document(f, html`<div class="signin">
<div class="card">
<h1>Sign in to Paybridge</h1>
${errorAlert(state.error)}
<form method="post" action="/admin/sign-in">
<input type="hidden" name="_csrf" value="${f.csrf}"><input type="hidden" name="next" value="${state.next}"><input type="hidden" name="method" value="password">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ''}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</div>
<div class="card">
<h2>Or with an admin API key</h2>
<form method="post" action="/admin/sign-in">
<input type="hidden" name="_csrf" value="${f.csrf}"><input type="hidden" name="next" value="${state.next}"><input type="hidden" name="method" value="key">
<label for="key">Admin API key</label><input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit" class="secondary">Sign in with the key</button>
</form>
${state.firstRun ? html`<p class="small muted">No operator exists yet: sign in with the admin key printed at the first start, or create one with <code>paybridge admin create you@example.com</code>.</p>` : ''}
</div>
</div>`);
}

export async function adminRoutes(fastify: FastifyInstance, options: AdminOptions) {
  const { deps } = options;
  const secure = deps.publicUrl.startsWith('https:');
  const cookieOptions = { path: '/admin', httpOnly: true, sameSite: 'strict' as const, secure };

  await fastify.register(async (app) => {
    await app.register(cookie);
    await app.register(csrf, { cookieKey: CSRF_COOKIE, cookieOpts: cookieOptions });
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    await app.register(rateLimit, { global: false });
    app.decorateRequest('operator', null);

    app.addHook('onRequest', async (req, reply) => {
      setAdminHeaders(reply);
      if (req.routeOptions.config?.adminPublic) return;
      const token = req.cookies[SESSION_COOKIE];
      const identity = token ? await sessionIdentity(deps, token) : null;
      if (!identity) {
        if (token) reply.clearCookie(SESSION_COOKIE, cookieOptions);
        const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
        return redirect(reply, `/admin/sign-in${next}`);
      }
      req.operator = identity;
    });
    // Every form that changes something carries the CSRF token; the check runs after the body is parsed.
    app.addHook('preValidation', (req, reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD') return done();
      return app.csrfProtection(req, reply, done);
    });

    app.setNotFoundHandler((req, reply) => sendAdmin(reply, 404, document(frame(req, reply, 'Not found'),
      html`<div class="card"><h1>Not found</h1><p>There is nothing at this address. <a href="/admin">Back to the overview</a></p></div>`)));
    app.setErrorHandler((raw, req, reply) => {
      const code = (raw as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('FST_CSRF_')) {
        return sendAdmin(reply, 403, document(frame(req, reply, 'Form expired'), html`<div class="card"><h1>The form could not be accepted</h1>
<p>It expired or was not sent from this dashboard, so nothing was changed. Go back, reload the page and try again.</p><p><a href="/admin">Overview</a></p></div>`));
      }
      const error = toDomainError(raw);
      const status = httpStatus(error);
      if (status >= 500) req.log.error({ err: raw }, 'dashboard page failed');
      const title = error.code === 'rate_limited' ? 'Too many attempts' : status >= 500 ? 'Something went wrong' : 'Request refused';
      const text = error.code === 'rate_limited' ? 'Too many sign-in attempts from your network. Wait a minute, then try again.'
        : status >= 500 ? 'Something went wrong on our side; nothing more is known here. The server log has the details.' : error.message;
      return sendAdmin(reply, status, document(frame(req, reply, title), html`<div class="card"><h1>${title}</h1>${errorAlert(text)}<p><a href="/admin">Overview</a></p></div>`));
    });

    const publicRoute = { adminPublic: true };
    const firstRun = async () => (await deps.store.operators.count()) === 0;

    app.get('/sign-in', { config: publicRoute, schema: { hide: true } }, async (req, reply) => {
      const next = safeNext(field(req.query, 'next'));
      return sendAdmin(reply, 200, signInPage(frame(req, reply, 'Sign in'), { next, firstRun: await firstRun() }));
    });

    app.post('/sign-in', {
      config: { ...publicRoute, rateLimit: { max: options.signInRateLimit ?? 10, timeWindow: 60_000 } }, schema: { hide: true },
    }, async (req, reply) => {
      const next = safeNext(field(req.body, 'next'));
      let token: string | null = null;
      const email = field(req.body, 'email', 254);
      if (field(req.body, 'method') === 'key') {
        token = await signInWithKey(deps, field(req.body, 'key', 500) ?? '');
      } else {
        const password = (req.body as Record<string, unknown> | undefined)?.['password'];
        const operator = email && typeof password === 'string' ? await checkOperatorPassword(deps, email, password) : null;
        if (operator) token = await openSession(deps, { operatorId: operator.id });
      }
      if (!token) {
        deps.log.warn('operator.sign_in_refused', 'dashboard sign-in refused', { ip: req.ip });
        return sendAdmin(reply, 401, signInPage(frame(req, reply, 'Sign in'), {
          next, email, firstRun: await firstRun(), error: 'That did not work: check the e-mail and password, or the key (an admin key; integration keys cannot sign in).',
        }));
      }
      // A new session every time: a cookie planted before sign-in is never promoted (no session fixation).
      const previous = req.cookies[SESSION_COOKIE];
      const old = previous ? await sessionIdentity(deps, previous) : null;
      if (old) await signOut(deps, old.session);
      reply.setCookie(SESSION_COOKIE, token, cookieOptions);
      return redirect(reply, next);
    });

    app.post('/sign-out', { schema: { hide: true } }, async (req, reply) => {
      await signOut(deps, who(req).session);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return redirect(reply, '/admin/sign-in');
    });

    overviewPage(app, deps);
    orderPages(app, deps);
    systemPages(app, deps);
    customerPages(app, deps);
    catalogPages(app, deps);
  }, { prefix: '/admin' });
}
