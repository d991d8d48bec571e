/**
 * Commerce Layer external gateways: settings updates, the persisted circuit breaker and inbound webhooks;
 * and shop payment methods. Every circuit change is one guarded UPDATE, so concurrent API and worker
 * processes never lose a count or let two probes through.
 */
import { sql } from 'kysely';
import type {
  ExternalGatewayRepo, Gateway, GatewayCircuit, InboundWebhook, PaymentMethod, PaymentMethodRepo,
} from '../../../ports/gateways.js';
import { crud, fromRow, pageBy, toRow, type Columns, type Db, type NewRow } from '../mapping.js';

const GATEWAY: Columns<Gateway> = {
  id: ['id'], shopId: ['shop_id'], kind: ['kind'], name: ['name'], config: ['config', 'json'],
  createdAt: ['created_at'], updatedAt: ['updated_at'],
};

const CIRCUIT: Columns<GatewayCircuit> = {
  gatewayId: ['gateway_id'], state: ['state'], failureCount: ['failure_count'], openedAt: ['opened_at'],
  probeUntil: ['probe_until'], updatedAt: ['updated_at'],
};

const INBOUND: Columns<InboundWebhook> = {
  id: ['id'], gatewayId: ['gateway_id'], actionId: ['action_id'], bodyHash: ['body_hash'], body: ['body'],
  status: ['status'], transactionId: ['transaction_id'], outcome: ['outcome'], createdAt: ['created_at'],
  processedAt: ['processed_at'],
};

export function externalGatewayRepo(db: Db, now: () => number): ExternalGatewayRepo {
  const gateways = crud(db, 'gateways', GATEWAY);
  const circuit = async (gatewayId: string) => {
    const row = await db.selectFrom('gateway_circuits').selectAll().where('gateway_id', '=', gatewayId).executeTakeFirst();
    return row ? fromRow(CIRCUIT, row) : undefined;
  };
  const inbound = (row: Record<string, unknown>) => fromRow(INBOUND, row);
  return {
    listGateways: (filter, page) => gateways.list({ kind: filter.kind, shop_id: filter.shopId }, page),
    updateGateway: (id, patch) => gateways.update(id, { ...patch, updatedAt: now() }),
    async insertCircuit(gatewayId) {
      const row = await db.insertInto('gateway_circuits')
        .values({ gateway_id: gatewayId, state: 'closed', failure_count: 0, opened_at: null, probe_until: null, updated_at: now() })
        .returningAll().executeTakeFirstOrThrow();
      return fromRow(CIRCUIT, row);
    },
    circuit,
    async admit(gatewayId, at, cooldownMs, leaseMs) {
      const current = await circuit(gatewayId);
      if (!current || current.state === 'closed') return 'closed';
      if (cooldownMs === null) return 'open';
      const taken = await db.updateTable('gateway_circuits')
        .set({ state: 'half_open', probe_until: at + leaseMs, updated_at: at })
        .where('gateway_id', '=', gatewayId)
        .where((eb) => eb.or([
          eb.and([eb('state', '=', 'open'), eb('opened_at', '<=', at - cooldownMs)]),
          eb.and([eb('state', '=', 'half_open'), eb('probe_until', '<', at)]),
        ]))
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) > 0 ? 'probe' : 'open';
    },
    async recordFailure(gatewayId, threshold, at, probe) {
      if (probe) {
        await db.updateTable('gateway_circuits')
          .set({ state: 'open', opened_at: at, probe_until: null, failure_count: sql`failure_count + 1`, updated_at: at })
          .where('gateway_id', '=', gatewayId).where('state', '=', 'half_open').execute();
        return;
      }
      // One statement: SET expressions read the row's old values on both SQLite and PostgreSQL.
      const opens = sql<boolean>`failure_count + 1 > ${threshold}`;
      await db.updateTable('gateway_circuits')
        .set({
          failure_count: sql`failure_count + 1`,
          state: sql`case when ${opens} then 'open' else 'closed' end`,
          opened_at: sql`case when ${opens} then cast(${at} as bigint) else null end`,
          updated_at: at,
        })
        .where('gateway_id', '=', gatewayId).where('state', '=', 'closed').execute();
    },
    async recordSuccess(gatewayId, at, probe) {
      if (probe) {
        await db.updateTable('gateway_circuits')
          .set({ state: 'closed', failure_count: 0, opened_at: null, probe_until: null, updated_at: at })
          .where('gateway_id', '=', gatewayId).where('state', '=', 'half_open').execute();
        return;
      }
      // Skips the write on the hot path, when there is nothing to clear.
      await db.updateTable('gateway_circuits').set({ failure_count: 0, updated_at: at })
        .where('gateway_id', '=', gatewayId).where('state', '=', 'closed').where('failure_count', '>', 0).execute();
    },
    async resetCircuit(gatewayId, at) {
      const row = await db.updateTable('gateway_circuits')
        .set({ state: 'closed', failure_count: 0, opened_at: null, probe_until: null, updated_at: at })
        .where('gateway_id', '=', gatewayId).returningAll().executeTakeFirst();
      return row ? fromRow(CIRCUIT, row) : undefined;
    },
    async insertInbound(webhook) {
      const row = await db.insertInto('inbound_webhooks').values(toRow(INBOUND, { ...webhook, processedAt: null }) as NewRow<'inbound_webhooks'>)
        .onConflict((oc) => oc.columns(['gateway_id', 'action_id', 'body_hash']).doNothing())
        .returningAll().executeTakeFirst();
      if (row) return { inserted: true, webhook: inbound(row) };
      let q = db.selectFrom('inbound_webhooks').selectAll().where('gateway_id', '=', webhook.gatewayId)
        .where('body_hash', '=', webhook.bodyHash);
      q = webhook.actionId === null ? q.where('action_id', 'is', null) : q.where('action_id', '=', webhook.actionId);
      return { inserted: false, webhook: inbound(await q.executeTakeFirstOrThrow()) };
    },
    async finishInbound(id, patch, at) {
      await db.updateTable('inbound_webhooks').set({ ...toRow(INBOUND, patch), processed_at: at }).where('id', '=', id).execute();
    },
    listInbound: (gatewayId, page) => pageBy(db.selectFrom('inbound_webhooks').selectAll().where('gateway_id', '=', gatewayId), page, inbound),
  };
}

const METHOD: Columns<PaymentMethod> = {
  id: ['id'], shopId: ['shop_id'], gatewayId: ['gateway_id'], instrument: ['instrument'], currencies: ['currencies', 'json'],
  twoStage: ['two_stage', 'bool'], active: ['active', 'bool'], createdAt: ['created_at'], updatedAt: ['updated_at'],
};

export function paymentMethodRepo(db: Db, now: () => number): PaymentMethodRepo {
  const base = crud(db, 'payment_methods', METHOD);
  return {
    insert: (method) => base.insert({ ...method, createdAt: now(), updatedAt: now() }),
    get: (id) => base.get(id),
    list: (shopId, page) => base.list({ shop_id: shopId }, page),
  };
}
