/**
 * The catalog (products, promo codes, tax rates), API keys (a new key is shown once; revoke) and the
 * dashboard's operators (another operator may create one). Everything goes through the API's use cases.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createApiKey, revokeApiKey } from '../../app/api-keys.js';
import type { Deps } from '../../app/deps.js';
import { createOperator } from '../../app/operators.js';
import { updateProduct } from '../../app/products.js';
import { createPromoCode, updatePromoCode } from '../../app/promo-codes.js';
import { createTaxRate } from '../../app/tax-rates.js';
import { found } from '../../app/validate.js';
import { DomainError, unwrap } from '../../domain/errors.js';
import { parseMajor, parsePercent, PPM } from '../../domain/money.js';
import { toDomainError } from '../errors.js';
import { html } from '../pages/html.js';
import { field, frame, who } from './admin.js';
import { badge, csrfField, document, errorAlert, flash, money, postButton, redirect, sendAdmin, table, when } from './layout.js';

const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, string>)[name] ?? '').slice(0, 100);
const percent = (ppm: number) => `${(ppm / (PPM / 100)).toFixed(4).replace(/\.?0+$/, '')}%`;

/** Runs a form's action; a refusal re-renders the page with the API's error text. */
async function attempt(reply: FastifyReply, run: () => Promise<string>, page: (error: string) => Promise<FastifyReply>): Promise<FastifyReply> {
  let location: string;
  try {
    location = await run();
  } catch (raw) {
    const error = toDomainError(raw);
    if (error.code === 'internal_error') throw raw;
    return page(error.message);
  }
  return redirect(reply, location);
}

async function catalogPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, error?: string) {
  const [shops, products, promos, rates] = await Promise.all([
    deps.store.shops.list({ limit: 100 }), deps.store.products.list({}, { limit: 100 }), deps.store.promoCodes.list({}, { limit: 100 }), deps.store.taxRates.list({}, { limit: 100 }),
  ]);
  const shopName = new Map(shops.items.map((s) => [s.id, s.name]));
  const f = frame(req, reply, 'Catalog', 'catalog');
  const shopSelect = (id: string) => html`<label for="${id}">Shop</label><select id="${id}" name="shop_id">${shops.items.map((s) => html`<option value="${s.id}">${s.name} (${s.currency})</option>`)}</select>`;
  return sendAdmin(reply, error ? 422 : 200, document(f, html`<h1>Catalog</h1>${flash(field(req.query, 'done', 20))}${errorAlert(error)}
<section class="card" aria-labelledby="h-products"><h2 id="h-products">Products</h2>
${table('Products', [{ text: 'Id', num: true }, 'Title', 'SKU', 'Kind', 'Shop', 'Prices', 'State', ''], products.items.map((p) => html`<tr>
<td class="num">${p.id}</td><td>${p.title}${p.courseIds.length ? html`<br><span class="small muted">courses ${p.courseIds.join(', ')}</span>` : ''}</td><td class="mono">${p.sku}</td><td>${p.kind}</td><td>${shopName.get(p.shopId) ?? p.shopId}</td>
<td class="nowrap">${p.prices.map((x) => html`${money(x.amount, x.currency)}<br>`)}</td><td>${badge(p.active ? 'active' : 'inactive')}</td>
<td>${postButton(`/admin/catalog/products/${p.id}/${p.active ? 'deactivate' : 'activate'}`, f.csrf, p.active ? 'Deactivate' : 'Activate', { secondary: true })}</td></tr>`), 'No products.')}
<p class="small muted">Create and edit products through the API (<code>POST /api/v1/products</code>).</p>
</section>
<section class="card" aria-labelledby="h-promos"><h2 id="h-promos">Promo codes</h2>
${table('Promo codes', ['Code', 'Gives', 'Shop', { text: 'Used', num: true }, 'Expires', 'State', ''], promos.items.map((p) => html`<tr>
<td class="mono">${p.code}</td><td>${p.kind === 'percent_off' ? `${percent(p.percentOffPpm ?? 0)} off` : `${money(p.amount ?? 0, p.currency ?? 'USD')} ${p.kind === 'amount_off' ? 'off' : 'price'}`}${p.oncePerCustomer ? html`<br><span class="small muted">once per customer</span>` : ''}</td>
<td>${shopName.get(p.shopId) ?? p.shopId}</td><td class="num">${p.timesUsed}${p.usageLimit !== null ? ` / ${p.usageLimit}` : ''}</td><td class="nowrap">${when(p.expiresAt)}</td>
<td>${badge(p.active ? 'active' : 'inactive')}</td><td>${postButton(`/admin/catalog/promo-codes/${p.id}/${p.active ? 'deactivate' : 'activate'}`, f.csrf, p.active ? 'Deactivate' : 'Activate', { secondary: true })}</td></tr>`), 'No promo codes.')}
<details><summary>New promo code</summary><form class="stack" method="post" action="/admin/catalog/promo-codes">${csrfField(f.csrf)}
${shopSelect('promo-shop')}
<label for="promo-code">Code</label><input id="promo-code" name="code" required maxlength="40" autocomplete="off">
<label for="promo-kind">Kind</label><select id="promo-kind" name="kind"><option value="percent_off">percent off</option><option value="amount_off">amount off (shop currency)</option></select>
<label for="promo-value">Value (percent, or amount like 5.00)</label><input id="promo-value" name="value" required inputmode="decimal">
<label><input type="checkbox" name="once_per_customer" value="1"> Once per customer</label>
<button type="submit">Create the promo code</button></form></details>
</section>
<section class="card" aria-labelledby="h-taxes"><h2 id="h-taxes">Tax rates</h2>
${table('Tax rates', ['Name', 'Country', { text: 'Rate', num: true }, 'Shop', ''], rates.items.map((r) => html`<tr><td>${r.name}</td><td>${r.country ?? 'default'}</td><td class="num">${percent(r.ratePpm)}</td><td>${shopName.get(r.shopId) ?? r.shopId}</td>
<td>${postButton(`/admin/catalog/tax-rates/${r.id}/delete`, f.csrf, 'Delete', { danger: true })}</td></tr>`), 'No tax rates: prices are taxed at 0.')}
<details><summary>New tax rate</summary><form class="stack" method="post" action="/admin/catalog/tax-rates">${csrfField(f.csrf)}
${shopSelect('tax-shop')}
<label for="tax-name">Name</label><input id="tax-name" name="name" required maxlength="100">
<label for="tax-country">Country (two letters; empty: the shop's default rate)</label><input id="tax-country" name="country" maxlength="2">
<label for="tax-rate">Rate in percent (up to 4 decimals)</label><input id="tax-rate" name="rate" required inputmode="decimal">
<button type="submit">Create the tax rate</button></form></details>
</section>`));
}

