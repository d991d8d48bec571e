/**
 * Internal accounts on the double-entry ledger: opened for a customer or an organisation in one currency,
 * credited by admin top-ups, debited by PLATFORM invoice payments, never below zero — even when many
 * payments race for the same balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { newAccount, newInvoice, invoicePaymentCall, topUp } from '../helpers/invoices.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('internal accounts (%s)', (dialect) => {
  let t: TestApp;
  let ada: { id: string; token: string };
  let bob: { id: string; token: string };
  beforeAll(async () => {
    t = await testApp(dialect);
    ada = await t.customerToken('ada-accounts@example.com');
    bob = await t.customerToken('bob-accounts@example.com');
  });
  afterAll(async () => { await t?.close(); });

  const get = (url: string, auth = INTEGRATION_KEY) => t.request({ method: 'GET', url: `/api/v1${url}`, auth });
  const open = (payload: object) => t.request({ method: 'POST', url: '/api/v1/accounts', auth: INTEGRATION_KEY, payload: { shop_id: t.shopId, currency: 'USD', ...payload } });

  it('opens one account per owner and currency, for a customer or an organisation', async () => {
    const mine = await open({ customer_id: ada.id });
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json()).toMatchObject({ object: 'account', customer_id: ada.id, organisation: null, currency: 'USD', balance: 0 });
    expect((await open({ customer_id: ada.id })).json().error.code).toBe('already_exists');
    expect((await open({ customer_id: ada.id, currency: 'EUR' })).statusCode).toBe(201);
    const org = await open({ organisation: 'Acme Learning Ltd' });
    expect(org.json()).toMatchObject({ customer_id: null, organisation: 'Acme Learning Ltd' });
    expect((await open({ organisation: 'ACME learning ltd' })).statusCode).toBe(409);
  });

  it.each([
    ['no owner', {}, '/customer_id'],
    ['two owners', { customer_id: 'cus_x', organisation: 'X' }, '/customer_id'],
    ['an unknown customer', { customer_id: 'cus_missing' }, '/customer_id'],
    ['an unknown currency', { organisation: 'Y', currency: 'XYZ' }, '/currency'],
  ])('refuses an account with %s, naming the field', async (_case, body, field) => {
    const res = await open(body);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('credits admin top-ups once per reference, and shows them on the statement', async () => {
    const id = await newAccount(t, bob.id, 0);
    expect((await topUp(t, id, 2500, 'cash-1')).json()).toMatchObject({ balance: 2500 });
    expect((await topUp(t, id, 2500, 'cash-1')).json()).toMatchObject({ balance: 2500 });
    expect((await topUp(t, id, 1000, 'cash-2')).json()).toMatchObject({ balance: 3500 });
    const byIntegration = await t.request({ method: 'POST', url: `/api/v1/accounts/${id}/top-ups`, auth: INTEGRATION_KEY, payload: { amount: 1, reference: 'x' } });
    expect(byIntegration.statusCode).toBe(403);
    const statement = (await get(`/accounts/${id}/statement?limit=1`)).json();
    expect(statement.data).toEqual([{ transfer_id: expect.any(String), kind: 'top_up', reference: `${id}:cash-1`, amount: 2500, created_at: expect.any(String) }]);
    const next = (await get(`/accounts/${id}/statement?starting_after=${statement.next_cursor}`)).json();
    expect(next.data.map((l: { amount: number }) => l.amount)).toEqual([1000]);
    expect(next.has_more).toBe(false);
    expect(await t.deps.store.ledger.totals()).toMatchObject({ USD: 0 });
  });

  it('shows a customer its own accounts only; another\'s is "not found"', async () => {
    const adas = await newAccount(t, ada.id, 0, 'GBP');
    expect((await get(`/accounts/${adas}`, ada.token)).statusCode).toBe(200);
    expect((await get(`/accounts/${adas}`, bob.token)).statusCode).toBe(404);
    expect((await get(`/accounts/${adas}/statement`, bob.token)).statusCode).toBe(404);
    const listed = (await get(`/accounts?customer_id=${ada.id}`, bob.token)).json().data;
    expect(listed.every((a: { customer_id: string }) => a.customer_id === bob.id)).toBe(true);
  });

  it('lets 10 of 30 concurrent 10.00 payments through a 100.00 balance, never below zero', async () => {
    const payer = await t.customerToken('racer@example.com');
    const account = await newAccount(t, payer.id, 10_000);
    const payments: { invoiceId: string; paymentId: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const invoice = await newInvoice(t, payer.id, { amount: 1000 });
      const created = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect(created.statusCode, created.body).toBe(201);
      payments.push({ invoiceId: invoice.id, paymentId: created.json().paymentId as string });
    }
    const results = await Promise.all(payments.map((p) => invoicePaymentCall(t, '/confirm', { ...p, type: 'PLATFORM', accountId: account })));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 422)).toHaveLength(20);
    for (const r of results.filter((x) => x.statusCode === 422)) expect(r.json().error.code).toBe('insufficient_funds');
    for (const r of results.filter((x) => x.statusCode === 200)) expect(r.json()).toMatchObject({ status: 'SUCCEEDED', invoice: { status: 'PAID', amountDue: 0 } });
    expect((await get(`/accounts/${account}`)).json().balance).toBe(0);
    const lines = (await get(`/accounts/${account}/statement?limit=100`)).json().data as { kind: string; amount: number }[];
    expect(lines.filter((l) => l.kind === 'invoice_payment').map((l) => l.amount)).toEqual(Array(10).fill(-1000));
    const refused = results.map((r, i) => ({ r, p: payments[i]! })).filter((x) => x.r.statusCode === 422);
    const invoice = (await get(`/invoices/${refused[0]!.p.invoiceId}`)).json();
    expect(invoice).toMatchObject({ status: 'open', amount_paid: 0, payments: [{ status: 'open' }] });
    expect(await t.deps.store.ledger.totals()).toMatchObject({ USD: 0 });
  });

  it('only an admin tops up; anyone without a credential is turned away', async () => {
    const owner = await t.customerToken('topper@example.com');
    const id = await newAccount(t, owner.id, 0);
    expect((await t.request({ method: 'POST', url: `/api/v1/accounts/${id}/top-ups`, payload: { amount: 1, reference: 'r' } })).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: `/api/v1/accounts/${id}/top-ups`, auth: owner.token, payload: { amount: 1, reference: 'r' } })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: `/api/v1/accounts/${id}/top-ups`, auth: ADMIN_KEY, payload: { amount: 1.5, reference: 'r' } })).statusCode).toBe(422);
  });
});
