/**
 * Row ↔ record mapping shared by the repositories: snake_case columns, 0/1 booleans, JSON text.
 * A `Columns` spec names each record field's column and how it is stored.
 */
import type { Kysely } from 'kysely';
import type { Page, PageRequest } from '../../ports/records.js';

export type Db = Kysely<any>;
export type Row = Record<string, unknown>;
type Kind = 'plain' | 'bool' | 'json';
export type Columns<T> = { readonly [K in keyof T]-?: readonly [column: string, kind?: Kind] };

function encode(value: unknown, kind: Kind | undefined): unknown {
  if (value === undefined) return undefined;
  if (kind === 'bool') return value ? 1 : 0;
  if (kind === 'json') return JSON.stringify(value ?? null);
  return value;
}

function decode(value: unknown, kind: Kind | undefined): unknown {
  if (kind === 'bool') return value === 1 || value === true || value === '1';
  if (kind === 'json') return typeof value === 'string' ? JSON.parse(value) : value;
  return value;
}

export function toRow<T>(spec: Columns<T>, record: Partial<T>): Row {
  const row: Row = {};
  for (const field of Object.keys(spec) as (keyof T & string)[]) {
    if (!(field in record)) continue;
    const [column, kind] = spec[field];
    const value = encode(record[field], kind);
    if (value !== undefined) row[column] = value;
  }
  return row;
}

export function fromRow<T>(spec: Columns<T>, row: Row): T {
  const record: Record<string, unknown> = {};
  for (const field of Object.keys(spec) as (keyof T & string)[]) {
    const [column, kind] = spec[field];
    record[field] = decode(row[column], kind);
  }
  return record as T;
}

export const MAX_PAGE = 100;

/** Fetches one page ordered by `id`, asking for one extra row to know whether there is more. */
export async function pageBy<T>(
  query: any, page: PageRequest, map: (row: Row) => T, idColumn = 'id',
): Promise<Page<T>> {
  let q = query;
  if (page.after !== undefined) q = q.where(idColumn, '>', page.after);
  const rows: Row[] = await q.orderBy(idColumn, 'asc').limit(page.limit + 1).execute();
  return { items: rows.slice(0, page.limit).map(map), hasMore: rows.length > page.limit };
}

/** A repository over one table keyed by `id`: the common insert / update / get / list. */
export function crud<T extends { id: string | number }>(db: Db, table: string, spec: Columns<T>) {
  const map = (row: Row) => fromRow(spec, row);
  return {
    map,
    async insert(record: Partial<T>): Promise<T> {
      const row = await db.insertInto(table).values(toRow(spec, record)).returningAll().executeTakeFirstOrThrow();
      return map(row);
    },
    async update(id: T['id'], patch: Partial<T>): Promise<T | undefined> {
      const values = toRow(spec, patch);
      delete values['id'];
      if (Object.keys(values).length === 0) return this.get(id);
      const row = await db.updateTable(table).set(values).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? map(row) : undefined;
    },
    async get(id: T['id']): Promise<T | undefined> {
      const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
      return row ? map(row) : undefined;
    },
    list(where: Row, page: PageRequest): Promise<Page<T>> {
      let q = db.selectFrom(table).selectAll();
      for (const [column, value] of Object.entries(where)) {
        if (value !== undefined) q = q.where(column, '=', value);
      }
      return pageBy(q, page, map);
    },
  };
}
