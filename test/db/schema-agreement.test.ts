// schema.prisma and the migrated database must agree: the same tables and columns, the same
// nullability, types and defaults, and the unique keys and foreign keys Prisma relies on.
// Prisma's own reading of the schema (the datamodel generated for Pothos) gives structure;
// a small parser of schema.prisma adds what that datamodel leaves out (@map/@@map names and
// @db native types), and is itself checked against Prisma's reading.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { getDatamodel } from '../../src/generated/pothos-types';
import { useDatabase } from '../helpers/harness';

interface ParsedField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  column: string;
  nativeType?: string;
}
interface ParsedModel {
  name: string;
  table: string;
  fields: ParsedField[];
}

function parseSchema(text: string): ParsedModel[] {
  const models: ParsedModel[] = [];
  const blocks = text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm);
  for (const [, name, body] of blocks) {
    const lines = body!
      .split('\n')
      .map((l) => l.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!;
    const fields: ParsedField[] = [];
    for (const line of lines) {
      if (line.startsWith('@@')) continue;
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!m) continue;
      fields.push({
        name: m[1]!,
        type: m[2]!,
        list: Boolean(m[3]),
        optional: Boolean(m[4]),
        column: /@map\("([^"]+)"\)/.exec(m[5]!)?.[1] ?? m[1]!,
        nativeType: /@db\.(\w+)/.exec(m[5]!)?.[1],
      });
    }
    models.push({ name: name!, table, fields });
  }
  return models;
}

type DatamodelField = {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isList: boolean;
  hasDefaultValue: boolean;
  isId: boolean;
  isUnique: boolean;
  relationFromFields?: string[];
};
type Datamodel = { models: Record<string, { fields: DatamodelField[]; uniqueIndexes: { fields: string[] }[] }> };

const datamodel = (getDatamodel().datamodel as unknown as Datamodel).models;
const parsed = parseSchema(fs.readFileSync(path.resolve(__dirname, '../../prisma/schema.prisma'), 'utf8'));

/** What each Prisma scalar (with its @db attribute) must be in PostgreSQL (udt_name). */
function expectedUdt(field: ParsedField): string {
  const base = (() => {
    switch (field.type) {
      case 'String':
        return field.nativeType === 'Uuid' ? 'uuid' : field.nativeType === 'Inet' ? 'inet' : 'text';
      case 'Int':
        return 'int4';
      case 'BigInt':
        return 'int8';
      case 'Float':
        return 'float8';
      case 'Boolean':
        return 'bool';
      case 'DateTime':
        return field.nativeType === 'Date' ? 'date' : field.nativeType === 'Timestamptz' ? 'timestamptz' : 'timestamp';
      case 'Json':
        return 'jsonb';
      default:
        throw new Error(`no mapping for ${field.type}`);
    }
  })();
  return field.list ? `_${base}` : base;
}

const database = useDatabase({ seed: false });
let client: pg.Client;

beforeAll(async () => {
  client = database.owner;
});

test("the parser of schema.prisma reads the same models and fields as Prisma's own datamodel", () => {
  expect(parsed.map((m) => m.name).sort()).toEqual(Object.keys(datamodel).sort());
  for (const model of parsed) {
    const prisma = datamodel[model.name]!.fields;
    expect(model.fields.map((f) => f.name).sort()).toEqual(prisma.map((f) => f.name).sort());
    for (const field of model.fields) {
      const p = prisma.find((f) => f.name === field.name)!;
      expect({
        field: `${model.name}.${field.name}`,
        type: field.type,
        optional: field.optional,
        list: field.list,
      }).toEqual({
        field: `${model.name}.${field.name}`,
        type: p.type,
        optional: !p.isRequired && !p.isList,
        list: p.isList,
      });
    }
  }
});

test('every table in the database is a model, and every model a table', async () => {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
  );
  expect(rows.map((r) => r.table_name).sort()).toEqual(parsed.map((m) => m.table).sort());
});

test('every column agrees on name, type, nullability and default; no column exists on one side only', async () => {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    udt_name: string;
    is_nullable: string;
    column_default: string | null;
  }>(
    `SELECT table_name, column_name, udt_name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const mismatches: string[] = [];
  for (const model of parsed) {
    const prisma = datamodel[model.name]!.fields;
    const scalars = model.fields.filter((f) => prisma.find((p) => p.name === f.name)!.kind !== 'object');
    const columns = rows.filter((r) => r.table_name === model.table);
    const extra = columns.map((c) => c.column_name).filter((c) => !scalars.some((f) => f.column === c));
    if (extra.length) mismatches.push(`${model.table}: columns missing from the model: ${extra.join(', ')}`);
    for (const field of scalars) {
      const column = columns.find((c) => c.column_name === field.column);
      if (!column) {
        mismatches.push(`${model.table}.${field.column}: in the model, not in the database`);
        continue;
      }
      const p = prisma.find((f) => f.name === field.name)!;
      if (column.udt_name !== expectedUdt(field))
        mismatches.push(
          `${model.table}.${field.column}: ${column.udt_name} in the database, ${expectedUdt(field)} in the model`,
        );
      if ((column.is_nullable === 'YES') !== field.optional)
        mismatches.push(
          `${model.table}.${field.column}: nullable=${column.is_nullable}, model optional=${field.optional}`,
        );
      if ((column.column_default !== null) !== p.hasDefaultValue)
        mismatches.push(
          `${model.table}.${field.column}: default ${column.column_default}, model default=${p.hasDefaultValue}`,
        );
    }
  }
  expect(mismatches).toEqual([]);
});

test('every unique key and relation Prisma relies on exists in the database', async () => {
  const uniques = await client.query<{ table: string; columns: string[] }>(
    `SELECT t.relname AS table, ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
      WHERE ns.nspname = 'public' AND i.indisunique AND i.indpred IS NULL`,
  );
  const fks = await client.query<{ table: string; parent: string; columns: string[] }>(
    `SELECT c.relname AS table, p.relname AS parent,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class p ON p.oid = con.confrelid
      WHERE con.contype = 'f'`,
  );
  const missing: string[] = [];
  for (const model of parsed) {
    const column = (name: string) => model.fields.find((f) => f.name === name)!.column;
    const dm = datamodel[model.name]!;
    const keys = [
      ...dm.uniqueIndexes.map((u) => u.fields),
      ...dm.fields.filter((f) => f.isId || f.isUnique).map((f) => [f.name]),
    ];
    for (const key of keys) {
      const cols = key.map(column);
      if (!uniques.rows.some((u) => u.table === model.table && u.columns.join() === cols.join()))
        missing.push(`unique ${model.table}(${cols.join(', ')})`);
    }
    for (const relation of dm.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
      const cols = relation.relationFromFields!.map(column);
      const parent = parsed.find((m) => m.name === relation.type)!.table;
      if (!fks.rows.some((fk) => fk.table === model.table && fk.parent === parent && fk.columns.join() === cols.join()))
        missing.push(`foreign key ${model.table}(${cols.join(', ')}) -> ${parent}`);
    }
  }
  expect(missing).toEqual([]);
});
