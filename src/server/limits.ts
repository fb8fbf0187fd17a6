// Query limits, one definition for HTTP and WebSocket alike: how deep an operation may nest,
// how many aliases it may use, and what it may cost. Cost multiplies by page size, and the page
// size counts whether it is written in the query or passed as a variable, so
// `first: $n` with n = 10,000 is priced as the 100 rows the server would actually return.
import {
  GraphQLError,
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Lexical tokens in a document: the parser stops past this (GRAPHQL_PARSE_FAILED). */
  maxTokens: number;
  maxDirectives: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 16, maxAliases: 30, maxCost: 50_000, maxTokens: 5_000, maxDirectives: 20 };

/** The page size the server uses when a connection gets neither first nor last, and its cap. */
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

// Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; `limit` carries the
// specific code, which formatError (plugins/masking.ts) restores for HTTP and WebSocket alike.
function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, limit: code, http: { status: 400 } } });
}

// Fragments are measured once each (memo): a "fragment bomb" (each fragment spreading the next
// twice) would otherwise take exponential time here, before any limit could refuse it.
function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>, memo = new Map<string, number>()): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, seen, memo));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen, memo));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A fragment cycle is its own validation error (NoFragmentCycles); do not follow it here.
      if (!fragment || seen.has(name)) continue;
      if (!memo.has(name)) memo.set(name, depthOf(fragment.selectionSet, fragments, new Set(seen).add(name), memo));
      deepest = Math.max(deepest, memo.get(name)!);
    }
  }
  return deepest;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = depthOf(node.selectionSet, fragmentsOf(context.getDocument()), new Set());
      if (depth > maxDepth) context.reportError(limitError('QUERY_TOO_DEEP', `The operation nests ${depth} levels deep; the limit is ${maxDepth}.`));
    },
  });
}

export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (node.alias && ++aliases > maxAliases && !reported) {
          reported = true;
          context.reportError(limitError('TOO_MANY_ALIASES', `The document uses more than ${maxAliases} aliases.`));
        }
      },
    };
  };
}

export function directiveLimitRule(maxDirectives: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let directives = 0;
    let reported = false;
    return {
      Directive() {
        if (++directives > maxDirectives && !reported) {
          reported = true;
          context.reportError(limitError('TOO_MANY_DIRECTIVES', `The document uses more than ${maxDirectives} directives.`));
        }
      },
    };
  };
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
}

function pageSize(field: { arguments?: readonly { name: { value: string }; value: ValueNode }[] }, variables: Record<string, unknown>): number | undefined {
  let size: number | undefined;
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
    const raw = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.INT ? Number(arg.value.value) : undefined;
    if (typeof raw === 'number' && Number.isFinite(raw)) size = Math.max(size ?? 0, raw);
  }
  return size;
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/**
 * Estimated cost, in objects the server may have to produce: each object-typed field costs 1
 * (scalars are free, as in GitHub's model), and what a connection returns is multiplied by its
 * page size (first/last, from the query or its variables; the default page when absent; never
 * more than the server's cap, since that is what it would return).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> = {}): number {
  const fragments = fragmentsOf(document);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName));
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  // A variable left out takes its default (`$first: Int = 50` costs 50, not the server's 20).
  const withDefaults: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (withDefaults[name] === undefined && definition.defaultValue?.kind === Kind.INT) withDefaults[name] = Number(definition.defaultValue.value);
  }
  variables = withDefaults;

  // A fragment's cost depends only on it and its type condition: computed once (see depthOf).
  const memo = new Map<string, number>();
  const costOf = (selectionSet: SelectionSetNode | undefined, parent: GraphQLNamedType, seen: Set<string>): number => {
    if (!selectionSet) return 0;
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        if (!field) continue;
        const isConnection = field.args.some((a) => a.name === 'first') && field.args.some((a) => a.name === 'last');
        const multiplier = isConnection ? Math.min(MAX_PAGE, Math.max(1, pageSize(selection, variables) ?? DEFAULT_PAGE)) : 1;
        if (!selection.selectionSet) continue; // a scalar: free
        total += 1 + multiplier * costOf(selection.selectionSet, getNamedType(field.type), seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) ?? parent : parent;
        total += costOf(selection.selectionSet, type, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        const key = `${fragment.name.value}@${type.name}`;
        if (!memo.has(key)) memo.set(key, costOf(fragment.selectionSet, type, new Set(seen).add(fragment.name.value)));
        total += memo.get(key)!;
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

/** The refusal of an operation that would cost more than `maxCost`, if it would. */
export function costRefusal(cost: number, maxCost: number): GraphQLError | undefined {
  if (cost <= maxCost) return undefined;
  return limitError('QUERY_TOO_COSTLY', `The operation would cost ${cost}; the limit is ${maxCost}. Ask for smaller pages or fewer nested lists.`);
}
