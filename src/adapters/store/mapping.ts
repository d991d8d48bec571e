/**
 * Row ↔ record mapping shared by the repositories: snake_case columns, 0/1 booleans, JSON text.
 * A `Columns` spec names each record field's column and how it is stored.
 */
import { CompiledQuery, type Compilable, type Insertable, type Kysely, type QueryResult } from 'kysely';
import type { Page, PageRequest } from '../../ports/common.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
type TableName = keyof Database & string;
/** The columns of `Table` (of any table when not narrowed). */
export type ColumnOf<Table extends TableName> = Table extends TableName ? keyof Database[Table] & string : never;
/**
 * The same database without its table types, for the generic helpers below: they take any table and a row
 * built from a `Columns` spec, whose column names the spec's type has checked already.
 */
/** A row built from a `Columns` spec (its column names checked by the spec's type), to insert into `Table`. */
export type NewRow<Table extends TableName> = Insertable<Database[Table]>;
const untyped = (db: Db): Kysely<any> => db as unknown as Kysely<any>;
export type Row = Record<string, unknown>;
type Kind = 'plain' | 'bool' | 'json';
export type Columns<T> = { readonly [K in keyof T]-?: readonly [column: ColumnOf<TableName>, kind?: Kind] };

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

/** Where the i-th value goes in a query built by `cached`. */
class Slot {
  constructor(readonly index: number) {}
}
const SLOTS: readonly Slot[] = Array.from({ length: 512 }, (_, i) => new Slot(i));

/** The i-th value of a `cached` query (typed loosely so that it fits any column). */
export function slot(index: number): any {
  const s = SLOTS[index];
  if (!s) throw new Error(`a cached query takes at most ${SLOTS.length} values`);
  return s;
}

const compiledByAdapter = new WeakMap<object, Map<string, CompiledQuery>>();

/**
 * Runs a query whose shape is fully determined by `key`. Kysely builds and compiles it once per dialect,
 * with `slot(i)` standing for `values[i]`; later calls only bind the values. (Building and compiling
 * the query tree on every call was a tenth of the server's CPU time on the checkout path.) The key must
 * name everything that shapes the SQL: table, operation, columns, and the length of any list.
 */
export async function cached(db: Db, key: string, values: readonly unknown[], build: () => Compilable<unknown>): Promise<QueryResult<Row>> {
  const adapter = db.getExecutor().adapter;
  let byKey = compiledByAdapter.get(adapter);
  if (!byKey) {
    byKey = new Map();
    compiledByAdapter.set(adapter, byKey);
  }
  let query = byKey.get(key);
  if (!query) {
    query = build().compile();
    byKey.set(key, query);
  }
  const parameters = query.parameters.map((p) => (p instanceof Slot ? values[p.index] : p));
  return db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters));
}

/** `cached` for a select: its rows. */
export async function cachedRows(db: Db, key: string, values: readonly unknown[], build: () => Compilable<unknown>): Promise<Row[]> {
  return (await cached(db, key, values, build)).rows;
}

/** The columns of a row of `cached` values: `{ column: slot(from), next: slot(from + 1), … }`. */
function slotted(columns: readonly string[], from = 0): Record<string, unknown> {
  return Object.fromEntries(columns.map((c, i) => [c, slot(from + i)]));
}

/**
 * Inserts one row, as a `cached` query keyed by its table and columns; with `ignoreConflictOn`, a row
 * that clashes on those columns is skipped (`numAffectedRows` 0); with `returning`, the row comes back.
 */
export function insertRow(
  db: Db, table: TableName, row: Row, options: { returning?: boolean; ignoreConflictOn?: readonly string[] } = {},
): Promise<QueryResult<Row>> {
  const columns = Object.keys(row);
  const conflict = options.ignoreConflictOn ?? [];
  return cached(db, `${table}.insert(${columns.join()})ignore(${conflict.join()})${options.returning ? '.returning' : ''}`, Object.values(row), () => {
    const q = untyped(db).insertInto(table).values(slotted(columns));
    const guarded = conflict.length > 0 ? q.onConflict((oc) => oc.columns([...conflict]).doNothing()) : q;
    return options.returning ? guarded.returningAll() : guarded;
  });
}

