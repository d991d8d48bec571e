/**
 * Internal accounts through the native API: a customer's or an organisation's money held with a shop in
 * one currency, on the double-entry ledger; balance and statement; admin top-ups. Minor units.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { accountStatement, createAccount, getAccount, listAccounts, topUp, type AccountWithBalance, type StatementLine } from '../../app/accounts/accounts.js';
import type { Deps } from '../../app/deps.js';
import { iso } from '../iso.js';
import { listBody, pageRequest } from '../pagination.js';
import { CurrencyCode, ListQuery, Nullable, StringId, Timestamp, listOf, listQuery, responses } from '../schemas.js';
import { caller } from '../plugins/auth.js';

const AccountSchema = Type.Object({
  id: Type.String(), object: Type.Literal('account'), shop_id: Type.String(), customer_id: Nullable(Type.String()),
  organisation: Nullable(Type.String()), currency: Type.String(),
  balance: Type.Integer({ description: 'Minor units; never below zero' }), created_at: Timestamp,
}, { $id: 'Account' });

const StatementLineSchema = Type.Object({
  transfer_id: Type.String(),
  kind: Type.String({ description: 'top_up (from the shop\'s funding account) | invoice_payment (a PLATFORM payment to the merchant)' }),
  reference: Type.String({ description: 'What caused it: the top-up\'s reference, the invoice payment id' }),
  amount: Type.Integer({ description: 'Minor units: positive credits the account, negative debits it' }),
  created_at: Timestamp,
});

function accountView({ account: a, balance }: AccountWithBalance) {
  return {
    id: a.id, object: 'account' as const, shop_id: a.shopId, customer_id: a.customerId, organisation: a.organisation,
    currency: a.currency, balance, created_at: iso(a.createdAt),
  };
}

const lineView = (l: StatementLine) => ({ transfer_id: l.id, kind: l.kind, reference: l.reference, amount: l.amount, created_at: iso(l.createdAt) });

const CreateAccount = Type.Object({
  shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  currency: CurrencyCode,
  customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  organisation: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'An organisation\'s name, instead of customer_id' })),
}, { additionalProperties: false, description: 'One account per owner (customer_id or organisation), shop and currency' });

const TopUp = Type.Object({
  amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units' }),
  reference: Type.String({ minLength: 1, maxLength: 200, description: 'Your reference; a top-up is posted once per account and reference' }),
}, { additionalProperties: false });

export async function accountRoutes(fastify: FastifyInstance, { deps }: { deps: Deps }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const anyone = { roles: ['admin', 'integration', 'customer'] as const };
  const tags = ['Accounts'];

  app.post('/accounts', {
    config: { roles: ['admin', 'integration'] }, schema: { tags, summary: 'Open an internal account', body: CreateAccount, response: responses(201, AccountSchema) },
  }, async (req, reply) => {
    const b = req.body;
    reply.status(201);
    return accountView(await createAccount(deps, { shopId: b.shop_id, currency: b.currency, customerId: b.customer_id, organisation: b.organisation }));
  });

  app.get('/accounts', {
    config: anyone, schema: {
      tags, summary: 'List internal accounts (a customer sees its own)',
      querystring: listQuery({ shop_id: Type.Optional(Type.String({ maxLength: 64 })), customer_id: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: responses(200, listOf(AccountSchema)),
    },
  }, async (req) => listBody(await listAccounts(deps, caller(req), { shopId: req.query.shop_id, customerId: req.query.customer_id }, pageRequest(req.query)), accountView, (a) => a.account.id));

  app.get('/accounts/:id', {
    config: anyone, schema: { tags, summary: 'Retrieve an internal account with its balance', params: StringId, response: responses(200, AccountSchema) },
  }, async (req) => accountView(await getAccount(deps, caller(req), req.params.id)));

  app.get('/accounts/:id/statement', {
    config: anyone, schema: {
      tags, summary: 'The account\'s ledger postings, oldest first', params: StringId, querystring: ListQuery,
      response: responses(200, listOf(StatementLineSchema)),
    },
  }, async (req) => listBody(await accountStatement(deps, caller(req), req.params.id, pageRequest(req.query, 'integer')), lineView, (l) => l.cursor));

  app.post('/accounts/:id/top-ups', {
    config: { roles: ['admin'] }, schema: {
      tags, summary: 'Credit an account (admin): a ledger transfer from the shop\'s funding account',
      params: StringId, body: TopUp, response: responses(201, AccountSchema),
    },
  }, async (req, reply) => {
    reply.status(201);
    return accountView(await topUp(deps, req.params.id, req.body));
  });
}
