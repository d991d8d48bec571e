/**
 * The table types in src/adapters/store/schema.ts are what the migrations create: on a freshly migrated
 * database every declared table and column exists, every column of the database is declared, and a column
 * is nullable exactly when its declared type admits null (checked on PostgreSQL, whose catalog says so
 * reliably; SQLite reports a text primary key as nullable).
 */
import { readFileSync, rmSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createStore, openDatabase } from '../../src/adapters/store/kysely-store.js';
import { RandomIds } from '../../src/adapters/random-ids.js';
import { SystemClock } from '../../src/adapters/system-clock.js';
import { DIALECTS, testDatabase } from '../helpers/stores.js';

interface Declared { readonly [table: string]: { readonly [column: string]: { readonly nullable: boolean } } }

/** Reads the `Database` interface and the table interfaces it names from the source file. */
function declaredTables(): Declared {
  const file = 'src/adapters/store/schema.ts';
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => { if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node); });
  const database = interfaces.get('Database');
  if (!database) throw new Error('schema.ts declares no Database interface');
  const tables: Record<string, Record<string, { nullable: boolean }>> = {};
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type) throw new Error('Database has a member that is not a table');
    const table = member.name.getText(source);
    const declaration = interfaces.get(member.type.getText(source));
    if (!declaration) throw new Error(`Database.${table} names no interface of schema.ts`);
    tables[table] = Object.fromEntries(declaration.members.map((column) => {
      if (!ts.isPropertySignature(column) || !column.type) throw new Error(`${table} has a member that is not a column`);
      return [column.name.getText(source), { nullable: /\bnull\b/.test(column.type.getText(source)) }];
    }));
  }
  return tables;
}

describe.each(DIALECTS)('the declared table types (%s)', (dialect) => {
  it('match a freshly migrated database both ways: tables, columns and nullability', async () => {
    const database = await testDatabase(dialect);
    const clock = new SystemClock();
    const url = dialect === 'sqlite' ? `sqlite:${(await import('node:os')).tmpdir()}/paybridge-schema-${process.pid}-${Date.now()}.db` : database.url;
    const store = createStore({ url, clock, ids: new RandomIds(clock) });
    const { db } = openDatabase(url, 1);
    try {
      await store.migrate();
      const schema = dialect === 'postgres' ? (await db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s : undefined;
      const tables = (await db.introspection.getTables()).filter((t) => schema === undefined || t.schema === schema);
      const actual = Object.fromEntries(tables.map((t) => [t.name, Object.fromEntries(t.columns.map((c) => [c.name, { nullable: c.isNullable }]))]));
      const declared = declaredTables();
      const names = (o: object) => Object.keys(o).sort();
      expect(names(declared)).toEqual(names(actual));
      for (const table of names(actual)) {
        expect(names(declared[table]!), table).toEqual(names(actual[table]!));
        if (dialect === 'postgres') expect(declared[table], table).toEqual(actual[table]);
      }
    } finally {
      await db.destroy();
      await store.close();
      await database.drop();
      if (dialect === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(`${url.slice('sqlite:'.length)}${suffix}`, { force: true });
    }
  });
});
