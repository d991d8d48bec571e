/** MAIL_FROM is the sender of every e-mail the worker sends (both mailers take it from the configuration). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../src/app/emails/enqueue.js';
import { loadConfig } from '../../src/config.js';
import { createWorker } from '../../src/main.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { startSmtp, type SmtpSink } from '../helpers/smtp.js';

const FROM = 'Academy Billing <billing@academy.example>';

describe('MAIL_FROM', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  beforeAll(async () => { t = await testApp('sqlite', { demo: false }); smtp = await startSmtp(); });
  afterAll(async () => { await smtp?.close(); await t?.close(); });

  const send = async (to: string) => {
    await t.deps.store.tx((tx) => enqueueEmail(t.deps, tx, to, { subject: 'Hello', text: 'Hello', html: '<p>Hello</p>' }, `mail-from-${to}`));
  };

  it('is the From of a message sent over SMTP', async () => {
    const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: FROM, PAYBRIDGE_DEMO: '0' });
    const background = createWorker(config, { deps: t.deps });
    await send('smtp@example.com');
    await background.worker.drain();
    await background.close();
    const message = smtp.messages.find((m) => m.to.includes('smtp@example.com'));
    expect(message?.from).toBe('billing@academy.example');
    expect(message?.raw).toMatch(/^From: Academy Billing <billing@academy\.example>$/m);
  });

  it('defaults to Paybridge <no-reply@paybridge.invalid>', async () => {
    const background = createWorker(loadConfig({ SMTP_URL: smtp.url, PAYBRIDGE_DEMO: '0' }), { deps: t.deps });
    await send('default@example.com');
    await background.worker.drain();
    await background.close();
    expect(smtp.messages.find((m) => m.to.includes('default@example.com'))?.raw).toMatch(/^From: Paybridge <no-reply@paybridge\.invalid>$/m);
  });
});
