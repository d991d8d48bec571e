/**
 * The invoice payments API's invoice payments end to end through the HTTP app: PLATFORM (an internal account pays on
 * confirm, or on the signed platform webhook), EXTERNAL (someData on confirm, then the signed external
 * webhook), CHECKOUT (an order paid through the sandbox, then the redirect pages), discount codes, part
 * payments, overpayment, duplicate and forged webhooks, and the ledger balancing to zero.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { newAccount, newInvoice, invoicePaymentCall, sendWebhook, shopSecret } from '../helpers/invoices.js';
import { DIALECTS } from '../helpers/stores.js';

describe.each(DIALECTS)('invoice payments, invoice payments (%s)', (dialect) => {
  let t: TestApp;
  let ada: { id: string; token: string };
  let secret: string;
  let hooks = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    ada = await t.customerToken('ada-pays@example.com');
    secret = await shopSecret(t);
    await t.request({ method: 'POST', url: '/api/v1/promo-codes', auth: ADMIN_KEY, payload: { shop_id: t.shopId, code: 'SAVE10', kind: 'percent_off', percent_off: 10 } });
  });
  afterAll(async () => { await t?.close(); });

  const get = (url: string, auth = INTEGRATION_KEY) => t.request({ method: 'GET', url: `/api/v1${url}`, auth });
  const hook = (source: 'platform' | 'external', payload: Record<string, unknown>, options: { id?: string; sign?: boolean; signedAt?: number; secret?: string } = {}) =>
    sendWebhook(t, source, payload, { id: options.id ?? `msg_${++hooks}`, secret: options.secret ?? secret, ...options });
  const report = (p: { paymentId: string; invoiceId: string }, over: Record<string, unknown> = {}) =>
    ({ paymentId: p.paymentId, invoiceId: p.invoiceId, status: 'SUCCEEDED', amount: 100, currency: 'USD', paymentDate: Math.floor(t.clock.now() / 1000), ...over });
  const count = async (type: string) => (await get(`/events?type=${type}&limit=100`)).json().data.length as number;

  describe('PLATFORM', () => {
    it('creates once, then retrieves; confirm moves the money from the account to the merchant and pays the invoice', async () => {
      const invoice = await newInvoice(t, ada.id);
      const account = await newAccount(t, ada.id, 15_000);
      const created = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({
        invoiceId: invoice.id, type: 'PLATFORM', status: 'OPEN', amount: 100, currency: 'USD', discount: 0, accountId: account, checkoutUrl: null,
        invoice: { status: 'OPEN', total: 100, amountPaid: 0, amountDue: 100 },
      });
      const again = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect([again.statusCode, again.json().paymentId]).toEqual([200, created.json().paymentId]);
      const paidBefore = await count('invoice.paid');

      const confirmed = await invoicePaymentCall(t, '/confirm', { paymentId: created.json().paymentId, invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
      expect(confirmed.json()).toMatchObject({ status: 'SUCCEEDED', paymentDate: t.clock.now(), invoice: { status: 'PAID', amountPaid: 100, amountDue: 0 } });
      expect((await get(`/accounts/${account}`)).json().balance).toBe(5000);
      expect(await count('invoice.paid')).toBe(paidBefore + 1);
      const again2 = await invoicePaymentCall(t, '/confirm', { paymentId: created.json().paymentId, invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect([again2.statusCode, again2.json().status]).toEqual([200, 'SUCCEEDED']);
      expect((await get(`/accounts/${account}`)).json().balance).toBe(5000);
      const mails = (await t.deps.store.jobs.list({ kind: 'email' }, { limit: 100 })).items.map((j) => j.payload as { to: string; subject: string });
      expect(mails).toContainEqual(expect.objectContaining({ to: 'ada-pays@example.com', subject: `Receipt for invoice ${invoice.id}` }));
    });

    it.each([
      ['no account', {}, 422, 'validation_failed'],
      ['an account in another currency', { currency: 'EUR' }, 422, 'currency_mismatch'],
      ['an account that does not exist', { accountId: 'acc_missing' }, 404, 'not_found'],
    ])('refuses a PLATFORM payment with %s', async (_case, how, status, code) => {
      const invoice = await newInvoice(t, ada.id);
      const accountId = 'currency' in how ? await newAccount(t, (await t.customerToken(`eur-${Date.now()}@example.com`)).id, 0, how.currency) : (how as { accountId?: string }).accountId;
      const res = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', ...(accountId ? { accountId } : {}) });
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
    });

    it('refuses a confirm the balance does not cover, changing nothing', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 5000 });
      const account = await newAccount(t, (await t.customerToken('poor@example.com')).id, 4999);
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account })).json();
      const res = await invoicePaymentCall(t, '/confirm', { paymentId: p.paymentId, invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect([res.statusCode, res.json().error.code]).toEqual([422, 'insufficient_funds']);
      expect((await get(`/accounts/${account}`)).json().balance).toBe(4999);
      expect((await get(`/invoices/${invoice.id}`)).json()).toMatchObject({ status: 'open', payments: [{ status: 'open' }] });
    });

    it('is paid by the signed platform webhook too, from the payment\'s account', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 2500 });
      const account = await newAccount(t, (await t.customerToken('platform-hook@example.com')).id, 3000);
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account })).json();
      const res = await hook('platform', report(p, { amount: 25, status: 'success' }));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ received: true, duplicate: false, changed: true, payment: { status: 'SUCCEEDED', invoice: { status: 'PAID' } } });
      expect((await get(`/accounts/${account}`)).json().balance).toBe(500);
      const wrongRoad = await hook('external', report(p, { amount: 25 }));
      expect(wrongRoad.statusCode).toBe(422);
    });
  });

  describe('EXTERNAL', () => {
    it('stores someData on confirm, then settles on the signed webhook, exactly once', async () => {
      const invoice = await newInvoice(t, ada.id);
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      const confirmed = await invoicePaymentCall(t, '/confirm', { paymentId: p.paymentId, invoiceId: invoice.id, type: 'EXTERNAL', someData: '{"iban":"DE89…"}' });
      expect(confirmed.json()).toMatchObject({ status: 'PROCESSING', someData: '{"iban":"DE89…"}', invoice: { status: 'OPEN' } });
      const paidAt = Date.UTC(2026, 10, 21, 11, 58);
      const body = report(p, { paymentDate: paidAt / 1000, externalData: 'bank-ref-77' });
      const before = await count('invoice.paid');
      const res = await hook('external', body, { id: 'msg_external_1' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ duplicate: false, changed: true, payment: { status: 'SUCCEEDED', externalData: 'bank-ref-77', paymentDate: paidAt, invoice: { status: 'PAID', amountDue: 0 } } });
      const duplicate = await hook('external', body, { id: 'msg_external_1' });
      expect(duplicate.statusCode).toBe(200);
      expect(duplicate.json()).toMatchObject({ duplicate: true, changed: false, payment: { status: 'SUCCEEDED' } });
      expect(await count('invoice.paid')).toBe(before + 1);
      const late = await hook('external', report(p, { status: 'PENDING' }));
      expect(late.json()).toMatchObject({ duplicate: false, changed: false, payment: { status: 'SUCCEEDED' } });
      const contradiction = await hook('external', report(p, { status: 'FAILED' }));
      expect([contradiction.statusCode, contradiction.json().error.code]).toEqual([409, 'invalid_transition']);
    });

    it('refuses unsigned, forged and stale webhooks with 401, changing nothing', async () => {
      const invoice = await newInvoice(t, ada.id);
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      const forger = 'whsec_' + Buffer.from('not the shop secret, 32 bytes!!').toString('base64');
      const signedAt = new Date(t.clock.now());
      const tampered = {
        'content-type': 'application/json', 'webhook-id': 'msg_tampered', 'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_tampered', signedAt, JSON.stringify({ payload: report(p) })),
      };
      const attempts = [
        await hook('external', report(p), { sign: false }),
        await hook('external', report(p), { secret: forger }),
        await hook('external', report(p), { signedAt: t.clock.now() - 10 * 60_000 }),
        await t.request({ method: 'POST', url: '/api/v1/invoice-payments/webhooks/external', headers: tampered, payload: JSON.stringify({ payload: report(p, { status: 'FAILED' }) }) }),
        await hook('external', report({ ...p, paymentId: 'ipay_unknown' })),
      ];
      for (const res of attempts) expect([res.statusCode, res.json().error.code]).toEqual([401, 'invalid_signature']);
      expect((await get(`/invoices/${invoice.id}`)).json()).toMatchObject({ status: 'open', payments: [{ status: 'open' }] });
      expect((await hook('external', report(p))).json().payment.status).toBe('SUCCEEDED');
    });

    it('refuses an amount or currency unlike the payment\'s, and more decimals than the currency has', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 4200 });
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      for (const [over, code] of [[{ amount: 43 }, 'amount_exceeds_due'], [{ amount: 41 }, 'invalid_amount'], [{ amount: 42.001 }, 'invalid_amount'], [{ amount: 42, currency: 'EUR' }, 'currency_mismatch'], [{ amount: 42, status: 'lost' }, 'validation_failed']] as const) {
        const res = await hook('external', report(p, over));
        expect([res.statusCode, res.json().error.code]).toEqual([422, code]);
      }
      expect((await get(`/invoices/${invoice.id}`)).json()).toMatchObject({ status: 'open', payments: [{ status: 'open' }] });
      const ok = await hook('external', report(p, { amount: 42, status: 'failed' }));
      expect(ok.json().payment).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('failed') });
      const again = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      expect(again.paymentId).not.toBe(p.paymentId);
    });
  });

  describe('CHECKOUT', () => {
    it('opens a hosted checkout; once its order is paid, the payment succeeds and the redirect shows it', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 7500 });
      const created = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'CHECKOUT' }, ada.token);
      expect(created.statusCode, created.body).toBe(201);
      const p = created.json();
      expect(p.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/pay\/cs_\w+$/);
      const sessionId = p.checkoutUrl.split('/').pop();
      const returnUrl = (page: string, over: Record<string, string> = {}) => `/api/v1/invoice-payments/checkout/${page}?${new URLSearchParams({ 'cko-payment-session-id': sessionId, 'cko-session-id': sessionId, 'cko-payment-id': p.paymentId, ...over })}`;
      const pending = await t.request({ method: 'GET', url: returnUrl('success') });
      expect([pending.statusCode, pending.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
      expect(pending.body).toContain('Payment pending');
      expect((await t.request({ method: 'GET', url: returnUrl('failure') })).body).toContain('Payment not completed');

      const orderId = (await get(`/invoices/${invoice.id}`)).json().payments[0].order_id;
      const gatewayId = (await get('/gateways')).json().data[0].id;
      const paid = await t.request({ method: 'POST', url: `/api/v1/orders/${orderId}/payments`, auth: INTEGRATION_KEY, payload: { gateway_id: gatewayId, source: { type: 'card_token', token: 'tok_sandbox_success_4242' } } });
      expect(paid.json().order).toMatchObject({ payment_status: 'paid', total: 7500 });
      expect((await get(`/invoices/${invoice.id}`, ada.token)).json()).toMatchObject({ status: 'paid', amount_paid: 7500, payments: [{ status: 'succeeded' }] });

      const success = await t.request({ method: 'GET', url: returnUrl('success') });
      expect(success.body).toContain('Payment received');
      const json = await t.request({ method: 'GET', url: returnUrl('success'), headers: { accept: 'application/json' } });
      expect(json.json()).toEqual({ paymentId: p.paymentId, status: 'SUCCEEDED' });
      expect((await t.request({ method: 'GET', url: returnUrl('failure') })).body).toContain('Payment received');
      const forged = await t.request({ method: 'GET', url: returnUrl('success', { 'cko-session-id': 'cs_forged', 'cko-payment-session-id': 'cs_forged' }) });
      expect(forged.statusCode).toBe(404);
      expect((await invoicePaymentCall(t, '/confirm', { paymentId: p.paymentId, invoiceId: invoice.id, type: 'CHECKOUT' })).json().status).toBe('SUCCEEDED');
    });

    it('the redirect never believes the query string: another payment\'s id shows this session\'s truth', async () => {
      const unpaid = await newInvoice(t, ada.id);
      const p = (await invoicePaymentCall(t, '', { invoiceId: unpaid.id, type: 'CHECKOUT' })).json();
      const sessionId = p.checkoutUrl.split('/').pop();
      const res = await t.request({ method: 'GET', url: `/api/v1/invoice-payments/checkout/success?cko-payment-session-id=${sessionId}&cko-session-id=${sessionId}&cko-payment-id=ipay_someone_elses_paid_one`, headers: { accept: 'application/json' } });
      expect(res.json()).toEqual({ paymentId: p.paymentId, status: 'OPEN' });
    });
  });

  describe('discount codes and part payments', () => {
    it('applies an invoice\'s discount code to what is still due, once, and can take it off again', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 20_000, discount_codes: ['SAVE10'] });
      const account = await newAccount(t, (await t.customerToken('saver@example.com')).id, 50_000);
      const p = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account, discountCode: 'save10' });
      expect(p.json()).toMatchObject({ amount: 180, discount: 20, discountCode: 'SAVE10' });
      const off = await invoicePaymentCall(t, '/update', { paymentId: p.json().paymentId, invoiceId: invoice.id, type: 'PLATFORM', discountCode: null });
      expect(off.json()).toMatchObject({ amount: 200, discount: 0, discountCode: null });
      const on = await invoicePaymentCall(t, '/update', { invoiceId: invoice.id, type: 'PLATFORM', discountCode: 'SAVE10' });
      expect(on.json()).toMatchObject({ paymentId: p.json().paymentId, amount: 180, discount: 20 });
      const done = await invoicePaymentCall(t, '/confirm', { paymentId: p.json().paymentId, invoiceId: invoice.id, type: 'PLATFORM' });
      expect(done.json()).toMatchObject({ status: 'SUCCEEDED', invoice: { status: 'PAID', amountPaid: 180, amountDue: 0 } });
      expect((await get(`/invoices/${invoice.id}`)).json()).toMatchObject({ amount_paid: 18_000, amount_discounted: 2000, amount_due: 0 });
      expect((await get(`/accounts/${account}`)).json().balance).toBe(32_000);
    });

    it.each([
      ['a code the invoice does not list', 'WELCOME10'],
      ['a code that does not exist', 'NOSUCH'],
    ])('refuses %s', async (_case, discountCode) => {
      const invoice = await newInvoice(t, ada.id, { discount_codes: ['SAVE10'] });
      const res = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL', discountCode });
      expect([res.statusCode, res.json().error.code, res.json().error.details[0].field]).toEqual([422, 'promo_code_invalid', '/discountCode']);
    });

    it('settles one invoice with several payments of different types, and refuses to overpay it', async () => {
      const invoice = await newInvoice(t, ada.id, { amount: 10_000, discount_codes: ['SAVE10'] });
      const account = await newAccount(t, (await t.customerToken('parts@example.com')).id, 10_000);
      expect((await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account, amount: 100.01 })).json().error.code).toBe('amount_exceeds_due');
      expect((await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account, amount: 0.001 })).json().error.code).toBe('invalid_amount');
      const part = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account, amount: 40 })).json();
      const external = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      expect(external.amount).toBe(100);
      const first = await invoicePaymentCall(t, '/confirm', { paymentId: part.paymentId, invoiceId: invoice.id, type: 'PLATFORM' });
      expect(first.json().invoice).toMatchObject({ status: 'PARTIALLY_PAID', amountPaid: 40, amountDue: 60 });
      expect(await count('invoice.partially_paid')).toBeGreaterThanOrEqual(1);
      const stale = await get(`/invoices/${invoice.id}`);
      expect(stale.json().payments.find((x: { id: string }) => x.id === external.paymentId).status).toBe('cancelled');
      const rest = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL', discountCode: 'SAVE10' })).json();
      expect(rest).toMatchObject({ amount: 54, discount: 6 });
      expect((await hook('external', report(rest, { amount: 60 }))).statusCode).toBe(422);
      const settled = await hook('external', report(rest, { amount: 54 }));
      expect(settled.json().payment.invoice).toMatchObject({ status: 'PAID', amountPaid: 94, amountDue: 0 });
      const over = await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'PLATFORM', accountId: account });
      expect([over.statusCode, over.json().error.code]).toEqual([422, 'amount_exceeds_due']);
      const cancelledConfirm = await invoicePaymentCall(t, '/confirm', { paymentId: external.paymentId, invoiceId: invoice.id, type: 'EXTERNAL' });
      expect([cancelledConfirm.statusCode, cancelledConfirm.json().error.code]).toEqual([422, 'amount_exceeds_due']);
      expect((await get(`/accounts/${account}`)).json().balance).toBe(6000);
    });
  });

  describe('under concurrency', () => {
    it('five simultaneous creates for one invoice and type make one payment', async () => {
      const invoice = await newInvoice(t, ada.id);
      const results = await Promise.all(Array.from({ length: 5 }, () => invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'CHECKOUT' })));
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.json().paymentId)).size).toBe(1);
      expect((await get(`/invoices/${invoice.id}`)).json().payments).toHaveLength(1);
    });

    it('the same webhook delivered twice at once is applied once', async () => {
      const invoice = await newInvoice(t, ada.id);
      const p = (await invoicePaymentCall(t, '', { invoiceId: invoice.id, type: 'EXTERNAL' })).json();
      const before = await count('invoice.paid');
      const both = await Promise.all([hook('external', report(p), { id: 'msg_twice' }), hook('external', report(p), { id: 'msg_twice' })]);
      expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
      expect(both.map((r) => r.json().duplicate).sort()).toEqual([false, true]);
      expect(await count('invoice.paid')).toBe(before + 1);
    });
  });

  describe('who may act', () => {
    it('lets a customer pay its own invoices with its own account only; anything else is "not found"', async () => {
      const bob = await t.customerToken('bob-pays@example.com');
      const adasInvoice = await newInvoice(t, ada.id);
      const bobsInvoice = await newInvoice(t, bob.id, { amount: 1000 });
      const adasAccount = await newAccount(t, (await t.customerToken('ada-wallet-owner@example.com')).id, 5000);
      const bobsAccount = await newAccount(t, bob.id, 5000);
      expect((await invoicePaymentCall(t, '', { invoiceId: adasInvoice.id, type: 'EXTERNAL' }, bob.token)).statusCode).toBe(404);
      expect((await invoicePaymentCall(t, '', { invoiceId: bobsInvoice.id, type: 'PLATFORM', accountId: adasAccount }, bob.token)).statusCode).toBe(404);
      const mine = await invoicePaymentCall(t, '', { invoiceId: bobsInvoice.id, type: 'PLATFORM', accountId: bobsAccount }, bob.token);
      expect(mine.statusCode).toBe(201);
      const confirmed = await invoicePaymentCall(t, '/confirm', { paymentId: mine.json().paymentId, invoiceId: bobsInvoice.id, type: 'PLATFORM' }, bob.token);
      expect(confirmed.json()).toMatchObject({ status: 'SUCCEEDED', invoice: { status: 'PAID' } });
      expect((await t.request({ method: 'POST', url: '/api/v1/invoice-payments', payload: { invoiceId: bobsInvoice.id, type: 'EXTERNAL' } })).statusCode).toBe(401);
    });
  });

  it('leaves every currency\'s ledger balanced at zero', async () => {
    expect(Object.values(await t.deps.store.ledger.totals()).every((total) => total === 0)).toBe(true);
  });
});