/**
 * Updates `values` in the rows equal to `where` on every one of its columns, as a `cached` query keyed
 * by table and columns; with `returning`, the updated rows come back.
 */
export function updateWhere(db: Db, table: TableName, values: Row, where: Row, options: { returning?: boolean } = {}): Promise<QueryResult<Row>> {
  const columns = Object.keys(values);
  const conditions = Object.keys(where);
  return cached(db, `${table}.update(${columns.join()})where(${conditions.join()})${options.returning ? '.returning' : ''}`,
    [...Object.values(values), ...Object.values(where)], () => {
      let q = untyped(db).updateTable(table).set(slotted(columns));
      conditions.forEach((c, i) => { q = q.where(c, '=', slot(columns.length + i)); });
      return options.returning ? q.returningAll() : q;
    });
}

/** How many rows an insert or update changed. */
export function changed(result: QueryResult<Row>): number {
  return Number(result.numAffectedRows ?? 0n);
}

/** Inserts rows in one statement (cached by their number when they all have the same columns). */
export async function insertRows(db: Db, table: TableName, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const uniform = rows.every((r) => Object.keys(r).length === columns.length && columns.every((c) => c in r));
  if (!uniform || rows.length * columns.length > SLOTS.length) {
    await untyped(db).insertInto(table).values([...rows]).execute();
    return;
  }
  await cached(db, `${table}.insertRows(${columns.join()})x${rows.length}`, rows.flatMap((r) => columns.map((c) => r[c])),
    () => untyped(db).insertInto(table).values(rows.map((_, i) => slotted(columns, i * columns.length))));
}

/**
 * Fetches one page ordered by `id` (`desc`: newest first, as ids grow with time), asking for one extra row
 * to know whether there is more; `page.after` is the last id of the previous page in that order.
 */
export async function pageBy<T>(
  query: any, page: PageRequest, map: (row: Row) => T, idColumn = 'id', order: 'asc' | 'desc' = 'asc',
): Promise<Page<T>> {
  let q = query;
  if (page.after !== undefined) q = q.where(idColumn, order === 'asc' ? '>' : '<', page.after);
  const rows: Row[] = await q.orderBy(idColumn, order).limit(page.limit + 1).execute();
  return { items: rows.slice(0, page.limit).map(map), hasMore: rows.length > page.limit };
}

/** A repository over one table keyed by `id`: the common insert / update / get / list. */
export function crud<T extends { id: string | number }>(db: Db, table: TableName, spec: Columns<T>) {
  const map = (row: Row) => fromRow(spec, row);
  return {
    map,
    async insert(record: Partial<T>): Promise<T> {
      const { rows: [inserted] } = await insertRow(db, table, toRow(spec, record), { returning: true });
      return map(inserted!);
    },
    async update(id: T['id'], patch: Partial<T>): Promise<T | undefined> {
      const values = toRow(spec, patch);
      delete values['id'];
      if (Object.keys(values).length === 0) return this.get(id);
      const { rows: [row] } = await updateWhere(db, table, values, { id }, { returning: true });
      return row ? map(row) : undefined;
    },
    async get(id: T['id']): Promise<T | undefined> {
      const [row] = await cachedRows(db, `${table}.get`, [id], () => untyped(db).selectFrom(table).selectAll().where('id', '=', slot(0)));
      return row ? map(row) : undefined;
    },
    list(where: Row, page: PageRequest): Promise<Page<T>> {
      let q = untyped(db).selectFrom(table).selectAll();
      for (const [column, value] of Object.entries(where)) {
        if (value !== undefined) q = q.where(column, '=', value);
      }
      return pageBy(q, page, map);
    },
  };
}
