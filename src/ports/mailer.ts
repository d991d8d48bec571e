/** Sends e-mail. Used only by the worker, from the outbox: a message is sent at least once. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** A stable Message-ID, the same on every retry, so a receiver can drop duplicates. */
  readonly messageId: string;
}

export interface Mailer {
  /** Resolves once the message was accepted (by the SMTP server, or written to disk); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
}
