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
  return {
    async requestDidStart({ contextValue }) {
      let counted = false;
      return {
        async didResolveOperation({ document, operationName, request }) {
          counted = true;
          const cost = operationCost(schema, document, operationName, request.variables ?? {});
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
