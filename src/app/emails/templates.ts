/**
 * E-mail templates, text and HTML. Pure: they take plain data and return the message; amounts are
 * formatted from minor units with the currency's own decimals. Taxes are always shown (Skilljar-compatible purchases: the
 * e-mail must say exactly what was charged).
 */
import { formatMajor } from '../../domain/money.js';

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

interface MailLine {
  readonly title: string;
  readonly quantity: number;
  readonly total: number;
}

export interface OrderMailData {
  readonly shopName: string;
  /** The order as the buyer knows it: the merchant's order number when it gave one, else Paybridge's id. */
  readonly orderNumber: string;
  /** Whom the mail greets (the buyer's first name when the merchant gave one), or null for a plain "Hello,". */
  readonly customerName: string | null;
  readonly currency: string;
  readonly lines: readonly MailLine[];
  readonly subtotal: number;
  readonly discount: number;
  readonly tax: number;
  readonly total: number;
  readonly promoCode: string | null;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (amount: number, currency: string) => `${formatMajor({ amount, currency })} ${currency}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#222;max-width:560px">`
    + `<h2>${esc(title)}</h2>${body}<p style="color:#777;font-size:12px">Sent by Paybridge</p></body></html>`;
}

function totalsRows(d: OrderMailData): [string, string][] {
  const rows: [string, string][] = [['Subtotal', money(d.subtotal, d.currency)]];
  if (d.discount > 0) rows.push([`Discount${d.promoCode ? ` (${d.promoCode})` : ''}`, `-${money(d.discount, d.currency)}`]);
  rows.push(['Tax', money(d.tax, d.currency)], ['Total charged', money(d.total, d.currency)]);
  return rows;
}

function orderTable(d: OrderMailData): { text: string; html: string } {
  const lines = d.lines.map((l) => [`${l.quantity} × ${l.title}`, money(l.total, d.currency)] as [string, string]);
  const rows = [...lines, ...totalsRows(d)];
  return {
    text: rows.map(([a, b]) => `${a.padEnd(40)} ${b}`).join('\n'),
    html: `<table cellpadding="4">${rows.map(([a, b]) => `<tr><td>${esc(a)}</td><td align="right">${esc(b)}</td></tr>`).join('')}</table>`,
  };
}

const greeting = (name: string | null) => `Hello${name ? ` ${name}` : ''},`;

export function orderConfirmation(d: OrderMailData): RenderedMail {
  const table = orderTable(d);
  const intro = `thank you for your order #${d.orderNumber} at ${d.shopName}. Your payment was received.`;
  return {
    subject: `Your order #${d.orderNumber} at ${d.shopName}`,
    text: `${greeting(d.customerName)}\n\n${intro}\n\n${table.text}\n`,
    html: layout(`Order #${d.orderNumber} confirmed`, `<p>${esc(greeting(d.customerName))}</p><p>${esc(intro)}</p>${table.html}`),
  };
}

export function seatCodes(d: OrderMailData & { readonly codes: readonly { readonly title: string; readonly code: string }[] }): RenderedMail {
  const list = d.codes.map((c) => `${c.code}  (${c.title})`);
  const intro = `here are the seat codes for order #${d.orderNumber}. Each code gives one person access once; share them with your team.`;
  return {
    subject: `Seat codes for order #${d.orderNumber}`,
    text: `${greeting(d.customerName)}\n\n${intro}\n\n${list.join('\n')}\n`,
    html: layout('Your seat codes', `<p>${esc(greeting(d.customerName))}</p><p>${esc(intro)}</p><ul>${d.codes.map((c) => `<li><code>${esc(c.code)}</code> — ${esc(c.title)}</li>`).join('')}</ul>`),
  };
}

interface InvoiceMailData {
  readonly shopName: string;
  readonly invoiceNumber: string;
  readonly customerName: string | null;
  readonly currency: string;
  readonly paid: number;
  readonly total: number;
  readonly remaining: number;
  readonly method: string;
}

export function invoiceReceipt(d: InvoiceMailData): RenderedMail {
  const rows: [string, string][] = [['Paid now', money(d.paid, d.currency)], ['Invoice total', money(d.total, d.currency)], ['Still due', money(d.remaining, d.currency)]];
  const intro = `we received a payment of ${money(d.paid, d.currency)} (${d.method}) for invoice ${d.invoiceNumber} from ${d.shopName}.`;
  return {
    subject: `Receipt for invoice ${d.invoiceNumber}`,
    text: `${greeting(d.customerName)}\n\n${intro}\n\n${rows.map(([a, b]) => `${a.padEnd(20)} ${b}`).join('\n')}\n`,
    html: layout(`Receipt for invoice ${d.invoiceNumber}`, `<p>${esc(greeting(d.customerName))}</p><p>${esc(intro)}</p><table cellpadding="4">${rows.map(([a, b]) => `<tr><td>${esc(a)}</td><td align="right">${esc(b)}</td></tr>`).join('')}</table>`),
  };
}

export function refundNotice(d: { readonly shopName: string; readonly orderNumber: string; readonly customerName: string | null; readonly currency: string; readonly refunded: number; readonly totalRefunded: number; readonly total: number }): RenderedMail {
  const intro = `we refunded ${money(d.refunded, d.currency)} for order #${d.orderNumber} at ${d.shopName}. In all, ${money(d.totalRefunded, d.currency)} of ${money(d.total, d.currency)} has been refunded. It may take a few days to appear on your statement.`;
  return {
    subject: `Refund for order #${d.orderNumber}`,
    text: `${greeting(d.customerName)}\n\n${intro}\n`,
    html: layout(`Refund for order #${d.orderNumber}`, `<p>${esc(greeting(d.customerName))}</p><p>${esc(intro)}</p>`),
  };
}
