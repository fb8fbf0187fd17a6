// The cost limit over HTTP. It runs once the operation is known and its variables are in hand,
// which a validation rule never sees.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../context';
import { checkCost, type QueryLimits } from '../limits';

export function costPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          const error = checkCost(schema, document, operationName, request.variables, limits);
          if (error) throw error;
        },
      };
    },
  };
}