async function keysPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, state: { created?: { secret: string; name: string }; error?: string } = {}) {
  const keys = await deps.store.apiKeys.list({ limit: 100 });
  const f = frame(req, reply, 'API keys', 'keys');
  return sendAdmin(reply, state.error ? 422 : 200, document(f, html`<h1>API keys</h1>${flash(field(req.query, 'done', 20))}${errorAlert(state.error)}
${state.created ? html`<div class="reveal" role="status"><strong>${state.created.name}</strong>: <span class="mono">${state.created.secret}</span><br>Copy it now: the key is shown once and only its hash is kept.</div>` : ''}
<section class="card" aria-labelledby="h-keys"><h2 id="h-keys">Keys</h2>
${table('API keys', ['Name', 'Role', 'Prefix', 'Created (UTC)', 'Revoked', ''], keys.items.map((k) => html`<tr><td>${k.name}</td><td>${k.role}</td><td class="mono">${k.prefix}…</td>
<td class="nowrap">${when(k.createdAt)}</td><td>${k.revokedAt === null ? '—' : when(k.revokedAt)}</td>
<td>${k.revokedAt === null ? postButton(`/admin/api-keys/${k.id}/revoke`, f.csrf, 'Revoke', { danger: true }) : badge('revoked')}</td></tr>`))}
</section>
<section class="card stack" aria-labelledby="h-newkey"><h2 id="h-newkey">New key</h2><form method="post" action="/admin/api-keys">${csrfField(f.csrf)}
<label for="key-name">Name</label><input id="key-name" name="name" required maxlength="100">
<label for="key-role">Role</label><select id="key-role" name="role"><option value="integration">integration (a platform's backend)</option><option value="admin">admin (everything)</option></select>
<button type="submit">Create the key</button></form></section>`));
}

async function operatorsPage(deps: Deps, req: FastifyRequest, reply: FastifyReply, error?: string) {
  const operators = await deps.store.operators.list();
  const f = frame(req, reply, 'Operators', 'operators');
  return sendAdmin(reply, error ? 422 : 200, document(f, html`<h1>Operators</h1>${flash(field(req.query, 'done', 20))}${errorAlert(error)}
<section class="card" aria-labelledby="h-ops"><h2 id="h-ops">People who can sign in here</h2>
${table('Operators', ['E-mail', 'Created by', 'Created (UTC)'], operators.map((o) => html`<tr><td>${o.email}</td><td class="mono">${o.createdBy}</td><td class="nowrap">${when(o.createdAt)}</td></tr>`), 'No operators yet: you are signed in with an API key.')}
</section>
<section class="card stack" aria-labelledby="h-newop"><h2 id="h-newop">New operator</h2><form method="post" action="/admin/operators">${csrfField(f.csrf)}
<label for="op-email">E-mail</label><input id="op-email" name="email" type="email" required autocomplete="off">
<label for="op-password">Password (12 characters or more; tell it to them another way)</label><input id="op-password" name="password" type="password" required minlength="12" autocomplete="new-password">
<button type="submit">Create the operator</button></form></section>`));
}

