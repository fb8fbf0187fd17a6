// Query limits, one definition for HTTP and WebSocket alike: how deep an operation may nest,
// and how many aliases and directives it may use (config/limits.ts). What it may cost is
// operation-cost.ts; how large its answer may be, response-size.ts.
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from '../config/limits';

// Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; `limit` carries the
// specific code, which formatError (plugins/masking.ts) restores for HTTP and WebSocket alike.
export function limitError(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, limit: code, http: { status: 400 } } });
}

// Fragments are measured once each (memo): a "fragment bomb" (each fragment spreading the next
// twice) would otherwise take exponential time here, before any limit could refuse it.
function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  seen: Set<string>,
  memo = new Map<string, number>(),
): number {
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

export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = depthOf(node.selectionSet, fragmentsOf(context.getDocument()), new Set());
      if (depth > maxDepth)
        context.reportError(
          limitError('QUERY_TOO_DEEP', `The operation nests ${depth} levels deep; the limit is ${maxDepth}.`),
        );
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
          context.reportError(
            limitError('TOO_MANY_DIRECTIVES', `The document uses more than ${maxDirectives} directives.`),
          );
        }
      },
    };
  };
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
}
