// A client's mistake that only the database or Pothos noticed becomes a typed error here, and
// only here (issue 17). Two places apply it: a Pothos plugin (below) on every root Query,
// Mutation and Subscription field, inside the errors plugin, so a mapped error becomes a member
// of the field's result union; and the server's masking (server/plugins/masking.ts), the safety
// net for everything else (nested fields, subscription events, errors wrapped on the way).
// Anything not recognised is returned unchanged and masked as INTERNAL_SERVER_ERROR: that code
// means a bug here. Reading what PostgreSQL said, and the typed error for each SQLSTATE, is
// sql-errors.ts' job. No SQL text and no constraint internals leave either file, only field names.
import SchemaBuilder, {
  BasePlugin,
  PothosValidationError,
  type PothosOutputFieldConfig,
  type SchemaTypes,
} from '@pothos/core';
import { GraphQLError, type GraphQLFieldResolver } from 'graphql';
import { Prisma } from '../generated/prisma/client';
import {
  AppError,
  ConflictError,
  NotFoundError,
  QuotaExceededError,
  TransactionConflictError,
  ValidationError,
} from './errors';
import { camel, mapSqlError, sqlErrorOf, str } from './sql-errors';

/**
 * The plan-quota triggers (plan_quotas migration) fail with SQLSTATE CGQ01 and the message
 * "QUOTA_EXCEEDED {limit, max, used}". The message survives every wrapper (model operations,
 * raw queries, interactive transactions), so it is read from there.
 */
function quotaExceeded(error: unknown): QuotaExceededError | undefined {
  const e = error as { message?: unknown; meta?: unknown; cause?: unknown };
  const text = `${str(e.message) ?? ''} ${safeJson(e.meta)} ${safeJson((e.cause as { message?: unknown } | undefined)?.message)}`;
  if (!text.includes('QUOTA_EXCEEDED')) return undefined;
  const match = /QUOTA_EXCEEDED (\{[^}]*\})/.exec(text.replace(/\\"/g, '"'));
  if (!match) return undefined;
  try {
    const q = JSON.parse(match[1]!) as { limit: string; max: number; used: number };
    return new QuotaExceededError(q.limit, Number(q.max), Number(q.used));
  } catch {
    return undefined;
  }
}

function safeJson(value: unknown): string {
  try {
    return value === undefined ? '' : JSON.stringify(value);
  } catch {
    return '';
  }
}

/**
 * Typed errors for the client's mistakes that surface as database or Pothos errors, and
 * `error` itself for anything else. `path` names the argument when the database cannot.
 */
export function mapDatabaseError(error: unknown, path = 'input'): unknown {
  if (error instanceof AppError) return error;
  // Pothos' own input checks (first: -1, last without first or before, a malformed global id):
  // GraphQLErrors without a code, which would be reported as INTERNAL_SERVER_ERROR.
  if (
    error instanceof PothosValidationError ||
    (error instanceof GraphQLError && error.name === 'PothosValidationError')
  ) {
    return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (error instanceof GraphQLError || !error || typeof error !== 'object') return error;
  const quota = quotaExceeded(error);
  if (quota) return quota;
  let model = 'Record';
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    model = (error.meta?.modelName as string | undefined) ?? 'Record';
    switch (error.code) {
      case 'P2002': {
        const target =
          (error.meta?.target as string[] | string | undefined) ??
          (error.meta?.driverAdapterError as { cause?: { constraint?: { fields?: string[] } } } | undefined)?.cause
            ?.constraint?.fields;
        const fields = (Array.isArray(target) ? target : target ? [target] : [])
          .map((f) => camel(String(f).replace(/"/g, '')))
          .filter((f) => f !== 'creatorId');
        return new ConflictError(`A ${model} with this ${fields.join(' and ') || 'value'} already exists`);
      }
      case 'P2003':
        return new NotFoundError('Referenced record');
      case 'P2025':
      case 'P2015':
      case 'P2018':
        return new NotFoundError(model);
      case 'P2011':
      case 'P2012': {
        const column = error.meta?.constraint ?? error.meta?.target;
        return new ValidationError([
          {
            path: typeof column === 'string' ? column : Array.isArray(column) ? column.join() : path,
            message: 'is required',
          },
        ]);
      }
      case 'P2000':
        return new ValidationError([
          {
            path: typeof error.meta?.column_name === 'string' ? camel(error.meta.column_name) : path,
            message: 'is too long',
          },
        ]);
      case 'P2020':
        return new ValidationError([{ path, message: 'is out of range' }]);
      case 'P2034':
        return new TransactionConflictError();
      default:
        break;
    }
  }
  const sql = sqlErrorOf(error);
  return (sql && mapSqlError(sql, path, model)) ?? error;
}

/** The argument a database error is reported against: `input` if the field has one. */
function argumentPath(args: object): string {
  const names = Object.keys(args);
  return names.includes('input') ? 'input' : (names[0] ?? 'input');
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

export class DatabaseErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    if (!ROOTS.has(fieldConfig.parentType)) return resolver;
    const path = argumentPath(fieldConfig.args);
    return async (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      try {
        return await resolver(parent, args, context, info);
      } catch (error) {
        throw mapDatabaseError(error, path);
      }
    };
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    if (!subscribe) return subscribe;
    const path = argumentPath(fieldConfig.args);
    return async (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof subscribe>[3]) => {
      try {
        return await subscribe(parent, args, context, info);
      } catch (error) {
        throw mapDatabaseError(error, path);
      }
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      databaseErrors: DatabaseErrorsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('databaseErrors', DatabaseErrorsPlugin);
