// What an operation may cost, priced before it runs, for HTTP and WebSocket alike. Cost
// multiplies by page size, and the page size counts whether it is written in the query or
// passed as a variable, so `first: $n` with n = 10,000 is priced as the 100 rows the server
// would actually return.
import {
  GraphQLError,
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  isListType,
  isScalarType,
  getNullableType,
  valueFromASTUntyped,
  type FieldNode,
  type DocumentNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../graphql/page-size';
import { fragmentsOf, limitError } from './limits';

/** A number from an argument's value: a literal, or a variable's value. */
function numberOf(value: ValueNode, variables: Record<string, unknown>): number | undefined {
  const raw =
    value.kind === Kind.VARIABLE
      ? variables[value.name.value]
      : value.kind === Kind.INT
        ? Number(value.value)
        : undefined;
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
}

function pageSize(
  field: { arguments?: readonly { name: { value: string }; value: ValueNode }[] },
  variables: Record<string, unknown>,
  names: readonly string[] = ['first', 'last'],
): number | undefined {
  let size: number | undefined;
  for (const arg of field.arguments ?? []) {
    if (!names.includes(arg.name.value)) continue;
    const n = numberOf(arg.value, variables);
    if (n !== undefined) size = Math.max(size ?? 0, n);
  }
  return size;
}

/** How many items a list argument holds (a literal list, or a variable's array); a single value is a list of one. */
function listLength(value: ValueNode, variables: Record<string, unknown>): number {
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.NULL) return 0;
  if (value.kind === Kind.VARIABLE) {
    const raw = variables[value.name.value];
    return Array.isArray(raw) ? raw.length : raw === undefined || raw === null ? 0 : 1;
  }
  return 1;
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** The price of one JSON value (JSON and JSONObject are documented up to 64 KiB each): as much as a few rows. */
export const JSON_FIELD_COST = 10;
/** Items assumed for a plain list (neither a connection nor sized by an argument) without a documented maximum. */
export const DEFAULT_LIST_SIZE = 20;
/**
 * Documented maxima of plain lists that no argument sizes (the resolver refuses or cannot return
 * more). A list not named here, and without "At most N" in its description, is priced at
 * DEFAULT_LIST_SIZE items.
 */
const LIST_MAXIMA: Record<string, number> = {
  // One point per day over at most 400 days (insights.schema.ts, MAX_BUCKETS).
  'Query.engagementSeries': 400,
};

/** "At most N." in a description: the documented maximum of a list or of its size argument. */
const documentedMaxima = new WeakMap<object, number | null>();
function documentedMax(item: { description?: string | null | undefined }): number | undefined {
  if (!documentedMaxima.has(item)) {
    const match = /\bat most ([0-9][0-9,_]*)/i.exec(item.description ?? '');
    documentedMaxima.set(item, match ? Number(match[1]!.replace(/[,_]/g, '')) : null);
  }
  return documentedMaxima.get(item) ?? undefined;
}

/**
 * The price of each KiB a request sends (its document and its variables' strings): what is sent
 * is parsed, checked, copied and often stored, whatever the answer. Without it, a free tenant
 * sending 768 KiB of chunks at full speed stayed within its request rate and raised another
 * tenant's p99 7x (bench/NOTES.md, fairness).
 */
export const INPUT_KIB_COST = 10;

/** Bytes of text a request sends: its document, and every string and number of its variables. */
function inputBytes(document: DocumentNode, variables: unknown): number {
  let bytes = document.loc?.source.body.length ?? 0;
  const stack: unknown[] = [variables];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') bytes += value.length;
    else if (typeof value === 'number' || typeof value === 'boolean') bytes += 8;
    // One at a time: spreading an array of 500,000 items (a 1 MiB body can hold them) overflows the stack.
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) {
        bytes += key.length;
        stack.push(item);
      }
  }
  return bytes;
}

/** The cost a field declares for its own work (Pothos `extensions: { cost }`), 0 if none. */
function declaredCost(field: GraphQLField<unknown, unknown>): number {
  const cost = (field.extensions as { cost?: unknown } | undefined)?.cost;
  return typeof cost === 'number' && cost > 0 ? cost : 0;
}

const isJsonType = (type: GraphQLNamedType) =>
  isScalarType(type) && (type.name === 'JSON' || type.name === 'JSONObject');