export function catalogPages(app: FastifyInstance, deps: Deps) {
  const schema = { hide: true };
  app.get('/catalog', { schema }, (req, reply) => catalogPage(deps, req, reply));
  for (const [path, active] of [['activate', true], ['deactivate', false]] as const) {
    app.post(`/catalog/products/:id/${path}`, { schema }, (req, reply) => attempt(reply, async () => {
      const id = param(req, 'id');
      if (!/^\d{1,15}$/.test(id)) throw new DomainError('not_found', `product ${id} not found`);
      await updateProduct(deps, Number(id), { active });
      return `/admin/catalog?done=${path}d`;
    }, (e) => catalogPage(deps, req, reply, e)));
    app.post(`/catalog/promo-codes/:id/${path}`, { schema }, (req, reply) => attempt(reply, async () => {
      await updatePromoCode(deps, param(req, 'id'), { active });
      return `/admin/catalog?done=${path}d`;
    }, (e) => catalogPage(deps, req, reply, e)));
  }
  app.post('/catalog/promo-codes', { schema }, (req, reply) => attempt(reply, async () => {
    const shopId = field(req.body, 'shop_id', 100) ?? '';
    const shop = found(await deps.store.shops.get(shopId), 'shop', shopId);
    const kind = field(req.body, 'kind') === 'amount_off' ? 'amount_off' as const : 'percent_off' as const;
    const value = field(req.body, 'value', 40) ?? '';
    await createPromoCode(deps, {
      shopId, code: field(req.body, 'code', 40) ?? '', kind, oncePerCustomer: field(req.body, 'once_per_customer') === '1',
      ...(kind === 'percent_off' ? { percentOffPpm: unwrap(parsePercent(value, { field: 'value' })) } : { amount: unwrap(parseMajor(value, shop.currency, { field: 'value' })).amount, currency: shop.currency }),
    });
    return '/admin/catalog?done=created';
  }, (e) => catalogPage(deps, req, reply, e)));
  app.post('/catalog/tax-rates', { schema }, (req, reply) => attempt(reply, async () => {
    await createTaxRate(deps, {
      shopId: field(req.body, 'shop_id', 100) ?? '', name: field(req.body, 'name', 100) ?? '', country: field(req.body, 'country', 2) ?? null,
      ratePpm: unwrap(parsePercent(field(req.body, 'rate', 20) ?? '', { field: 'rate' })),
    });
    return '/admin/catalog?done=created';
  }, (e) => catalogPage(deps, req, reply, e)));
  app.post('/catalog/tax-rates/:id/delete', { schema }, (req, reply) => attempt(reply, async () => {
    const id = param(req, 'id');
    found((await deps.store.taxRates.delete(id)) || undefined, 'tax rate', id);
    return '/admin/catalog?done=deleted';
  }, (e) => catalogPage(deps, req, reply, e)));

  app.get('/api-keys', { schema }, (req, reply) => keysPage(deps, req, reply));
  app.post('/api-keys', { schema }, async (req, reply) => {
    try {
      const name = field(req.body, 'name', 100);
      if (!name) throw new DomainError('validation_failed', 'a key needs a name', [{ field: 'name', message: 'is required' }]);
      const role = field(req.body, 'role') === 'admin' ? 'admin' as const : 'integration' as const;
      const { apiKey, secret } = await createApiKey(deps, { name, role });
      deps.log.info('admin.action', `dashboard created API key ${apiKey.id}`, { api_key_id: apiKey.id, role, actor: who(req).actor });
      return await keysPage(deps, req, reply, { created: { secret, name } });
    } catch (raw) {
      const error = toDomainError(raw);
      if (error.code === 'internal_error') throw raw;
      return keysPage(deps, req, reply, { error: error.message });
    }
  });
  app.post('/api-keys/:id/revoke', { schema }, (req, reply) => attempt(reply, async () => {
    const key = await revokeApiKey(deps, param(req, 'id'));
    deps.log.info('admin.action', `dashboard revoked API key ${key.id}`, { api_key_id: key.id, actor: who(req).actor });
    return '/admin/api-keys?done=revoked';
  }, (e) => keysPage(deps, req, reply, { error: e })));

  app.get('/operators', { schema }, (req, reply) => operatorsPage(deps, req, reply));
  app.post('/operators', { schema }, (req, reply) => attempt(reply, async () => {
    const password = (req.body as Record<string, unknown> | undefined)?.['password'];
    await createOperator(deps, { email: field(req.body, 'email', 254) ?? '', password: typeof password === 'string' ? password : '', createdBy: who(req).actor });
    return '/admin/operators?done=created';
  }, (e) => operatorsPage(deps, req, reply, e)));
}
