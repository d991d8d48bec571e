/** The hosted payment page's documents: the card form with the order summary, processing, receipt. */
import { SANDBOX_CARDS, type SandboxScenario } from '../../adapters/gateways/sandbox-gateway.js';
import { formatMajor } from '../../domain/money.js';
import type { Shop } from '../../ports/catalog.js';
import type { Order, OrderLine } from '../../ports/orders.js';
import type { CardField, FieldErrors } from './card-form.js';
import { html, page, type Html } from './html.js';

/** "USD 199.97", with exactly the currency's decimals. */
export function price(amount: number, currency: string): string {
  return `${currency} ${formatMajor({ amount, currency })}`;
}

function summary(shop: Shop, order: Order, lines: readonly OrderLine[]): Html {
  const money = (amount: number) => price(amount, order.currency);
  const rows = lines.map((l) => html`<tr><td>${l.title}${l.quantity > 1 ? ` × ${l.quantity}` : ''}</td><td class="amount">${money(l.subtotal)}</td></tr>`);
  return html`<section class="card" aria-labelledby="summary-title">
<p class="muted">${shop.name}</p>
<h1 id="summary-title">Order #${order.id}</h1>
<table>
<caption class="muted">Order summary</caption>
<tbody>${rows}</tbody>
<tfoot>
${order.discount > 0 ? html`<tr><th scope="row">Discount${order.promoCode ? ` (${order.promoCode})` : ''}</th><td class="amount">−${money(order.discount)}</td></tr>` : ''}
${order.tax > 0 ? html`<tr><th scope="row">Tax</th><td class="amount">${money(order.tax)}</td></tr>` : ''}
<tr class="total"><th scope="row">Total</th><td class="amount" id="total">${money(order.total)}</td></tr>
</tfoot>
</table>
</section>`;
}

const SCENARIO_TEXT: Record<SandboxScenario, string> = {
  success: 'Succeeds',
  decline: 'Declined',
  insufficient: 'Declined: insufficient funds',
  async_success: 'Processing, then succeeds',
  async_failure: 'Processing, then fails',
  timeout: 'The processor does not answer; resolved later',
};

function testCards(): Html {
  const rows = Object.entries(SANDBOX_CARDS).map(([number, scenario]) =>
    html`<tr><td><code>${number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code></td><td>${SCENARIO_TEXT[scenario]}</td></tr>`);
  return html`<aside class="card help" aria-labelledby="cards-title">
<h2 id="cards-title">Sandbox test cards</h2>
<p class="muted">This is a test payment page: no real money moves. Use any future expiry date (MM/YY), any 3-digit code and any name.</p>
<table><tbody>${rows}</tbody></table>
</aside>`;
}

function field(name: CardField, label: string, errors: FieldErrors, attrs: { value?: string; autocomplete: string; inputmode?: string; placeholder?: string; maxlength: number }): Html {
  const error = errors[name];
  return html`<label for="${name}">${label}</label>
<input id="${name}" name="${name}" type="text" required autocomplete="${attrs.autocomplete}" maxlength="${attrs.maxlength}"${attrs.inputmode ? html` inputmode="${attrs.inputmode}"` : ''}${attrs.placeholder ? html` placeholder="${attrs.placeholder}"` : ''} value="${attrs.value ?? ''}"${error ? html` aria-invalid="true" aria-describedby="${name}-error"` : ''}>
${error ? html`<p class="field-error" id="${name}-error">${error}</p>` : ''}`;
}

interface PaymentFormView {
  readonly shop: Shop;
  readonly order: Order;
  readonly lines: readonly OrderLine[];
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly cancelUrl: string | null;
  /** A message for the whole form (a decline), shown as an alert. */
  readonly alert?: string | null | undefined;
  readonly errors?: FieldErrors | undefined;
  /** What the buyer typed that may be shown again (never the card number or the security code). */
  readonly values?: { readonly expiry?: string | undefined; readonly name?: string | undefined } | undefined;
}

/** The payment page: summary, card form, cancel link, sandbox test cards. */
export function paymentPage(v: PaymentFormView): string {
  const errors = v.errors ?? {};
  const hasErrors = Object.keys(errors).length > 0;
  const action = `/pay/${encodeURIComponent(v.sessionId)}`;
  return page(`Pay ${v.shop.name}`, html`${summary(v.shop, v.order, v.lines)}
<section class="card" aria-labelledby="pay-title">
<h2 id="pay-title">Pay by card</h2>
${v.alert ? html`<div class="alert" role="alert">${v.alert}</div>` : ''}
${hasErrors ? html`<div class="alert" role="alert">Please correct the highlighted fields.</div>` : ''}
<form method="post" action="${action}" novalidate>
<input type="hidden" name="_csrf" value="${v.csrfToken}">
${field('number', 'Card number', errors, { autocomplete: 'cc-number', inputmode: 'numeric', placeholder: '4242 4242 4242 4242', maxlength: 23 })}
<div class="row">
<div>${field('expiry', 'Expiry (MM/YY)', errors, { autocomplete: 'cc-exp', placeholder: 'MM/YY', maxlength: 7, value: v.values?.expiry ?? '' })}</div>
<div>${field('cvc', 'Security code (CVC)', errors, { autocomplete: 'cc-csc', inputmode: 'numeric', placeholder: '123', maxlength: 4 })}</div>
</div>
${field('name', 'Name on card', errors, { autocomplete: 'cc-name', maxlength: 100, value: v.values?.name ?? '' })}
<button type="submit">Pay ${price(v.order.total, v.order.currency)}</button>
</form>
${v.cancelUrl ? html`<p class="links"><a href="${v.cancelUrl}">Cancel and return to ${v.shop.name}</a></p>` : ''}
</section>
${testCards()}`);
}

/** Shown while a payment is in flight; reloads `statusUrl` every few seconds until it resolves. */
export function processingPage(shop: Shop, order: Order, lines: readonly OrderLine[], statusUrl: string): string {
  return page('Payment processing', html`<section class="card" aria-live="polite">
<h1>Payment processing</h1>
<p>Your payment is being confirmed by the bank. This page updates by itself; you can also <a href="${statusUrl}">check again</a>.</p>
</section>
${summary(shop, order, lines)}`, { seconds: 3, url: statusUrl });
}

/** Paybridge's own receipt, for sessions without a success URL. */
export function receiptPage(shop: Shop, order: Order, lines: readonly OrderLine[]): string {
  return page('Payment received', html`<section class="card">
<div class="alert ok" role="status">Payment received. Thank you!</div>
<p>A confirmation has been sent by e-mail. You can close this page.</p>
</section>
${summary(shop, order, lines)}`);
}
