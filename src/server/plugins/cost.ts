// The cost limit, the tenant's rate limits and the per-source limits of the auth mutations,
// over HTTP and WebSocket alike (admitOperation). They run once the operation is known and its
// variables are in hand, which a validation rule never sees, and share one computation of the
// operation's cost.
//
// What counts: each root field of the operation is one request (by response key, without
// __typename), for queries, mutations and subscriptions alike, so 30 aliased mutations are 30
// requests, and an operation of only __typename is one. An operation over the cost limit is
// refused and counts nothing. Otherwise its requests and its cost are taken from the tenant's
// (and API key's) rates in one atomic step: all of it fits, or the request is refused (429,
// Retry-After, RATE_LIMITED) and counts nothing. The auth mutations (signUp, logIn, adminLogIn,
// refreshSession, logOut) count against the client address first, signed in or not. A request
// that never reaches an operation (a syntax or validation error) counts as one request.
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { Context } from '../../graphql/context';
import { costRefusal, operationCost } from '../operation-cost';
import type { QueryLimits } from '../../config/limits';
import { rootFieldsOf, type TenantRateLimiter } from '../rate-limit';

/** Past this, a key costs more to keep than the cost is to compute again. */
const MAX_COST_KEY_LENGTH = 2_048;
/** Keys kept per document (its operations and variables' shapes), the first in going first. */
const MAX_COSTS_PER_DOCUMENT = 32;

/**
 * What an operation's cost depends on besides its document: the operation's name and its
 * variables as operationCost reads them. It reads numbers by value, and strings only by length
 * (the bytes a request sends; a string is never a page size), so ids and texts of one length
 * share a key. undefined for variables that are not plain JSON data (never the case over HTTP
 * or WebSocket; then the cost is computed each time) or too large to be worth keeping.
 */
function costKey(operationName: string | null | undefined, variables: Record<string, unknown>): string | undefined {
  // No variables (a plain object with no keys): the name alone, as the general case below writes it.
  if (Object.getPrototypeOf(variables) === Object.prototype && !hasKeys(variables))
    return `${JSON.stringify(operationName || '')}{}`;
  let plain = true;
  const json = JSON.stringify(variables, function (this: Record<string, unknown>, name, value: unknown) {
    // A value with toJSON (a Date) is not what operationCost reads.
    if (this[name] !== value) plain = false;
    if (typeof value === 'string') return `#${value.length}`;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) plain = false;
    } else if (value === undefined || typeof value === 'bigint' || typeof value === 'function') {
      plain = false;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) plain = false;
    }
    return value;
  });
  // operationCost takes a missing and an empty name alike.
  const key = `${JSON.stringify(operationName || '')}${json}`;
  return plain && key.length <= MAX_COST_KEY_LENGTH ? key : undefined;
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/**
 * operationCost, kept per parsed document (Apollo and the WebSocket server reuse one
 * DocumentNode per query text) and cost key: a repeated operation is not priced again.
 */
export function memoisedOperationCost(schema: GraphQLSchema) {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return (document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>) => {
    const key = costKey(operationName, variables);
    if (key === undefined) return operationCost(schema, document, operationName, variables);
    let byKey = costs.get(document);
    if (!byKey) costs.set(document, (byKey = new Map<string, number>()));
    let cost = byKey.get(key);
    if (cost === undefined) {
      cost = operationCost(schema, document, operationName, variables);
      if (byKey.size >= MAX_COSTS_PER_DOCUMENT) byKey.delete(byKey.keys().next().value!);
      byKey.set(key, cost);
    }
    return cost;
  };
}

/** The refusal of an operation by its cost or a rate, if any; else it is counted. */
export async function admitOperation(
  ctx: Context,
  document: DocumentNode,
  operationName: string | null | undefined,
  cost: number,
  maxCost: number,
  rateLimiter: TenantRateLimiter | undefined,
): Promise<GraphQLError | undefined> {
  const tooCostly = costRefusal(cost, maxCost);
  if (tooCostly) return tooCostly;
  const fields = rootFieldsOf(document, operationName);
  const source = await ctx.authGuard?.admitSource(ctx, fields);
  if (source) return source;
  return rateLimiter?.admit(ctx, Math.max(1, fields.length), cost);
}

export function costPlugin(
  schema: GraphQLSchema,
  limits: QueryLimits,
  rateLimiter?: TenantRateLimiter,
): ApolloServerPlugin<Context> {
  const costOf = memoisedOperationCost(schema);
  return {
    async requestDidStart({ contextValue }) {
      let counted = false;
      return {
        async didResolveOperation({ document, operationName, request }) {
          counted = true;
          const cost = costOf(document, operationName, request.variables ?? {});
          const refused = await admitOperation(
            contextValue,
            document,
            operationName,
            cost,
            limits.maxCost,
            rateLimiter,
          );
          if (refused) throw refused;
        },
        async didEncounterErrors() {
          // Refused before any operation (syntax, validation): still one request of the tenant.
          if (counted) return;
          counted = true;
          await rateLimiter?.check(contextValue, 1);
        },
      };
    },
  };
}
