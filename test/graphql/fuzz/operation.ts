// Builds the operation for one call: the root field with its arguments (as variables mostly,
// now and then inline as literals), and a selection set that reaches a few levels down so that
// nested resolvers run too: scalar fields, __typename, `... on Error { code message }` and each
// member's fields for unions, each implementation's fields for interfaces.
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { inputArbitrary, type InputContext } from './inputs';
import type { RootField } from './schema-model';

export interface Operation {
  document: string;
  variables: Record<string, unknown>;
  /** Arguments sent inline, as literals. */
  inline: string[];
}

/** Selection set of a type, `depth` object levels deep (0: leaves only). */
export function selectionOf(schema: GraphQLSchema, type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (isUnionType(type) || isInterfaceType(type)) {
    const members = schema.getPossibleTypes(type);
    const parts = ['__typename'];
    if (schema.getType('Error') && members.some((m) => m.getInterfaces().some((i) => i.name === 'Error')))
      parts.push('... on Error { code message }');
    if (isInterfaceType(type)) {
      const own = objectFields(schema, type, 0, new Set());
      if (own) parts.push(own);
    }
    // Members may have same-named fields of different types (status: ProgramStatus vs
    // UserStatus), which cannot share a response key: those get an alias per member.
    const typesByName = new Map<string, Set<string>>();
    for (const member of members)
      for (const f of Object.values(member.getFields()))
        typesByName.set(f.name, (typesByName.get(f.name) ?? new Set()).add(f.type.toString()));
    const clashing = new Set([...typesByName].filter(([, types]) => types.size > 1).map(([name]) => name));
    // An interface has many implementations (Node: every type): one level under each is enough.
    const memberDepth = isInterfaceType(type) ? Math.min(depth, 1) : depth;
    for (const member of members) {
      const inner = objectFields(schema, member, memberDepth, clashing);
      if (inner) parts.push(`... on ${member.name} { ${inner} }`);
    }
    return parts.join(' ');
  }
  return objectFields(schema, type, depth, new Set());
}

function objectFields(schema: GraphQLSchema, type: GraphQLNamedType, depth: number, clashing: Set<string>): string {
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    // Nested fields run with their defaults; one that needs an argument is left out.
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    const name = clashing.has(field.name) ? `${type.name}_${field.name}: ${field.name}` : field.name;
    if (isLeafType(named)) parts.push(name);
    else if (depth > 0) {
      const inner = selectionOf(schema, named, depth - 1);
      if (inner) parts.push(`${name} { ${inner} }`);
    }
  }
  if (isObjectType(type)) parts.unshift('__typename');
  return parts.join(' ');
}

/** The selection for a root field: `depth` levels, or fewer if that does not validate. */
export function rootSelection(schema: GraphQLSchema, root: RootField, depth: number): string {
  const named = getNamedType(root.field.type);
  const args = root.field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const vars = root.field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  for (let d = depth; d >= 0; d--) {
    const selection = selectionOf(schema, named, d);
    const doc = `${root.kind}${vars ? ` Probe(${vars})` : ''} { ${root.name}${args ? `(${args})` : ''}${selection ? ` { ${selection} }` : ''} }`;
    if (validate(schema, parse(doc)).length === 0) return selection;
  }
  throw new Error(`no valid selection for ${root.kind}.${root.name}`);
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const MAX_INLINE = 2000;

/** A GraphQL literal for a value of `type`, or undefined if it has none (then it travels as a variable). */
export function literalOf(value: unknown, type: GraphQLInputType): string | undefined {
  if (value === null || value === undefined) return value === null ? 'null' : undefined;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    const items = (Array.isArray(value) ? value : [value]).map((v) => literalOf(v, inner.ofType));
    return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  if (isInputObjectType(inner)) {
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    const fields = inner.getFields();
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const literal = fields[k] ? literalOf(v, fields[k].type) : undefined;
      if (literal === undefined) return undefined;
      parts.push(`${k}: ${literal}`);
    }
    return `{${parts.join(', ')}}`;
  }
  if (isEnumType(inner))
    return typeof value === 'string' && NAME.test(value) && !['true', 'false', 'null'].includes(value)
      ? value
      : undefined;
  return scalarLiteral(value);
}

/** Scalars (JSON ones included) as GraphQL value literals; JSON.stringify's escapes are GraphQL's. */
function scalarLiteral(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map(scalarLiteral);
    return items.every((i) => i !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const parts: string[] = [];
    for (const [k, v] of entries) {
      const literal = NAME.test(k) ? scalarLiteral(v) : undefined;
      if (literal === undefined) return undefined;
      parts.push(`${k}: ${literal}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return undefined;
}

const ABSENT = Symbol('absent');

/**
 * Values for a field's arguments: required ones always, optional ones present, null or absent
 * (cursors absent more often than not: a wrong one ends the call before the resolver's work).
 */
export function argumentsArbitrary(
  args: readonly GraphQLArgument[],
  ctx: InputContext,
): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const arg of args) {
    const value = inputArbitrary(arg.type, arg.name, ctx);
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    const absent = arg.name === 'after' || arg.name === 'before' ? 6 : 2;
    record[arg.name] = required
      ? value
      : fc.oneof({ weight: absent, arbitrary: fc.constant(ABSENT) }, { weight: 3, arbitrary: value });
  }
  return fc.record(record).map((values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ABSENT)));
}

/** The document and variables for one call of a root field. */
export function buildOperation(
  root: RootField,
  selection: string,
  args: Record<string, unknown>,
  inlineMask: number,
): Operation {
  const defs: string[] = [];
  const uses: string[] = [];
  const variables: Record<string, unknown> = {};
  const inline: string[] = [];
  root.field.args.forEach((arg, i) => {
    if (!(arg.name in args)) return;
    const value = args[arg.name];
    const literal = inlineMask & (1 << (i % 30)) ? literalOf(value, arg.type) : undefined;
    if (literal !== undefined && literal.length <= MAX_INLINE) {
      uses.push(`${arg.name}: ${literal}`);
      inline.push(arg.name);
      return;
    }
    defs.push(`$${arg.name}: ${arg.type.toString()}`);
    uses.push(`${arg.name}: $${arg.name}`);
    variables[arg.name] = value;
  });
  const name = `Fuzz_${root.name}`;
  const document = `${root.kind} ${name}${defs.length ? `(${defs.join(', ')})` : ''} { ${root.name}${uses.length ? `(${uses.join(', ')})` : ''}${selection ? ` { ${selection} }` : ''} }`;
  return { document, variables, inline };
}
