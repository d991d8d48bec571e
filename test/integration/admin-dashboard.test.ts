/**
 * The operators' dashboard at /admin through the HTTP app: who gets in (a session cookie only: no
 * session, a customer's token or an integration key never reach a page), CSRF on every form, the
 * session cookie's attributes, fixation, idle expiry and sign-out, the sign-in's return URL, escaping,
 * the rate limit on sign-in, and the order actions running the API's use cases with the operator as actor.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit } from '../../src/app/events.js';
import { createOperator } from '../../src/app/operators.js';
import type { HttpClient } from '../../src/ports/http-client.js';
import { Worker } from '../../src/worker/worker.js';
import { startFakeMerchant } from '../helpers/fake-merchant.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const PASSWORD = 'a long operator password';

interface Browser { cookies: Map<string, string> }

const cookieHeader = (b: Browser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

describe.each(DIALECTS)('operators\' dashboard (%s)', (dialect) => {
  let t: TestApp;
  let operatorId = '';
  let ip = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    operatorId = (await createOperator(t.deps, { email: 'ops@example.com', password: PASSWORD, createdBy: 'test' })).id;
  });
  afterAll(async () => { await t?.close(); });

  /** Each test signs in from its own address, so the sign-in limit counts only its own attempts. */
  const browser = (): Browser & { ip: string } => ({ cookies: new Map(), ip: `10.0.0.${++ip}` });

  async function get(b: Browser & { ip: string }, url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await t.app.inject({ method: 'GET', url, remoteAddress: b.ip, headers: { cookie: cookieHeader(b), ...headers } });
    keep(b, res);
    return res;
  }
  function keep(b: Browser, res: LightMyRequestResponse) {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) b.cookies.delete(c.name);
      else b.cookies.set(c.name, c.value);
    }
  }
  const tokenOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  async function post(b: Browser & { ip: string }, url: string, fields: Record<string, string>, csrf: string | null): Promise<LightMyRequestResponse> {
    const res = await t.app.inject({
      method: 'POST', url, remoteAddress: b.ip,
      headers: { cookie: cookieHeader(b), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...(csrf === null ? {} : { _csrf: csrf }), ...fields }).toString(),
    });
    keep(b, res);
    return res;
  }
  /** Opens a page and submits one of its forms with the page's CSRF token. */
  async function submit(b: Browser & { ip: string }, pageUrl: string, action: string, fields: Record<string, string>) {
    const page = await get(b, pageUrl);
    expect(page.statusCode, page.body).toBe(200);
    return post(b, action, fields, tokenOf(page.body));
  }
  async function signIn(fields: Record<string, string> = { method: 'password', email: 'ops@example.com', password: PASSWORD }) {
    const b = browser();
    const res = await submit(b, '/admin/sign-in', '/admin/sign-in', fields);
    return { b, res };
  }

  it('sends a browser without a session to the sign-in page, and back where it was going afterwards', async () => {
    const b = browser();
    const res = await get(b, '/admin/orders?q=ada');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/sign-in?next=${encodeURIComponent('/admin/orders?q=ada')}`);
    const signInPage = await get(b, res.headers.location as string);
    expect(signInPage.statusCode).toBe(200);
    expect(signInPage.body).toContain('name="next" value="/admin/orders?q=ada"');
    const signedIn = await post(b, '/admin/sign-in', { method: 'password', email: 'OPS@example.com', password: PASSWORD, next: '/admin/orders?q=ada' }, tokenOf(signInPage.body));
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/admin/orders?q=ada');
    const list = await get(b, '/admin/orders?q=ada');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<h1>Orders</h1>');
  });

  it('never lets a bearer credential in: admin key, integration key or a customer\'s token in the header is no session', async () => {
    const customer = await t.customerToken('header-customer@example.com');
    for (const auth of [ADMIN_KEY, INTEGRATION_KEY, customer.token]) {
      for (const url of ['/admin', '/admin/orders', '/admin/api-keys']) {
        const res = await t.request({ method: 'GET', url, auth });
        expect(res.statusCode, `${url} with ${auth.slice(0, 12)}`).toBe(303);
        expect(res.headers.location).toMatch(/^\/admin\/sign-in/);
      }
    }
    const post = await t.request({ method: 'POST', url: '/admin/orders/1/refund', auth: ADMIN_KEY, payload: { amount: '1.00' } });
    expect(post.statusCode).toBe(303);
  });

  it('signs in with an admin API key, never with an integration key or a customer\'s password', async () => {
    const integration = await signIn({ method: 'key', key: INTEGRATION_KEY });
    expect(integration.res.statusCode).toBe(401);
    expect(integration.b.cookies.has('pb_admin_session')).toBe(false);
    await t.customerToken('buyer-not-operator@example.com', 'correct horse battery');
    const customer = await signIn({ method: 'password', email: 'buyer-not-operator@example.com', password: 'correct horse battery' });
    expect(customer.res.statusCode).toBe(401);
    const wrong = await signIn({ method: 'password', email: 'ops@example.com', password: 'not the password' });
    expect(wrong.res.statusCode).toBe(401);
    expect(wrong.res.body).toContain('That did not work');
    const admin = await signIn({ method: 'key', key: ADMIN_KEY });
    expect(admin.res.statusCode).toBe(303);
    const overview = await get(admin.b, '/admin');
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('Admin key (PAYBRIDGE_ADMIN_KEY)');
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, for /admin only, and strict security headers on every page', async () => {
    const { res } = await signIn();
    const cookie = res.cookies.find((c) => c.name === 'pb_admin_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    expect(cookie.value.length).toBeGreaterThanOrEqual(40);
    const page = await t.app.inject({ method: 'GET', url: '/admin/sign-in' });
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).not.toMatch(/<script|style="/);
  });

  it('refuses every form without its CSRF token, or with another browser\'s', async () => {
    const { b } = await signIn();
    const noToken = await post(b, '/admin/sign-out', {}, null);
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain('nothing was changed');
    const other = await signIn();
    const otherToken = tokenOf((await get(other.b, '/admin')).body);
    const foreign = await post(b, '/admin/sign-out', {}, otherToken);
    expect(foreign.statusCode).toBe(403);
    expect((await get(b, '/admin')).statusCode).toBe(200); // still signed in: the forged sign-out did nothing
    const fresh = browser();
    const signInWithout = await post(fresh, '/admin/sign-in', { method: 'key', key: ADMIN_KEY }, null);
    expect(signInWithout.statusCode).toBe(403);
  });

  it('ignores a return URL that leaves the dashboard', async () => {
    for (const next of ['https://evil.example/', '//evil.example/admin', '/\\evil.example', '/admin\\@evil.example', 'javascript:alert(1)', '/administrator', '/api/v1/orders']) {
      const b = browser();
      const page = await get(b, `/admin/sign-in?next=${encodeURIComponent(next)}`);
      expect(page.body).toContain('name="next" value="/admin"');
      const res = await post(b, '/admin/sign-in', { method: 'password', email: 'ops@example.com', password: PASSWORD, next }, tokenOf(page.body));
      expect(res.statusCode, next).toBe(303);
      expect(res.headers.location, next).toBe('/admin');
    }
  });

  it('never promotes a planted session cookie, ends a session at sign-out and after 12 idle hours', async () => {
    const b = browser();
    b.cookies.set('pb_admin_session', 'planted-by-an-attacker-0123456789abcdef0123');
    expect((await get(b, '/admin')).statusCode).toBe(303);
    const page = await get(b, '/admin/sign-in');
    b.cookies.set('pb_admin_session', 'planted-by-an-attacker-0123456789abcdef0123');
    await post(b, '/admin/sign-in', { method: 'password', email: 'ops@example.com', password: PASSWORD }, tokenOf(page.body));
    const session = b.cookies.get('pb_admin_session')!;
    expect(session).not.toBe('planted-by-an-attacker-0123456789abcdef0123');
    expect((await get(b, '/admin')).statusCode).toBe(200);

    // Sign-out revokes the session itself: the old cookie does not work even if it was copied.
    const copy = { cookies: new Map(b.cookies), ip: b.ip };
    const out = await post(b, '/admin/sign-out', {}, tokenOf((await get(b, '/admin')).body));
    expect(out.statusCode).toBe(303);
    expect((await get(copy, '/admin')).statusCode).toBe(303);

    const idle = await signIn();
    t.clock.advance(11 * 3_600_000);
    expect((await get(idle.b, '/admin')).statusCode).toBe(200); // a request restarts the idle clock
    t.clock.advance(11 * 3_600_000);
    expect((await get(idle.b, '/admin')).statusCode).toBe(200);
    t.clock.advance(12 * 3_600_000 + 1);
    const expired = await get(idle.b, '/admin');
    expect(expired.statusCode).toBe(303);
  });

  it('limits sign-in attempts per client', async () => {
    const b = browser();
    const token = tokenOf((await get(b, '/admin/sign-in')).body);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post(b, '/admin/sign-in', { method: 'password', email: 'ops@example.com', password: `guess ${i}` }, token)).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    // Another client is not affected.
    expect((await signIn()).res.statusCode).toBe(303);
  });

  async function paidOrder(email: string, metadata: Record<string, string> = {}, customerId?: string) {
    const created = await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 2 }], email, metadata, ...(customerId ? { customer_id: customerId } : {}) } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    const paid = await t.request({ method: 'POST', url: `/api/v1/orders/${id}/payments`, auth: INTEGRATION_KEY, payload: { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token: 'tok_sandbox_success' }, capture: true } });
    expect(paid.json().order.payment_status, paid.body).toBe('paid');
    return id;
  }

  it('escapes what buyers and platforms wrote: names, e-mails, metadata', async () => {
    const evil = '<script>alert(1)</script>';
    const customer = await t.request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email: 'xss@example.com', first_name: evil, last_name: '"><img src=x onerror=alert(2)>' } });
    expect(customer.statusCode, customer.body).toBe(201);
    const id = await paidOrder('xss@example.com', { note: evil, '<b>key</b>': '"><svg onload=alert(3)>' }, customer.json().id);
    const { b } = await signIn();
    const detail = await get(b, `/admin/orders/${id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('<script>alert');
    expect(detail.body).not.toContain('<svg onload');
    expect(detail.body).not.toContain('<b>key</b>');
    expect(detail.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(detail.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#34;&#62;&#60;img src=x onerror=alert(2)&#62;');
    const list = await get(b, `/admin/orders?q=${encodeURIComponent('"><svg onload=alert(4)>')}`);
    expect(list.body).not.toContain('<svg onload');
    expect(list.body).toContain('value="&#34;&#62;&#60;svg onload=alert(4)&#62;"');
  });

  it('finds orders by buyer e-mail, id and status, in pages', async () => {
    const ids = [await paidOrder('finder@example.com'), await paidOrder('finder@example.com'), await paidOrder('someone-else@example.com')];
    const { b } = await signIn();
    const byEmail = await get(b, '/admin/orders?q=FINDER%40example');
    expect(byEmail.body).toContain(`/admin/orders/${ids[0]}"`);
    expect(byEmail.body).toContain(`/admin/orders/${ids[1]}"`);
    expect(byEmail.body).not.toContain(`/admin/orders/${ids[2]}"`);
    const byId = await get(b, `/admin/orders?q=${ids[2]}`);
    expect(byId.body).toContain(`/admin/orders/${ids[2]}"`);
    expect(byId.body).not.toContain(`/admin/orders/${ids[0]}"`);
    const refunded = await get(b, '/admin/orders?q=finder&payment_status=refunded');
    expect(refunded.body).toContain('No order matches.');
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    const dated = await get(b, `/admin/orders?q=finder&from=${today}&to=${today}`);
    expect(dated.body).toContain(`/admin/orders/${ids[0]}"`);
    const tomorrow = new Date(t.clock.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await get(b, `/admin/orders?q=finder&from=${tomorrow}`)).body).toContain('No order matches.');
  });

  it('pages through a search newest first: 50 a page, the filters kept on the next page, every order once', async () => {
    const email = 'pager@example.com';
    const made: number[] = [];
    for (let i = 0; i < 53; i++) {
      const created = await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 2 }], email } });
      expect(created.statusCode, created.body).toBe(201);
      made.push(created.json().id as number);
    }
    const { b } = await signIn();
    const idsOn = (body: string) => [...body.matchAll(/href="\/admin\/orders\/(\d+)"/g)].map((m) => Number(m[1]));
    const first = await get(b, '/admin/orders?q=pager%40example.com&status=pending');
    expect(first.statusCode).toBe(200);
    const firstIds = idsOn(first.body);
    expect(firstIds).toEqual([...made].reverse().slice(0, 50));
    expect(first.body).not.toContain('First page');
    const next = /<a href="(\/admin\/orders\?[^"]+)">Next page<\/a>/.exec(first.body)?.[1]?.replaceAll('&#38;', '&');
    expect(next).toBeDefined();
    const nextQuery = new URLSearchParams(next!.split('?')[1]);
    expect(nextQuery.get('q')).toBe(email);
    expect(nextQuery.get('status')).toBe('pending');
    const second = await get(b, next!);
    expect(idsOn(second.body)).toEqual([...made].reverse().slice(50));
    expect(second.body).toContain('First page');
    expect(second.body).not.toContain('Next page');
    const bad = await get(b, '/admin/orders?q=pager%40example.com&before=not-a-number');
    expect(idsOn(bad.body)).toEqual(firstIds);
  });

  it('pages through customers with their cursor, every customer once', async () => {
    for (let i = 0; i < 51; i++) {
      const c = await t.request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email: `paged-customer-${i}@example.com` } });
      expect(c.statusCode, c.body).toBe(201);
    }
    const { b } = await signIn();
    const seen = new Set<string>();
    let url: string | undefined = '/admin/customers';
    let pages = 0;
    while (url) {
      const res = await get(b, url);
      expect(res.statusCode).toBe(200);
      const ids = [...res.body.matchAll(/href="\/admin\/customers\/([^"]+)"/g)].map((m) => m[1]!);
      expect(ids.length).toBeLessThanOrEqual(50);
      for (const id of ids) { expect(seen.has(id), `customer ${id} shown twice`).toBe(false); seen.add(id); }
      url = /<a href="(\/admin\/customers\?after=[^"]+)">Next page<\/a>/.exec(res.body)?.[1];
      pages++;
    }
    const all = await t.deps.store.customers.list({}, { limit: 1000 });
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(new Set(all.items.map((c) => c.id)));
  });

  it('refunds part of an order after confirming, records the operator as the actor, and shows the API\'s refusal', async () => {
    const id = await paidOrder('refund-me@example.com');
    const { b } = await signIn();
    const confirm = await get(b, `/admin/orders/${id}/refund`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Confirm: refund');
    const done = await post(b, `/admin/orders/${id}/refund`, { amount: '10.00', reason: 'course started late' }, tokenOf(confirm.body));
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe(`/admin/orders/${id}?done=refund`);
    const order = (await t.request({ method: 'GET', url: `/api/v1/orders/${id}`, auth: ADMIN_KEY })).json();
    expect(order.payment_status).toBe('partially_refunded');
    const refund = order.transactions.find((x: { kind: string }) => x.kind === 'refund');
    expect(refund).toMatchObject({ amount: 1000, status: 'succeeded' });
    expect(order.history.at(-1)).toMatchObject({ axis: 'payment_status', to: 'partially_refunded', actor: `operator:${operatorId}` });
    const detail = await get(b, done.headers.location as string);
    expect(detail.body).toContain('Refund recorded.');
    expect(detail.body).toContain('reason: course started late');
    expect(detail.body).toContain(`operator:${operatorId}`);

    const tooMuch = await submit(b, `/admin/orders/${id}/refund`, `/admin/orders/${id}/refund`, { amount: '500.00' });
    expect(tooMuch.statusCode).toBe(422);
    const apiRefusal = await t.request({ method: 'POST', url: `/api/v1/orders/${id}/refunds`, auth: ADMIN_KEY, payload: { amount: 50_000 } });
    expect(tooMuch.body).toContain(apiRefusal.json().error.message);

    const badAmount = await submit(b, `/admin/orders/${id}/refund`, `/admin/orders/${id}/refund`, { amount: '1.234' });
    expect(badAmount.statusCode).toBe(422);
    const cancel = await submit(b, `/admin/orders/${id}/cancel`, `/admin/orders/${id}/cancel`, { reason: 'no' });
    expect(cancel.body).toContain('refund or void it before cancelling');
  });

  it('captures part, voids the rest, and resends the confirmation of a paid order', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/orders', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, lines: [{ product_id: 1 }], email: 'two-stage@example.com' } });
    const id = created.json().id as number;
    await t.request({ method: 'POST', url: `/api/v1/orders/${id}/payments`, auth: INTEGRATION_KEY, payload: { gateway_id: t.sandboxGatewayId, source: { type: 'card_token', token: 'tok_sandbox_success' }, capture: false } });
    const { b } = await signIn({ method: 'key', key: ADMIN_KEY });
    const resendEarly = await submit(b, `/admin/orders/${id}/resend`, `/admin/orders/${id}/resend`, {});
    expect(resendEarly.body).toContain('only a paid or free order has a confirmation to resend');
    expect((await submit(b, `/admin/orders/${id}/capture`, `/admin/orders/${id}/capture`, { amount: '20.00' })).statusCode).toBe(303);
    expect((await submit(b, `/admin/orders/${id}/void`, `/admin/orders/${id}/void`, {})).statusCode).toBe(303);
    const order = (await t.request({ method: 'GET', url: `/api/v1/orders/${id}`, auth: ADMIN_KEY })).json();
    expect(order.transactions.map((x: { kind: string; amount: number }) => `${x.kind} ${x.amount}`)).toEqual(['authorization 4999', 'capture 2000', 'void 2999']);
    const key = (await t.deps.store.apiKeys.getByHash(t.deps.hasher.hashToken(ADMIN_KEY)))!;
    expect(order.history.some((h: { actor: string }) => h.actor === `api_key:${key.id}`)).toBe(true);
    const paid = await paidOrder('resend@example.com');
    const mails = async () => (await t.deps.store.jobs.list({ kind: 'email' }, { limit: 100 })).items.filter((j) => j.payload['to'] === 'resend@example.com').length;
    const before = await mails();
    expect(before).toBe(1);
    expect((await submit(b, `/admin/orders/${paid}/resend`, `/admin/orders/${paid}/resend`, {})).statusCode).toBe(303);
    expect((await submit(b, `/admin/orders/${paid}/resend`, `/admin/orders/${paid}/resend`, {})).statusCode).toBe(303);
    expect(await mails()).toBe(3);
  });

  it('shows the overview with sales and what needs attention', async () => {
    const { b } = await signIn();
    const res = await get(b, '/admin');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Needs attention');
    expect(res.body).toMatch(/<svg class="chart"[^>]*aria-label="Net sales per day in USD/);
  });

  it('lists failed deliveries, shows each attempt, replays one to a receiver that now answers, disables, enables and rotates', async () => {
    let answer = 503;
    const http: HttpClient = { post: async () => ({ status: answer, headers: {}, body: '' }) };
    const worker = () => new Worker(t.deps, { http, mailer: { send: async () => {} } }, { id: 'w', random: () => 0.5, endpointFailureLimit: 1_000 });
    const endpoint = await t.deps.store.webhooks.insertEndpoint({
      id: t.deps.ids.next('we'), shopId: null, url: 'https://hooks.example.com/<b>receiver</b>', secret: t.deps.signer.newSecret(),
      eventTypes: ['webhook.test'], description: null, enabled: true, disabledReason: null, consecutiveFailures: 0,
    });
    await t.deps.store.tx((tx) => emit(t.deps, tx, { type: 'webhook.test', shopId: null, data: { message: 'hello' } }));
    for (let i = 0; i < 12; i++) { await worker().runOnce(); t.clock.advance(48 * 3_600_000); }
    const [delivery] = (await t.deps.store.webhooks.listDeliveries({ endpointId: endpoint.id }, { limit: 10 })).items;
    expect(delivery!.status).toBe('failed');

    const { b } = await signIn();
    const failed = await get(b, '/admin/webhooks?status=failed');
    expect(failed.body).toContain(`/admin/webhooks/deliveries/${delivery!.id}`);
    expect(failed.body).not.toContain('<b>receiver</b>');
    expect((await get(b, '/admin/webhooks?status=delivered')).body).not.toContain(`/admin/webhooks/deliveries/${delivery!.id}`);
    const detail = await get(b, `/admin/webhooks/deliveries/${delivery!.id}`);
    expect(detail.body).toContain('503');
    expect(detail.body.match(/<td class="num">\d+<\/td><td class="nowrap">/g)?.length).toBe(delivery!.attempts);

    answer = 200;
    const replay = await post(b, `/admin/webhooks/deliveries/${delivery!.id}/replay`, {}, tokenOf(detail.body));
    expect(replay.statusCode).toBe(303);
    await worker().runOnce();
    const after = await get(b, `/admin/webhooks/deliveries/${delivery!.id}`);
    expect(after.body).toMatch(/badge b-good">delivered/);
    expect(after.body).toContain('200');

    const page = await get(b, `/admin/webhooks/endpoints/${endpoint.id}`);
    expect((await post(b, `/admin/webhooks/endpoints/${endpoint.id}/disable`, {}, tokenOf(page.body))).statusCode).toBe(303);
    expect((await t.deps.store.webhooks.getEndpoint(endpoint.id))!.enabled).toBe(false);
    const refused = await post(b, `/admin/webhooks/deliveries/${delivery!.id}/replay`, {}, tokenOf(page.body));
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('the endpoint is disabled; enable it before replaying');
    expect((await post(b, `/admin/webhooks/endpoints/${endpoint.id}/enable`, {}, tokenOf(page.body))).statusCode).toBe(303);
    expect((await t.deps.store.webhooks.getEndpoint(endpoint.id))!.enabled).toBe(true);
    const rotated = await submit(b, `/admin/webhooks/endpoints/${endpoint.id}/rotate`, `/admin/webhooks/endpoints/${endpoint.id}/rotate`, {});
    const secret = (await t.deps.store.webhooks.getEndpoint(endpoint.id))!.secret;
    expect(secret).not.toBe(endpoint.secret);
    expect(rotated.body).toContain(secret);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect((await get(b, `/admin/webhooks/endpoints/${endpoint.id}`)).body).not.toContain(secret);
  });

  it('shows an external gateway\'s circuit with its failure count, resets it, and runs the gateway check from the page', async () => {
    const merchant = await startFakeMerchant();
    try {
      const created = await t.request({ method: 'POST', url: '/api/v1/external-gateways', auth: ADMIN_KEY, payload: {
        shop_id: t.shopId, name: 'Merchant <gw>', authorize_url: `${merchant.url}/authorize`, capture_url: `${merchant.url}/capture`,
        void_url: `${merchant.url}/void`, refund_url: `${merchant.url}/refund`, token_url: `${merchant.url}/token`, circuit_failure_threshold: 2,
      } });
      expect(created.statusCode, created.body).toBe(201);
      const { id, shared_secret: secret } = created.json() as { id: string; shared_secret: string };
      merchant.secret.value = secret;
      for (let i = 0; i < 3; i++) await t.deps.store.externalGateways.recordFailure(id, 2, t.clock.now(), false);
      const { b } = await signIn();
      const page = await get(b, '/admin/gateways');
      expect(page.body).toMatch(new RegExp(`id="g-${id}">[\\s\\S]*?badge b-bad">open</span> <span class="small">3 failures`));
      expect(page.body).toContain('Merchant &#60;gw&#62;');
      expect((await get(b, '/admin')).body).toContain(`/admin/gateways#g-${id}`);
      const reset = await post(b, `/admin/gateways/${id}/reset`, {}, tokenOf(page.body));
      expect(reset.statusCode).toBe(303);
      expect((await t.deps.store.externalGateways.circuit(id))).toMatchObject({ state: 'closed', failureCount: 0 });
      const check = await post(b, `/admin/gateways/${id}/check`, {}, tokenOf(page.body));
      expect(check.statusCode).toBe(200);
      expect(check.body).toContain('PASS  authorize: succeeded');
      expect(check.body).toContain('PASS  refund: succeeded');
      // This fake merchant does not verify signatures: the check says so, as the command line would.
      expect(check.body).toContain('FAIL  authorize with a wrong signature: answered HTTP 200 (must be refused with ≥ 400)');
      expect(check.body).toMatch(/\d+ passed, 2 failed/);
      expect(check.body).not.toContain(secret);
    } finally {
      await merchant.close();
    }
  });

  it('shows a customer with orders, enrollments, invoices and balance; lists invoices', async () => {
    const customer = (await t.request({ method: 'POST', url: '/api/v1/customers', auth: ADMIN_KEY, payload: { email: 'whole@example.com', first_name: 'Grace', last_name: '<Hopper>' } })).json() as { id: string };
    const id = await paidOrder('whole@example.com', {}, customer.id);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', auth: ADMIN_KEY, payload: { shop_id: t.shopId, currency: 'USD', customer_id: customer.id } });
    expect(account.statusCode, account.body).toBe(201);
    const topUp = await t.request({ method: 'POST', url: `/api/v1/accounts/${account.json().id}/top-ups`, auth: ADMIN_KEY, payload: { amount: 2500, reference: 'bank transfer' } });
    expect(topUp.statusCode, topUp.body).toBeLessThan(300);
    const { b } = await signIn();
    const list = await get(b, '/admin/customers?q=WHOLE@example.com');
    expect(list.body).toContain(`/admin/customers/${customer.id}`);
    expect(list.body).toContain('Grace &#60;Hopper&#62;');
    const page = await get(b, `/admin/customers/${customer.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`/admin/orders/${id}"`);
    expect(page.body).toContain('USD 25.00');
    expect(page.body).toMatch(/<td>2<\/td><td><a href="\/admin\/orders\/\d+">/); // enrollment in course 2
    expect((await get(b, '/admin/invoices')).statusCode).toBe(200);
    expect((await get(b, '/admin/customers/cus_nope')).statusCode).toBe(404);
  });

  it('creates an API key shown once and revokes it; another operator creates an operator; the catalog takes promo codes and tax rates', async () => {
    const { b } = await signIn();
    const created = await submit(b, '/admin/api-keys', '/admin/api-keys', { name: 'Robot <r2>', role: 'integration' });
    expect(created.statusCode).toBe(200);
    const secret = /<span class="mono">(pb_live_[^<]+)<\/span>/.exec(created.body)?.[1];
    expect(secret).toBeDefined();
    expect((await t.request({ method: 'GET', url: '/api/v1/orders', auth: secret! })).statusCode).toBe(200);
    const listed = await get(b, '/admin/api-keys');
    expect(listed.body).not.toContain(secret!);
    expect(listed.body).toContain('Robot &#60;r2&#62;');
    const key = (await t.deps.store.apiKeys.getByHash(t.deps.hasher.hashToken(secret!)))!;
    expect((await post(b, `/admin/api-keys/${key.id}/revoke`, {}, tokenOf(listed.body))).statusCode).toBe(303);
    expect((await t.request({ method: 'GET', url: '/api/v1/orders', auth: secret! })).statusCode).toBe(401);

    const op = await submit(b, '/admin/operators', '/admin/operators', { email: 'second@example.com', password: 'another long password' });
    expect(op.statusCode).toBe(303);
    expect((await t.deps.store.operators.getByEmail('second@example.com'))!.createdBy).toBe(`operator:${operatorId}`);
    const short = await submit(b, '/admin/operators', '/admin/operators', { email: 'third@example.com', password: 'short' });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain('the password must be 12 to 1024 characters long');
    expect((await signIn({ method: 'password', email: 'second@example.com', password: 'another long password' })).res.statusCode).toBe(303);

    const promo = await submit(b, '/admin/catalog', '/admin/catalog/promo-codes', { shop_id: t.shopId, code: 'SPRING25', kind: 'percent_off', value: '25' });
    expect(promo.statusCode, promo.body).toBe(303);
    expect(await t.deps.store.promoCodes.getByCode(t.shopId, 'SPRING25')).toMatchObject({ percentOffPpm: 250_000, active: true });
    const again = await submit(b, '/admin/catalog', '/admin/catalog/promo-codes', { shop_id: t.shopId, code: 'spring25', kind: 'percent_off', value: '10' });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('promo code SPRING25 already exists');
    const tax = await submit(b, '/admin/catalog', '/admin/catalog/tax-rates', { shop_id: t.shopId, name: 'VAT DE', country: 'DE', rate: '19' });
    expect(tax.statusCode, tax.body).toBe(303);
    const catalog = await get(b, '/admin/catalog');
    expect(catalog.body).toContain('SPRING25');
    expect(catalog.body).toContain('19%');
    expect(catalog.body).toContain('JavaScript Fundamentals');
  });
});
