// The resolver time budget: once a request has run past its budget, every field that has not
// started yet fails with REQUEST_TIMEOUT instead of starting more work. Statements already
// sent are bounded by the statement timeout; this bounds how many more are sent. The check is
// synchronous (no promise per field) and is skipped when the context has no deadline
// (subscription events: each push is short, and the operation itself lives for hours).
//
// Only fields that can start work are wrapped: a plain exposed scalar (or a field with no
// resolver) reads its parent's value and sends nothing, so checking the clock there is CPU
// for nothing (a third of the schema's fields, most of a nested page's leaves). An exposed field
// that plugin-prisma may load when its parent lacks it (pothosPrismaSelect), or with its own
// auth scopes, is still wrapped.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { defaultFieldResolver, GraphQLError, OperationTypeNode, type GraphQLFieldResolver } from 'graphql';

/** True for a field whose resolver only reads its parent: a scalar expose no plugin loads or guards. */
function cannotStartWork(fieldConfig: PothosOutputFieldConfig<SchemaTypes>): boolean {
  const extensions = (fieldConfig.extensions ?? {}) as Record<string, unknown>;
  const plainResolver =
    extensions.pothosExposedField !== undefined ||
    extensions.pothosOriginalResolve === undefined ||
    extensions.pothosOriginalResolve === defaultFieldResolver;
  if (!plainResolver) return false;
  if (fieldConfig.type.kind !== 'Scalar' && fieldConfig.type.kind !== 'Enum') return false;
  if (
    extensions.pothosPrismaSelect !== undefined ||
    extensions.pothosPrismaFallback !== undefined ||
    extensions.pothosPrismaRelationField !== undefined
  )
    return false;
  return (fieldConfig.pothosOptions as { authScopes?: unknown }).authScopes === undefined;
}

export class TimeBudgetPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    if (cannotStartWork(fieldConfig as PothosOutputFieldConfig<SchemaTypes>)) return resolver;
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
