/** Invoices through the native API: snake_case, amounts in integer minor units. The invoice payments API's payment endpoints are in dialects/invoice-payments.ts. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Deps } from '../../app/deps.js';
import { createInvoice, listInvoices, visibleInvoice, voidInvoice } from '../../app/invoices/invoices.js';
import { invoiceJson, invoicePaymentJson } from '../../app/invoices/json.js';
import { checkoutLink } from '../../app/invoices/payments.js';
import type { Invoice } from '../../ports/invoices.js';
import { caller } from '../plugins/auth.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, Metadata, Nullable, NullableTimestamp, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';

const Amount = Type.Integer({ description: 'Minor units' });
const STATUS = 'open | partially_paid | paid | void | overdue (set by the scheduler once due_at has passed with money still due)';

const invoiceFields = {
  id: Type.String(), object: Type.Literal('invoice'), shop_id: Type.String(), customer_id: Type.String(),
  number: Nullable(Type.String()), description: Nullable(Type.String()), currency: Type.String(),
  status: Type.String({ description: STATUS }),
  lines: Type.Array(Type.Object({ description: Type.String(), quantity: Type.Integer(), unit_amount: Amount, amount: Amount })),
  total: Amount, amount_paid: Amount,
  amount_discounted: Type.Integer({ description: 'Minor units granted by discount codes on succeeded payments' }),
  amount_due: Type.Integer({ description: 'total − amount_paid − amount_discounted, minor units' }),
  due_at: Timestamp, discount_codes: Type.Array(Type.String(), { description: 'Promo codes a payment of this invoice may apply (discountCode), each once' }),
  metadata: Type.Record(Type.String(), Type.String()), paid_at: NullableTimestamp, voided_at: NullableTimestamp,
  created_at: Timestamp, updated_at: Timestamp,
};
const InvoiceSchema = Type.Object(invoiceFields, { $id: 'Invoice' });

const InvoicePaymentSchema = Type.Object({
  id: Type.String(), object: Type.Literal('invoice_payment'), invoice_id: Type.String(),
  type: Type.String({ description: 'PLATFORM | CHECKOUT | EXTERNAL' }),
  status: Type.String({ description: 'open | processing | succeeded | failed | cancelled' }),
  amount: Amount, currency: Type.String(), discount_code: Nullable(Type.String()), discount: Amount,
  account_id: Nullable(Type.String()), order_id: Nullable(Type.Integer()), checkout_url: Nullable(Type.String()),
  some_data: Nullable(Type.String()), external_data: Nullable(Type.String()), payment_date: NullableTimestamp,
  failure_reason: Nullable(Type.String()), created_at: Timestamp, updated_at: Timestamp,
}, { $id: 'InvoicePayment' });
const InvoiceDetailSchema = Type.Object({ ...invoiceFields, payments: Type.Array(InvoicePaymentSchema) }, { $id: 'InvoiceDetail' });

const CreateInvoice = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  customer_id: Type.String({ minLength: 1, maxLength: 64 }),
  currency: Type.Optional(CurrencyCode),
  lines: Type.Optional(Type.Array(Type.Object({
    description: Type.String({ minLength: 1, maxLength: 500 }),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    unit_amount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 })),
  amount: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units, instead of lines' })),
  due_at: Type.String({ format: 'date-time' }),
  discount_codes: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 40 }), { maxItems: 20 })),
  number: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'Your invoice number, unique per shop' }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  metadata: Type.Optional(Metadata),
}, {
  additionalProperties: false,
  description: 'Either `lines` or `amount`. Currency defaults to the shop\'s. `discount_codes` are promo codes of the shop (percent_off or amount_off, for no single product) that a payment may apply to what is still due.',
});

const InvoiceFilter = listQuery({
  shop_id: Type.Optional(Type.String({ maxLength: 64 })), customer_id: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('partially_paid'), Type.Literal('paid'), Type.Literal('void'), Type.Literal('overdue')])),
});

export async function invoiceRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const platform = { roles: ['admin', 'integration'] as const };
  const anyone = { roles: ['admin', 'integration', 'customer'] as const };
  const tags = ['Invoices'];

  const detail = async (invoice: Invoice) => ({
    ...invoiceJson(invoice, await deps.store.invoices.lines(invoice.id)),
    payments: (await deps.store.invoicePayments.listByInvoice(invoice.id)).map((p) => ({ ...invoicePaymentJson(p), checkout_url: checkoutLink(deps, p) })),
  });

  app.post('/invoices', {
    config: platform, schema: { tags, summary: 'Create an invoice', body: CreateInvoice, response: responses(201, InvoiceSchema) },
  }, async (req, reply) => {
    const b = req.body;
    const { invoice, lines } = await createInvoice(deps, {
      shopId: b.shop_id, customerId: b.customer_id, currency: b.currency, amount: b.amount, dueAt: Date.parse(b.due_at),
      lines: b.lines?.map((l) => ({ description: l.description, quantity: l.quantity ?? 1, unitAmount: l.unit_amount })),
      discountCodes: b.discount_codes, number: b.number, description: b.description, metadata: b.metadata,
    });
    reply.status(201);
    return invoiceJson(invoice, lines);
  });

  app.get('/invoices', {
    config: anyone, schema: { tags, summary: 'List invoices (a customer sees its own)', querystring: InvoiceFilter, response: responses(200, listOf(InvoiceSchema)) },
  }, async (req) => {
    const page = await listInvoices(deps, caller(req), { shopId: req.query.shop_id, customerId: req.query.customer_id, status: req.query.status }, pageRequest(req.query));
    const lines = await Promise.all(page.items.map((i) => deps.store.invoices.lines(i.id)));
    return listBody({ hasMore: page.hasMore, items: page.items.map((invoice, i) => ({ invoice, lines: lines[i]! })) }, (x) => invoiceJson(x.invoice, x.lines), (x) => x.invoice.id);
  });

  app.get('/invoices/:id', {
    config: anyone, schema: { tags, summary: 'Retrieve an invoice with its payments', params: StringId, response: responses(200, InvoiceDetailSchema) },
  }, async (req) => detail(await visibleInvoice(deps.store, caller(req), req.params.id)));

  app.post('/invoices/:id/void', {
    config: platform, schema: {
      tags, summary: 'Void an invoice on which nothing was paid',
      description: 'Its unfinished payments are cancelled (a CHECKOUT payment\'s order too). Voiding a void invoice returns it unchanged; an invoice with money paid on it is a 409.',
      params: StringId, response: responses(200, InvoiceDetailSchema),
    },
  }, async (req) => detail(await voidInvoice(deps, caller(req), req.params.id)));
}
