// The tables, columns and relation joins of the Prisma models, for the read compiler (compile.ts).
// Two generated sources, built once: Pothos' copy of the DMMF (kind, type, isList, relationName,
// relationFromFields) and the client's runtime data model (dbName of models and fields: @@map,
// @map). Neither carries a relation's `references`; every relation here follows one convention,
// checked below and by test/db/sql-read-model.test.ts against prisma/schema.prisma:
//   fields: [creatorId]            references: [id]            (the tenant root, creators)
//   fields: [creatorId, parentId]  references: [creatorId, id] (a tenant child: composite key)
// A relation that does not fit fails at start (loudly) rather than joining the wrong columns.
import { getDatamodel } from '../../generated/pothos-types';

/** Prisma scalar types the compiler reads through JSON (Decimal, Bytes fall back to Prisma). */
export type ScalarType = 'String' | 'Int' | 'Float' | 'Boolean' | 'DateTime' | 'Json' | 'BigInt';
const SCALARS = new Set<string>(['String', 'Int', 'Float', 'Boolean', 'DateTime', 'Json', 'BigInt']);

export interface ScalarField {
  kind: 'scalar';
  name: string;
  column: string;
  type: string;
  /** Readable by the compiler: a supported type, and a list only of strings. */
  supported: boolean;
}

export interface RelationField {
  kind: 'relation';
  name: string;
  /** The related model's name. */
  type: string;
  isList: boolean;
  /** Pairs (column on the related table, column on this table) that join the two rows. */
  on: [child: string, parent: string][];
}

export type Field = ScalarField | RelationField;

export interface SqlModel {
  name: string;
  table: string;
  fields: Map<string, Field>;
  /** The scalar fields in DMMF order: what `include` mode and `relation: true` select. */
  scalars: ScalarField[];
}

export type SqlModels = Map<string, SqlModel>;

interface DmmfField {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  relationName?: string;
  relationFromFields?: readonly string[];
}

export interface RuntimeDataModel {
  models: Record<string, { dbName?: string | null; fields: { name: string; dbName?: string | null }[] }>;
}

/** The `references` of a relation with these `fields`, by the convention above. */
export function referencesOf(fields: readonly string[]): string[] {
  return fields.map((f, i) => (i === fields.length - 1 ? 'id' : f));
}

export function loadModels(runtime: RuntimeDataModel): SqlModels {
  const dmmf = getDatamodel().datamodel.models as unknown as Record<string, { fields: readonly DmmfField[] }>;
  const columnOf = (model: string, field: string): string => {
    const rt = runtime.models[model]?.fields.find((f) => f.name === field);
    if (!rt) throw new Error(`sql-read: ${model}.${field} is not in the runtime data model`);
    return rt.dbName ?? field;
  };
  const models: SqlModels = new Map();
  for (const [name, def] of Object.entries(dmmf)) {
    const runtimeModel = runtime.models[name];
    if (!runtimeModel) throw new Error(`sql-read: model ${name} is not in the runtime data model`);
    const fields = new Map<string, Field>();
    const scalars: ScalarField[] = [];
    for (const f of def.fields) {
      if (f.kind === 'object') {
        fields.set(f.name, { kind: 'relation', name: f.name, type: f.type, isList: f.isList, on: [] });
        continue;
      }
      const scalar: ScalarField = {
        kind: 'scalar',
        name: f.name,
        column: columnOf(name, f.name),
        type: f.type,
        supported: (f.kind === 'scalar' || f.kind === 'enum') && (!f.isList || f.type === 'String'),
      };
      scalar.supported &&= f.kind === 'enum' || SCALARS.has(f.type);
      fields.set(f.name, scalar);
      scalars.push(scalar);
    }
    models.set(name, { name, table: runtimeModel.dbName ?? name, fields, scalars });
  }
  // Join columns: from the side that holds the foreign key, then mirrored onto the back relation.
  for (const [name, def] of Object.entries(dmmf)) {
    for (const f of def.fields) {
      const from = f.relationFromFields ?? [];
      if (f.kind !== 'object' || from.length === 0) continue;
      if (from.length > 2 || (from.length === 2 && from[0] !== 'creatorId')) {
        throw new Error(
          `sql-read: ${name}.${f.name} does not follow the (creatorId, xId) -> (creatorId, id) convention`,
        );
      }
      const to = referencesOf(from);
      const relation = models.get(name)!.fields.get(f.name) as RelationField;
      relation.on = from.map((local, i) => [columnOf(f.type, to[i]!), columnOf(name, local)]);
      const back = dmmf[f.type]!.fields.find(
        (b) => b.kind === 'object' && b.relationName === f.relationName && b.type === name && b !== f,
      );
      if (back) {
        const backField = models.get(f.type)!.fields.get(back.name) as RelationField;
        backField.on = relation.on.map(([child, parent]) => [parent, child]);
      }
    }
  }
  for (const model of models.values()) {
    for (const field of model.fields.values()) {
      if (field.kind === 'relation' && field.on.length === 0) {
        throw new Error(`sql-read: no join columns for ${model.name}.${field.name}`);
      }
    }
  }
  return models;
}

let loaded: SqlModels | undefined;

/** The models of the generated client (the same for every client of the process). */
export function sqlModels(client: object): SqlModels {
  return (loaded ??= loadModels((client as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel));
}
