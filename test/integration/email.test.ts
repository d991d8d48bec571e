import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer, SmtpMailer } from '../../src/adapters/mail/nodemailer-mailer.js';
import { UndiciHttpClient } from '../../src/adapters/undici-http-client.js';
import { enqueueEmail } from '../../src/app/emails/enqueue.js';
import { serverId } from '../../src/app/emails/message-id.js';
import { orderConfirmation, type OrderMailData } from '../../src/app/emails/templates.js';
import { Worker } from '../../src/worker/worker.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { startSmtp, type SmtpSink } from '../helpers/smtp.js';
import { DIALECTS } from '../helpers/stores.js';

const ORDER: OrderMailData = {
  shopName: 'Demo Academy', orderNumber: '42', customerName: 'Ada', currency: 'USD',
  lines: [{ title: 'JavaScript Fundamentals', quantity: 1, total: 4999 }, { title: 'Advanced React', quantity: 2, total: 19998 }],
  subtotal: 24997, discount: 2500, tax: 4274, total: 26771, promoCode: 'WELCOME10',
};


describe.each(DIALECTS)('e-mail outbox (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SmtpSink;
  const http = new UndiciHttpClient({ allowPrivate: true });

  beforeAll(async () => { t = await testApp(dialect); smtp = await startSmtp(); });
  afterAll(async () => { await smtp.close(); await http.close(); await t.close(); });

  it('delivers an order confirmation to a real SMTP server, once, with what was charged and the tax', async () => {
    const worker = new Worker(t.deps, { http, mailer: new SmtpMailer(smtp.url) }, { id: 'mail', random: () => 0.5 });
    await t.deps.store.tx(async (tx) => {
      await enqueueEmail(t.deps, tx, 'ada@example.com', orderConfirmation(ORDER), 'order-confirmation:42');
      await enqueueEmail(t.deps, tx, 'ada@example.com', orderConfirmation(ORDER), 'order-confirmation:42');
    });
    await worker.drain();
    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.messages;
    expect(message!.to).toEqual(['ada@example.com']);
    const mail = await simpleParser(message!.raw);
    expect(mail.subject).toBe('Your order #42 at Demo Academy');
    // The reason, then this database's own server id: stable across resends, unique across servers.
    expect(mail.messageId).toBe(`<order-confirmation.42.${await serverId(t.deps)}@paybridge>`);
    expect(mail.messageId).toMatch(/^<order-confirmation\.42\.srv_[0-9a-z]{26}@paybridge>$/);
    for (const expected of ['1 × JavaScript Fundamentals', '49.99 USD', '2 × Advanced React', '199.98 USD', 'Discount (WELCOME10)', '-25.00 USD', 'Tax', '42.74 USD', 'Total charged', '267.71 USD']) {
      expect(mail.text).toContain(expected);
      expect(mail.html).toContain(expected);
    }
  });

  it('retries when the SMTP server is down, and sends once it is back', async () => {
    const down = new SmtpMailer('smtp://127.0.0.1:1');
    let mailer = down as SmtpMailer;
    const worker = new Worker(t.deps, { http, mailer: { send: (m) => mailer.send(m) } }, { id: 'mail2', random: () => 0.5 });
    await t.deps.store.tx((tx) => enqueueEmail(t.deps, tx, 'bob@example.com', orderConfirmation({ ...ORDER, orderNumber: '43' }), 'order-confirmation:43'));
    await worker.drain();
    const job = (await t.deps.store.jobs.list({ kind: 'email', status: 'pending' }, { limit: 10 })).items[0];
    expect(job).toMatchObject({ attempts: 1, lastError: expect.any(String) });
    mailer = new SmtpMailer(smtp.url);
    t.clock.advance(10_000);
    await worker.drain();
    expect(smtp.messages.filter((m) => m.to.includes('bob@example.com'))).toHaveLength(1);
  });

  it('writes .eml files when no SMTP server is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-mail-'));
    const worker = new Worker(t.deps, { http, mailer: new FileMailer(dir) }, { id: 'mail3', random: () => 0.5 });
    await t.deps.store.tx((tx) => enqueueEmail(t.deps, tx, 'cy@example.com', orderConfirmation({ ...ORDER, orderNumber: '44' }), 'order-confirmation:44'));
    await worker.drain();
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dir, files[0]!)));
    expect(mail.to).toMatchObject({ text: 'cy@example.com' });
    expect(mail.text).toContain('Total charged');
  });

  it('two servers with their own databases writing to one mail folder never overwrite each other\'s mail', async () => {
    const other = await testApp(dialect);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'pb-mail-'));
      for (const app of [t, other]) {
        const worker = new Worker(app.deps, { http, mailer: new FileMailer(dir) }, { id: 'mail4', random: () => 0.5 });
        await app.deps.store.tx((tx) => enqueueEmail(app.deps, tx, 'dee@example.com', orderConfirmation({ ...ORDER, orderNumber: '45' }), 'order-confirmation:45'));
        await worker.drain();
      }
      const files = readdirSync(dir);
      expect(files).toHaveLength(2);
      const ids = await Promise.all(files.map(async (f) => (await simpleParser(readFileSync(join(dir, f)))).messageId));
      expect(new Set(ids).size).toBe(2);
      expect(ids.sort()).toEqual([`<order-confirmation.45.${await serverId(t.deps)}@paybridge>`, `<order-confirmation.45.${await serverId(other.deps)}@paybridge>`].sort());
    } finally {
      await other.close();
    }
  });
});
