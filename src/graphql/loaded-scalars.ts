// A field of a Prisma object that selects nothing but scalar columns of its own row
// (`t.exposeString('externalId')` on a type in select mode, or `t.field({ select: { channel: true },
// resolve })`) is answered straight from the row whenever the row holds those columns.
// plugin-prisma gets the same answer a longer way: on every row, it looks up the request's loader
// mapping for the field's response path (building the path's key, walking its ancestors) only to
// learn that the parent query selected the column. For a page of 20 users with four such fields,
// that was 80 lookups and about 9% of the request's CPU (bench/NOTES.md).
//
// When a column is missing from the row (a row some other query loaded), plugin-prisma's own
// wrapper runs as before, and loads it. Relations, fields with a select function (arguments or
// nested selections) and fields with a loaded-check keep plugin-prisma's path always. This plugin
// sits just before the Prisma plugin: the plugins before it (errors, time budget, scopes, ids)
// still wrap the field; the ones after it (Prisma, Relay) add nothing to a scalar field but the
// lookup.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { defaultFieldResolver, type GraphQLFieldResolver } from 'graphql';
import { getDatamodel } from '../generated/pothos-types';

type Columns = readonly string[];

/** Each model's scalar and enum fields (the columns of its own row). */
const columnsOf = (() => {
  let byModel: Map<string, Set<string>> | undefined;
  return (model: string): Set<string> | undefined => {
    byModel ??= new Map(
      Object.entries(
        getDatamodel().datamodel.models as unknown as Record<string, { fields: { name: string; kind: string }[] }>,
      ).map(([name, m]) => [
        name,
        new Set(m.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => f.name)),
      ]),
    );
    return byModel.get(model);
  };
})();

export class LoadedScalarsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  /** The columns a field's static select names, when they are all scalar columns of its model. */
  private scalarSelect(fieldConfig: PothosOutputFieldConfig<Types>): Columns | null {
    if (fieldConfig.kind !== 'PrismaObject') return null;
    const extensions = (fieldConfig.extensions ?? {}) as Record<string, unknown>;
    const select = extensions.pothosPrismaSelect;
    if (typeof select !== 'object' || select === null || Array.isArray(select)) return null;
    if (extensions.pothosPrismaLoaded !== undefined || extensions.pothosPrismaFallback !== undefined) return null;
    const model = this.buildCache.getTypeConfig(fieldConfig.parentType).extensions?.pothosPrismaModel;
    const columns = typeof model === 'string' ? columnsOf(model) : undefined;
    const entries = Object.entries(select as Record<string, unknown>);
    if (!columns || entries.length === 0) return null;
    return entries.every(([name, value]) => value === true && columns.has(name)) ? entries.map(([name]) => name) : null;
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const columns = this.scalarSelect(fieldConfig);
    if (!columns) return resolver;
    const own = (fieldConfig.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<
      unknown,
      Types['Context'],
      object
    >;
    if (columns.length === 1) {
      const column = columns[0]!;
      return (parent, args, context, info) =>
        typeof parent === 'object' && parent !== null && column in parent
          ? own(parent, args, context, info)
          : resolver(parent, args, context, info);
    }
    return (parent, args, context, info) =>
      typeof parent === 'object' && parent !== null && columns.every((c) => c in parent)
        ? own(parent, args, context, info)
        : resolver(parent, args, context, info);
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      loadedScalars: LoadedScalarsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('loadedScalars', LoadedScalarsPlugin);
