/** API keys, refresh tokens, settings and idempotency records. */
import type {
  ApiKey, ApiKeyRepo, IdempotencyRecord, IdempotencyRepo, RefreshToken, RefreshTokenRepo,
} from '../../../ports/access.js';
import type { SettingsRepo } from '../../../ports/store.js';
import { cachedRows, crud, fromRow, slot, toRow, type Columns, type Db, type NewRow } from '../mapping.js';

const API_KEY: Columns<ApiKey> = {
  id: ['id'], name: ['name'], role: ['role'], prefix: ['prefix'], hash: ['hash'],
  createdAt: ['created_at'], revokedAt: ['revoked_at'],
};

export function apiKeyRepo(db: Db, now: () => number): ApiKeyRepo {
  const base = crud(db, 'api_keys', API_KEY);
  return {
    insert: (key) => base.insert({ ...key, createdAt: key.createdAt ?? now() }),
    async getByHash(hash) {
      const [row] = await cachedRows(db, 'api_keys.byHash', [hash], () => db.selectFrom('api_keys').selectAll().where('hash', '=', slot(0)));
      return row ? base.map(row) : undefined;
    },
    get: (id) => base.get(id),
    async revoke(id, at) {
      const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id)
        .where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    list: (page) => base.list({}, page),
  };
}

const REFRESH: Columns<RefreshToken> = {
  id: ['id'], customerId: ['customer_id'], hash: ['hash'], family: ['family'], expiresAt: ['expires_at'],
  usedAt: ['used_at'], revokedAt: ['revoked_at'], createdAt: ['created_at'],
};

export function refreshTokenRepo(db: Db): RefreshTokenRepo {
  const base = crud(db, 'refresh_tokens', REFRESH);
  return {
    insert: (token) => base.insert({ ...token, usedAt: null, revokedAt: null }),
    async getByHash(hash) {
      const row = await db.selectFrom('refresh_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? base.map(row) : undefined;
    },
    async markUsed(id, at) {
      const r = await db.updateTable('refresh_tokens').set({ used_at: at }).where('id', '=', id)
        .where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async revokeFamily(family, at) {
      await db.updateTable('refresh_tokens').set({ revoked_at: at }).where('family', '=', family)
        .where('revoked_at', 'is', null).execute();
    },
    async revokeCustomer(customerId, keep, at) {
      let q = db.updateTable('refresh_tokens').set({ revoked_at: at }).where('customer_id', '=', customerId).where('revoked_at', 'is', null);
      if (keep !== null) q = q.where('family', '!=', keep);
      await q.execute();
    },
    async familyRevoked(family) {
      const [row] = await cachedRows(db, 'refresh_tokens.familyRevoked', [family],
        () => db.selectFrom('refresh_tokens').select('id').where('family', '=', slot(0)).where('revoked_at', 'is not', null).limit(1));
      return row !== undefined;
    },
  };
}

export function settingsRepo(db: Db): SettingsRepo {
  const get = async (name: string) => {
    const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value as string | undefined;
  };
  return {
    get,
    async putIfAbsent(name, value) {
      await db.insertInto('settings').values({ name, value }).onConflict((oc) => oc.column('name').doNothing()).execute();
      return (await get(name))!;
    },
  };
}

const IDEMPOTENCY: Columns<IdempotencyRecord> = {
  scope: ['scope'], key: ['key'], requestHash: ['request_hash'], statusCode: ['status_code'],
  responseBody: ['response_body'], createdAt: ['created_at'],
};

export function idempotencyRepo(db: Db): IdempotencyRepo {
  return {
    async claim(record) {
      const r = await db.insertInto('idempotency_keys')
        .values(toRow(IDEMPOTENCY, { ...record, statusCode: null, responseBody: null }) as NewRow<'idempotency_keys'>)
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async get(scope, key) {
      const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope)
        .where('key', '=', key).executeTakeFirst();
      return row ? fromRow(IDEMPOTENCY, row) : undefined;
    },
    async complete(scope, key, statusCode, responseBody) {
      await db.updateTable('idempotency_keys').set({ status_code: statusCode, response_body: responseBody })
        .where('scope', '=', scope).where('key', '=', key).execute();
    },
    async release(scope, key) {
      await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key)
        .where('status_code', 'is', null).execute();
    },
    async purge(before) {
      const r = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
