// The cost limit and the tenant's rate limits over HTTP. They run once the operation is known
// and its variables are in hand, which a validation rule never sees, and share one computation
// of the operation's cost.
//
// The request is counted against the request rate when it starts; a refusal is sent from
// didResolveOperation, before anything runs (Apollo sends request-level errors from there with
// their HTTP status and headers). An operation over the cost limit is refused and spends
// nothing; one within it spends its cost from the tenant's cost per minute.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import { costRefusal, operationCost, type QueryLimits } from '../limits';
import type { TenantRateLimiter } from '../rate-limit';

export function costPlugin(schema: GraphQLSchema, limits: QueryLimits, rateLimiter?: TenantRateLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const refused = await rateLimiter?.check(contextValue);
      return {
        async didResolveOperation({ document, operationName, request }) {
          if (refused) throw refused;
          const cost = operationCost(schema, document, operationName, request.variables ?? {});
          const tooCostly = costRefusal(cost, limits.maxCost);
          if (tooCostly) throw tooCostly;
          const overBudget = await rateLimiter?.spend(contextValue, cost);
          if (overBudget) throw overBudget;
        },
      };
    },
  };
}
