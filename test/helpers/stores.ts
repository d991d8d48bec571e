/**
 * Every integration suite runs once per store: SQLite always, PostgreSQL when the global setup found it.
 * Each test app gets a database of its own (an in-memory SQLite file, or a fresh PostgreSQL schema).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type Dialect = 'sqlite' | 'postgres';

export const pgUrl: string | null = inject('pgUrl');

/** The dialects to run: `describe.each(DIALECTS)(…)`. */
export const DIALECTS: Dialect[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function testDatabase(dialect: Dialect, file?: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { url: `sqlite:${file ?? ':memory:'}`, drop: async () => {} };
  if (!pgUrl) throw new Error('PostgreSQL is not available');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const separator = pgUrl.includes('?') ? '&' : '?';
  return {
    url: `${pgUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