/**
 * Estimated cost, in objects the server may have to produce, computed once per operation in
 * time linear in the document (fragments are priced once each):
 * - what the request sends: INPUT_KIB_COST per whole KiB of its document and variables;
 * - a field that declares the cost of its own work (extensions.cost: evaluateBadges, eraseUser,
 *   the whole-document export) adds it, per item of any list it sits in;
 * - each object-typed field costs 1; a scalar is free, except a JSON value (JSON_FIELD_COST, as
 *   it may hold up to 64 KiB) and a field under an alias (1: an alias is one more resolution);
 * - a connection multiplies what it returns by its page size (first/last, from the query or its
 *   variables; the default page when absent; never more than the server's cap, since that is
 *   what it would return);
 * - a list fetched by a list argument (`nodes(ids:)`) produces one object per item, duplicates
 *   included: each costs 1 and its selection;
 * - a list that is not a connection is priced per item: by its `first`/`limit` argument (or its
 *   default), never more than the documented maximum ("At most N"); a plain list with no such
 *   argument by its documented maximum (LIST_MAXIMA) or DEFAULT_LIST_SIZE. The lists directly
 *   inside a priced page (a connection's edges and nodes, userChanges' users) are that page.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
): number {
  const fragments = fragmentsOf(document);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  // A variable left out takes its default (`$first: Int = 50` costs 50, not the server's 20;
  // `$ids: [ID!] = [...]` costs its length).
  const withDefaults: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (withDefaults[name] === undefined && definition.defaultValue)
      withDefaults[name] = valueFromASTUntyped(definition.defaultValue);
  }
  variables = withDefaults;

  // How many items a field produces, and whether the lists directly inside it are its page.
  const itemsOf = (
    field: GraphQLField<unknown, unknown>,
    selection: FieldNode,
    parentKey: string,
    inPage: boolean,
  ): { items: number; page: boolean; perItem: number } => {
    const isConnection = field.args.some((a) => a.name === 'first') && field.args.some((a) => a.name === 'last');
    if (isConnection)
      return {
        items: Math.min(MAX_PAGE_SIZE, Math.max(1, pageSize(selection, variables) ?? DEFAULT_PAGE_SIZE)),
        page: true,
        perItem: 0,
      };
    const isList = isListType(getNullableType(field.type));
    // A list fetched by a list of keys (nodes(ids:)): one item per key.
    const listArg = isList ? field.args.find((a) => isListType(getNullableType(a.type))) : undefined;
    if (listArg) {
      const value = selection.arguments?.find((a) => a.name.value === listArg.name)?.value;
      const items = value
        ? listLength(value, variables)
        : Array.isArray(listArg.defaultValue)
          ? listArg.defaultValue.length
          : 0;
      return { items, page: false, perItem: 1 };
    }
    const sizeArg = field.args.find((a) => a.name === 'first' || a.name === 'limit');
    if (sizeArg) {
      const asked =
        pageSize(selection, variables, [sizeArg.name]) ??
        (typeof sizeArg.defaultValue === 'number' ? sizeArg.defaultValue : DEFAULT_PAGE_SIZE);
      const cap = documentedMax(sizeArg) ?? documentedMax(field) ?? MAX_PAGE_SIZE;
      const items = Math.min(cap, Math.max(1, asked));
      // A list sized by its argument: each item is an object; an object that holds the page (a feed): its lists are the page.
      return isList ? { items, page: false, perItem: 1 } : { items, page: true, perItem: 0 };
    }
    // An object inside a page is part of it (a mutation's result, its payload): the page goes on through it.
    if (!isList) return { items: 1, page: inPage, perItem: 0 };
    if (inPage) return { items: 1, page: false, perItem: 0 };
    return {
      items: LIST_MAXIMA[`${parentKey}.${field.name}`] ?? documentedMax(field) ?? DEFAULT_LIST_SIZE,
      page: false,
      perItem: 1,
    };
  };

  // A fragment's cost depends only on it, its type condition and whether it sits in a page: computed once (see depthOf).
  const memo = new Map<string, number>();
  const costOf = (
    selectionSet: SelectionSetNode | undefined,
    parent: GraphQLNamedType,
    seen: Set<string>,
    inPage: boolean,
  ): number => {
    if (!selectionSet) return 0;
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        if (!field) continue;
        const named = getNamedType(field.type);
        // Work a field does beyond the objects it returns, as its schema declares it
        // (extensions.cost): an evaluation, an erasure, a whole export.
        total += declaredCost(field);
        if (!selection.selectionSet) {
          // A scalar: free, except JSON (priced per value, per item of a list of them) and an alias.
          if (isJsonType(named))
            total +=
              JSON_FIELD_COST *
              (isListType(getNullableType(field.type)) ? itemsOf(field, selection, parent.name, inPage).items : 1);
          else if (selection.alias) total += 1;
          continue;
        }
        const { items, page, perItem } = itemsOf(field, selection, parent.name, inPage);
        total += 1 + items * (perItem + costOf(selection.selectionSet, named, seen, page));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        total += costOf(selection.selectionSet, type, seen, inPage);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        const key = `${fragment.name.value}@${type.name}@${inPage}`;
        if (!memo.has(key))
          memo.set(key, costOf(fragment.selectionSet, type, new Set(seen).add(fragment.name.value), inPage));
        total += memo.get(key)!;
      }
    }
    return total;
  };
  return (
    costOf(operation.selectionSet, root, new Set(), false) +
    Math.floor(inputBytes(document, variables) / 1024) * INPUT_KIB_COST
  );
}

/** The refusal of an operation that would cost more than `maxCost`, if it would. */
export function costRefusal(cost: number, maxCost: number): GraphQLError | undefined {
  if (cost <= maxCost) return undefined;
  return limitError(
    'QUERY_TOO_COSTLY',
    `The operation would cost ${cost}; the limit is ${maxCost}. Ask for smaller pages or fewer nested lists.`,
  );
}
