// The resolver time budget: once a request has run past its budget, every field that has not
// started yet fails with REQUEST_TIMEOUT instead of starting more work. Statements already
// sent are bounded by the statement timeout; this bounds how many more are sent. The check is
// synchronous (no promise per field) and is skipped when the context has no deadline
// (subscription events: each push is short, and the operation itself lives for hours).
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { GraphQLError, OperationTypeNode, type GraphQLFieldResolver } from 'graphql';

export class TimeBudgetPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    _fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      const deadline = (context as { deadline?: number }).deadline;
      // Not in a mutation: its write may have committed, and failing its payload would make a
      // client retry a write that happened (statements stay bounded by the statement timeout).
      if (deadline !== undefined && info.operation.operation !== OperationTypeNode.MUTATION && Date.now() > deadline) {
        throw new GraphQLError('The request ran out of time: ask for less at once', {
          extensions: { code: 'REQUEST_TIMEOUT' },
        });
      }
      return resolver(parent, args, context, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      timeBudget: TimeBudgetPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('timeBudget', TimeBudgetPlugin);
