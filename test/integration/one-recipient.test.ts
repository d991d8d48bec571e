/**
 * Every e-mail field takes exactly one address: a list or a display name would make a confirmation (with
 * what was bought and charged) go to recipients the buyer never named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/mail/nodemailer-mailer.js';
import { ADMIN_KEY, INTEGRATION_KEY, testApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/stores.js';

const NOT_ONE = [
  'v1@a.example, v2@b.example, "x" <v3@c.example>', 'v1@a.example,v2@b.example', 'v1@a.example;v2@b.example', '"Ada" <ada@example.com>',
  'Ada <ada@example.com>', 'ada@example.com (Ada)', 'ada @example.com', 'ada@example', '@example.com', 'ada@@example.com', 'ada@exa mple.com',
  `${'a'.repeat(65)}@example.com`, 'ada@example.com\r\nBcc: eve@example.com',
];

describe.each(DIALECTS)('one recipient per e-mail field (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => { t = await testApp(dialect); });
  afterAll(async () => { await t?.close(); });
  const api = (method: 'POST' | 'PATCH', url: string, payload: object, auth = INTEGRATION_KEY) => t.request({ method, url: `/api/v1${url}`, auth, payload });

  it.each(NOT_ONE)('an order\'s email %j is refused with a 422 naming /email', async (email) => {
    const res = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }], email });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details).toEqual([{ field: '/email', message: expect.any(String) }]);
  });

  it('a customer\'s e-mail and a payment order\'s customer e-mail take one address too', async () => {
    const customer = await api('POST', '/customers', { email: 'v1@a.example, v2@b.example' }, ADMIN_KEY);
    expect(customer.statusCode).toBe(422);
    expect(customer.json().error.details[0].field).toBe('/email');
    const order = await api('POST', '/payment-orders', {
      shopId: t.shopId, order: { orderNumber: 'MAIL-1', cost: { amount: '5.00', currency: 'USD' } },
      customer: { email: 'ada@example.com, eve@example.com' },
      paymentSettings: { redirectUrls: { success: 'https://shop.example/ok', failure: 'https://shop.example/ko' } },
    });
    expect(order.statusCode).toBe(422);
    expect(JSON.stringify(order.json().error.details)).toContain('email');
  });

  it('plain addresses, plus-tags and international domains are fine', async () => {
    for (const email of ['ada@example.com', 'ada.lovelace+receipts@mail.example.co.uk', "o'brien@example.ie", 'ada@bücher.example']) {
      const res = await api('POST', '/orders', { shop_id: t.shopId, lines: [{ product_id: 1 }], email });
      expect(res.statusCode, `${email}: ${res.body}`).toBe(201);
    }
  });
});

describe('the mailer', () => {
  it('refuses a recipient that is not exactly one address, whatever a caller let through', async () => {
    const mailer = new FileMailer('/tmp/pb-never-written');
    await expect(mailer.send({ to: 'a@x.example, b@y.example', subject: 's', text: 't', html: '<p>t</p>', messageId: '<m@x>' }))
      .rejects.toThrow(/not exactly one e-mail address/);
  });
});
