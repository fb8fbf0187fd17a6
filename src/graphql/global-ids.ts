// The one declared way to take a global id as input. An argument or input field declared with
// `t.arg.idOf('Program')` (or `t.idOf('Program')` in an input type) is an `ID` in the schema, and
// its resolver receives the row's uuid: this plugin decodes every such value, at any depth and in
// lists, before the resolver runs. A malformed id, or one of another type, is a VALIDATION_FAILED
// naming the path (`input.programId`, `filter.userIds.2`); all bad ids of a call are reported
// together; an empty string in an optional one is taken as null. Values nested inside JSON (badge criteria) and the node/nodes lookups, which turn a bad
// id into null, use graphql/ids.ts directly.
//
// It runs after the auth scopes (an anonymous caller with a bad id is told to authenticate, not
// that its id is bad) and before the Prisma plugin plans the selection.
import SchemaBuilder, {
  BasePlugin,
  InputFieldBuilder,
  mapInputFields,
  type InputFieldMapping,
  type InputFieldsMapping,
  type InputOrArgRef,
  type PothosInputFieldConfig,
  type PothosOutputFieldConfig,
  type SchemaTypes,
} from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { ValidationError, type FieldProblem } from './errors';
import { decodeGlobalId } from './ids';

/** The type names an id input accepts, as stored in the field's extensions. */
const EXTENSION = 'globalIdOf';

type Typenames = readonly string[];

function typenamesOf(config: PothosInputFieldConfig<SchemaTypes>): Typenames | null {
  const value = config.extensions?.[EXTENSION];
  return Array.isArray(value) ? (value as Typenames) : null;
}

/** Decodes every declared id under `value` in place of a copy; problems go to `out`. */
function decodeValue(
  value: unknown,
  mapping: InputFieldMapping<SchemaTypes, Typenames>,
  depth: number,
  path: string,
  out: FieldProblem[],
): unknown {
  if (value === null || value === undefined) return value;
  if (depth > 0) {
    if (!Array.isArray(value)) return value;
    return value.map((item, i) => decodeValue(item, mapping, depth - 1, `${path}.${i}`, out));
  }
  if (mapping.kind === 'InputObject') {
    return mapping.fields.map ? decodeFields(value as Record<string, unknown>, mapping.fields.map, path, out) : value;
  }
  // An empty optional id means none (as a null would), as it did when resolvers decoded ids.
  if (value === '' && mapping.config.type.kind !== 'List' && !mapping.config.type.required) return null;
  const decoded = typeof value === 'string' ? decodeGlobalId(value, mapping.value) : null;
  if (decoded === null) {
    out.push({ path, message: `is not a valid ${mapping.value.join(' or ')} id` });
    return value;
  }
  return decoded;
}

function decodeFields(
  object: Record<string, unknown>,
  map: InputFieldsMapping<SchemaTypes, Typenames>,
  prefix: string,
  out: FieldProblem[],
): Record<string, unknown> {
  const copy = { ...object };
  for (const [name, mapping] of map) {
    if (copy[name] === undefined) continue;
    copy[name] = decodeValue(copy[name], mapping, mapping.listDepth, prefix ? `${prefix}.${name}` : name, out);
  }
  return copy;
}

export class GlobalIdsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  private readonly cache = new Map();

  private decoderFor(fieldConfig: PothosOutputFieldConfig<Types>) {
    const map = mapInputFields(
      fieldConfig.args,
      this.buildCache,
      (config) => typenamesOf(config as PothosInputFieldConfig<SchemaTypes>),
      this.cache,
    ) as InputFieldsMapping<SchemaTypes, Typenames> | null;
    if (!map) return null;
    return (args: object): object => {
      const problems: FieldProblem[] = [];
      const decoded = decodeFields(args as Record<string, unknown>, map, '', problems);
      if (problems.length > 0) throw new ValidationError(problems);
      return decoded;
    };
  }

  /**
   * A node's own `id` answers synchronously. plugin-relay's `t.globalID` resolver is async, so
   * every node in an answer made graphql-js complete its object through a promise (and, with
   * the async scope, a promise hook each): 81 promises in a 20-row nested page. The value is
   * the same: plugin-relay's default encoding (base64 of `Type:id`, no custom encoder is
   * configured) of the row's `id` column, which every prismaNode here names as its id field.
   */
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.name !== 'id') return fieldConfig;
    const typeConfig = this.buildCache.getTypeConfig(fieldConfig.parentType);
    if (typeConfig.kind !== 'Object') return fieldConfig;
    if (!typeConfig.extensions?.pothosPrismaModel) return fieldConfig;
    // (test/graphql/global-ids.test.ts holds every prismaNode to `id: { field: 'id' }`.)
    if (!typeConfig.interfaces.some((ref) => this.buildCache.getTypeConfig(ref).name === 'Node')) return fieldConfig;
    const typename = typeConfig.name;
    return {
      ...fieldConfig,
      resolve: (parent: unknown) => encodeGlobalID(typename, String((parent as { id: unknown }).id)),
    };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    // A subscription's arguments were decoded when it started (wrapSubscribe).
    const decode = fieldConfig.parentType === 'Subscription' ? null : this.decoderFor(fieldConfig);
    if (!decode) return resolver;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) =>
      resolver(parent, decode(args), context, info);
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    const decode = subscribe ? this.decoderFor(fieldConfig) : null;
    if (!subscribe || !decode) return subscribe;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof subscribe>[3]) =>
      subscribe(parent, decode(args), context, info);
  }
}

type IdOptions<Req extends boolean> = { required?: Req; description?: string; deprecationReason?: string };
type IdShape<Req extends boolean> = Req extends true ? string : string | null | undefined;

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      globalIds: GlobalIdsPlugin<Types>;
    }
    interface InputFieldBuilder<Types extends SchemaTypes, Kind extends 'Arg' | 'InputObject'> {
      /** An `ID` input holding a global id of `typename`: the resolver receives the row's uuid. */
      idOf: <Req extends boolean = false>(
        typename: string | readonly string[],
        options?: IdOptions<Req>,
      ) => InputOrArgRef<Types, IdShape<Req>, Kind>;
    }
  }
}

const inputFieldBuilder = InputFieldBuilder.prototype as unknown as {
  id(options: object): unknown;
  idOf: unknown;
};
const typenameList = (typename: string | readonly string[]) => (typeof typename === 'string' ? [typename] : typename);

inputFieldBuilder.idOf = function idOf(
  this: typeof inputFieldBuilder,
  typename: string | readonly string[],
  options: IdOptions<boolean> = {},
) {
  return this.id({ ...options, extensions: { [EXTENSION]: typenameList(typename) } });
};
SchemaBuilder.registerPlugin('globalIds', GlobalIdsPlugin);
