/**
 * Invoices through the native API: created from lines or one amount (minor units), read by their customer
 * only, listed with cursors, voided while nothing was paid, marked overdue by the scheduler's sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markOverdueInvoices } from '../../src/app/invoices/overdue.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DAY, newAccount, newInvoice, invoicePaymentCall } from '../helpers/invoices.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('invoices (%s)', (dialect) => {
  let t: TestApp;
  let ada: { id: string; token: string };
  let bob: { id: string; token: string };
  beforeAll(async () => {
    t = await testApp(dialect);
    ada = await t.customerToken('ada-invoices@example.com');
    bob = await t.customerToken('bob-invoices@example.com');
    await t.request({ method: 'POST', url: '/api/v1/promo-codes', auth: ADMIN_KEY, payload: { shop_id: t.shopId, code: 'LOYAL5', kind: 'amount_off', amount: 500, currency: 'USD' } });
    await t.request({ method: 'POST', url: '/api/v1/promo-codes', auth: ADMIN_KEY, payload: { shop_id: t.shopId, code: 'FIXED', kind: 'price_override', amount: 100, currency: 'USD' } });
  });
  afterAll(async () => { await t?.close(); });

  const get = (url: string, auth = INTEGRATION_KEY) => t.request({ method: 'GET', url: `/api/v1${url}`, auth });
  const post = (url: string, payload?: object, auth = INTEGRATION_KEY) => t.request({ method: 'POST', url: `/api/v1${url}`, auth, ...(payload ? { payload } : {}) });
  const due = (days: number) => new Date(t.clock.now() + days * DAY).toISOString();
  const events = async (type: string) => (await get(`/events?type=${type}&limit=100`)).json().data as { data: { invoice: { id: string } } }[];

  it('prices an invoice from its lines, in the shop\'s currency, and announces it', async () => {
    const res = await post('/invoices', {
      shop_id: t.shopId, customer_id: ada.id, due_at: due(30), number: 'INV-2026-001', discount_codes: ['welcome10', 'loyal5'],
      lines: [{ description: 'Team seats', quantity: 3, unit_amount: 4999 }, { description: 'Onboarding', unit_amount: 15_000 }],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      object: 'invoice', currency: 'USD', status: 'open', total: 29_997, amount_paid: 0, amount_due: 29_997, number: 'INV-2026-001',
      discount_codes: ['WELCOME10', 'LOYAL5'],
      lines: [{ description: 'Team seats', quantity: 3, unit_amount: 4999, amount: 14_997 }, { description: 'Onboarding', quantity: 1, unit_amount: 15_000, amount: 15_000 }],
    });
    expect((await events('invoice.created')).map((e) => e.data.invoice.id)).toContain(res.json().id);
  });

  it.each([
    ['lines and an amount', { amount: 100, lines: [{ description: 'x', unit_amount: 1 }] }, 422, '/lines'],
    ['neither lines nor an amount', { amount: undefined }, 422, '/lines'],
    ['lines that add up to zero', { amount: undefined, lines: [{ description: 'Free', unit_amount: 0 }] }, 422, '/lines'],
    ['an amount that is not whole minor units', { amount: 10.5 }, 422, '/amount'],
    ['an unknown customer', { customer_id: 'cus_nobody' }, 422, '/customer_id'],
    ['an unknown currency', { currency: 'ABC' }, 422, '/currency'],
    ['a due date that is not a date', { due_at: 'next tuesday' }, 422, '/due_at'],
    ['a discount code the shop does not have', { discount_codes: ['NOPE'] }, 422, '/discount_codes/0'],
    ['a price override as a discount code', { discount_codes: ['FIXED'] }, 422, '/discount_codes/0'],
  ])('refuses %s, naming the field', async (_case, body, status, field) => {
    const res = await post('/invoices', { shop_id: t.shopId, customer_id: ada.id, amount: 1000, due_at: due(7), ...body });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('shows a customer its own invoices only, listed page by page', async () => {
    const mine = [await newInvoice(t, bob.id), await newInvoice(t, bob.id), await newInvoice(t, bob.id)];
    const other = await newInvoice(t, ada.id);
    expect((await get(`/invoices/${mine[0]!.id}`, bob.token)).json()).toMatchObject({ id: mine[0]!.id, payments: [] });
    const foreign = await get(`/invoices/${other.id}`, bob.token);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe((await get('/invoices/inv_missing', bob.token)).json().error.code);
    const first = (await get(`/invoices?customer_id=${ada.id}&limit=2`, bob.token)).json();
    expect(first.data.map((i: { id: string }) => i.id)).toEqual([mine[0]!.id, mine[1]!.id]);
    const rest = (await get(`/invoices?limit=2&starting_after=${first.next_cursor}`, bob.token)).json();
    expect(rest).toMatchObject({ has_more: false, data: [{ id: mine[2]!.id }] });
    expect((await get('/invoices?status=open&limit=100')).json().data.length).toBeGreaterThanOrEqual(4);
  });

  it('creates and voids only with a platform credential', async () => {
    const invoice = await newInvoice(t, bob.id);
    expect((await post('/invoices', { shop_id: t.shopId, customer_id: bob.id, amount: 1, due_at: due(1) }, bob.token)).statusCode).toBe(403);
    expect((await post(`/invoices/${invoice.id}/void`, undefined, bob.token)).statusCode).toBe(403);
  });

  it('voids an unpaid invoice, cancelling its open payments and their checkout orders', async () => {
    const invoice = await newInvoice(t, ada.id);
    const checkout = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'CHECKOUT' })).json();
    const external = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
    const voided = await post(`/invoices/${invoice.id}/void`);
    expect(voided.statusCode, voided.body).toBe(200);
    expect(voided.json()).toMatchObject({ status: 'void', voided_at: expect.any(String) });
    expect(voided.json().payments.map((p: { id: string; status: string }) => [p.id, p.status]).sort())
      .toEqual([[checkout.paymentId, 'cancelled'], [external.paymentId, 'cancelled']].sort());
    const orderId = voided.json().payments.find((p: { type: string }) => p.type === 'CHECKOUT').order_id;
    expect((await get(`/orders/${orderId}`)).json().status).toBe('cancelled');
    expect((await post(`/invoices/${invoice.id}/void`)).json().status).toBe('void');
    expect((await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).statusCode).toBe(409);
    expect((await events('invoice.voided')).filter((e) => e.data.invoice.id === invoice.id)).toHaveLength(1);
  });

  it('refuses to void an invoice with money paid on it', async () => {
    const invoice = await newInvoice(t, ada.id, { amount: 3000 });
    const account = await newAccount(t, ada.id, 1000);
    const part = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account, amount: 10 });
    expect((await invoicePaymentCall(t, '/confirm', { paymentId: part.json().paymentId, invoiceId: invoice.id, type: 'PLATFORM' })).statusCode).toBe(200);
    const res = await post(`/invoices/${invoice.id}/void`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('invalid_transition');
  });

  it('marks invoices overdue once their due date passes, once, and keeps them overdue until paid in full', async () => {
    const soon = await newInvoice(t, bob.id, { amount: 2000, due_at: due(1) });
    const later = await newInvoice(t, bob.id, { amount: 2000, due_at: due(10) });
    t.clock.advance(DAY + 1);
    expect(await markOverdueInvoices(t.deps, t.clock.now(), 100)).toBeGreaterThanOrEqual(1);
    expect(await markOverdueInvoices(t.deps, t.clock.now(), 100)).toBe(0);
    expect((await get(`/invoices/${soon.id}`)).json().status).toBe('overdue');
    expect((await get(`/invoices/${later.id}`)).json().status).toBe('open');
    expect((await events('invoice.overdue')).filter((e) => e.data.invoice.id === soon.id)).toHaveLength(1);

    const account = await newAccount(t, bob.id, 5000);
    const pay = async (amount: number) => {
      const p = (await invoicePaymentCall(t, '', { invoiceId: soon.id, type: 'PLATFORM', accountId: account, amount })).json();
      return (await invoicePaymentCall(t, '/confirm', { paymentId: p.paymentId, invoiceId: soon.id, type: 'PLATFORM' })).json();
    };
    expect((await pay(5)).invoice).toMatchObject({ status: 'OVERDUE', amountDue: 15 });
    expect((await pay(15)).invoice).toMatchObject({ status: 'PAID', amountDue: 0 });
  });
});
