/**
 * The operators' dashboard at /admin: operators (people who sign in with an e-mail and a password hashed
 * with scrypt) and their sign-in sessions. A session is found by the SHA-256 of its cookie's random token
 * (the token itself is never stored); it ends after 12 hours without a request, or when revoked (sign-out,
 * a new sign-in replacing it). A session opened with an admin API key names the key instead of an operator.
 */
import type { Kysely } from 'kysely';

export function operators(_dialect: 'sqlite' | 'postgres') {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s.createTable('operators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_lower', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()).execute();
      await s.createTable('operator_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('operator_id', 'text', (c) => c.references('operators.id'))
        .addColumn('api_key_id', 'text', (c) => c.references('api_keys.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint').execute();
    },
  };
}
