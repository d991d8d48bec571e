import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

const DEFAULT_FROM = 'Paybridge <no-reply@paybridge.invalid>';

/** The bare address of a `Name <address>` sender, for the SMTP envelope. */
function envelopeSender(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

function envelope(message: MailMessage, from: string) {
  // The last line of defence: one bare address, never a list or a display name nodemailer would split.
  if (/[\s,;<>"()]/.test(message.to) || message.to.split('@').length !== 2) throw new Error('refused: the recipient is not exactly one e-mail address');
  return {
    from, to: message.to, envelope: { from: envelopeSender(from), to: [message.to] }, subject: message.subject, text: message.text, html: message.html,
    messageId: message.messageId,
  };
}

/** SMTP through nodemailer (`SMTP_URL`, e.g. smtp://user:pass@127.0.0.1:2525). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(url: string, private readonly from = DEFAULT_FROM) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail(envelope(message, this.from));
  }
}

/** Without SMTP: each message becomes an .eml file under `dir`, named after its Message-ID. */
export class FileMailer implements Mailer {
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  private made: Promise<unknown> | undefined;

  constructor(private readonly dir: string, private readonly from = DEFAULT_FROM) {}

  async send(message: MailMessage): Promise<void> {
    const info = await this.transport.sendMail(envelope(message, this.from));
    await (this.made ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.made = undefined; // try again with the next message
      throw error;
    }));
    const name = message.messageId.replace(/[^A-Za-z0-9._-]/g, '_');
    await writeFile(join(this.dir, `${name}.eml`), info.message as Buffer).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.made = undefined; // the directory went away: make it again on the retry
      throw error;
    });
  }
}
