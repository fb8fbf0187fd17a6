// A client's mistake that only the database or Pothos noticed becomes a typed error here, and
// only here (issue 17). Two places apply it: a Pothos plugin (below) on every root Query,
// Mutation and Subscription field, inside the errors plugin, so a mapped error becomes a member
// of the field's result union; and the server's masking (server/plugins/masking.ts), the safety
// net for everything else (nested fields, subscription events, errors wrapped on the way).
// Anything not recognised is returned unchanged and masked as INTERNAL_SERVER_ERROR: that code
// means a bug here. No SQL text and no constraint internals leave this file, only field names.
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
  ForbiddenError,
  NotFoundError,
  QuotaExceededError,
  TransactionConflictError,
  ValidationError,
} from './errors';

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** What PostgreSQL said, wherever a wrapper put it. */
export interface SqlError {
  code: string;
  message: string;
  detail?: string;
  column?: string;
  constraint?: string;
  table?: string;
  /** Key columns, when the driver adapter parsed them out of the detail. */
  fields?: string[];
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * The PostgreSQL error inside `error`: a node-postgres DatabaseError (the tenant statement path,
 * pool.query), the driver adapter's cause inside a Prisma error (model operations, $queryRaw,
 * interactive transactions), or either of them as some wrapper's `cause`.
 */
export function sqlErrorOf(error: unknown, depth = 0): SqlError | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const e = error as {
    code?: unknown;
    severity?: unknown;
    message?: unknown;
    detail?: unknown;
    column?: unknown;
    constraint?: unknown;
    table?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: { cause?: Record<string, unknown> } };
  };
  const adapter = e.meta?.driverAdapterError?.cause;
  if (adapter && typeof adapter.originalCode === 'string' && SQLSTATE.test(adapter.originalCode)) {
    // @prisma/adapter-pg keeps some of node-postgres' fields and reshapes others (a unique
    // violation's constraint becomes { index } or { fields }).
    const constraint = adapter.constraint as { index?: unknown; fields?: unknown } | string | undefined;
    const index = typeof constraint === 'object' ? str(constraint.index) : str(constraint);
    const fields =
      typeof constraint === 'object' && Array.isArray(constraint.fields) ? constraint.fields.map(String) : undefined;
    return {
      code: adapter.originalCode,
      message: str(adapter.originalMessage) ?? '',
      detail: str(adapter.detail),
      column: str(adapter.column),
      constraint: index,
      table: str(adapter.table),
      fields,
    };
  }
  // node-postgres: a DatabaseError carries the SQLSTATE in `code` and always a `severity`.
  if (typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string') {
    return {
      code: e.code,
      message: str(e.message) ?? '',
      detail: str(e.detail),
      column: str(e.column),
      constraint: str(e.constraint),
      table: str(e.table),
    };
  }
  return sqlErrorOf(e.cause, depth + 1);
}

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
 * The key columns of a unique or exclusion violation, without the tenant's, from the detail
 * ("Key (creator_id, email)=(...)": never its values) or the adapter's fields; failing both, the
 * index name without its table and suffix, as words (users_creator_id_channel_external_id_key ->
 * "channel external id").
 */
function keyFields(sql: SqlError): string[] {
  const columns = /^Key \(([^)]*)\)=/.exec(sql.detail ?? '')?.[1]?.split(',') ?? sql.fields;
  if (columns)
    return columns
      .map((c) => camel(c.trim().replace(/"/g, '')))
      .filter((c) => c && c !== 'creatorId' && /^[A-Za-z0-9]+$/.test(c));
  const index =
    sql.constraint && sql.table && sql.constraint.startsWith(`${sql.table}_`)
      ? sql.constraint.slice(sql.table.length + 1)
      : '';
  const words = index.replace(/_(key|idx|excl)$/, '').replace(/^creator_id_?/, '');
  return /^[a-z0-9_]+$/.test(words) ? [words.replace(/_/g, ' ')] : [];
}

/** The field a CHECK constraint guards: users_channel_check -> channel. */
function checkedField(constraint: string): string {
  return camel(constraint.replace(/^[a-z_]+?_(?=[a-z_]+_check$)/, '').replace(/_check$/, ''));
}

/** A typed error for a class 22, 23, 40, 54 or 57014 SQLSTATE; undefined for anything else. */
export function mapSqlError(sql: SqlError, path = 'input', model = 'Record'): GraphQLError | undefined {
  const invalid = (message: string) => new ValidationError([{ path, message }]);
  switch (sql.code) {
    case '22001':
      return invalid('is too long');
    case '22003':
      return invalid('is out of range');
    case '22007':
    case '22008':
      return invalid('is not a valid date or time in the supported range');
    case '22021':
    case '22P05':
      return invalid('contains characters that cannot be stored (NUL or invalid Unicode)');
    case '22P02':
      return invalid('is not of the expected form');
    case '2201B':
      return invalid('is not a valid regular expression');
    case '23502': {
      const column = sql.column ?? /column "([a-z_]+)"/.exec(sql.message)?.[1];
      return new ValidationError([{ path: column ? camel(column) : path, message: 'is required' }]);
    }
    case '23503':
      // A reference to a row this tenant cannot see: missing, or another tenant's.
      return new NotFoundError('Referenced record');
    case '23505': {
      const fields = keyFields(sql);
      return new ConflictError(`A ${model} with this ${fields.join(' and ') || 'value'} already exists`);
    }
    case '23514': {
      const constraint = sql.constraint ?? /constraint "([^"]+)"/.exec(sql.message)?.[1] ?? '';
      return new ValidationError([{ path: checkedField(constraint) || path, message: 'is not an allowed value' }]);
    }
    case '23P01':
      return new ConflictError(`This ${keyFields(sql).join(' and ') || 'value'} overlaps an existing one`);
    case '23001':
      return new ConflictError('The record is still referenced by others');
    case '40001':
    case '40P01':
    case '55P03':
      return new TransactionConflictError();
    case '42501':
      // Row-level security refused the row (WITH CHECK): another tenant's.
      return /row-level security/.test(sql.message) ? new ForbiddenError() : undefined;
    case '57014':
      return new GraphQLError('The request ran out of time: ask for less at once', {
        extensions: { code: 'REQUEST_TIMEOUT' },
      });
    default:
      break;
  }
  if (sql.code.startsWith('22')) return invalid('is not a value the database accepts');
  if (sql.code.startsWith('23')) return new ConflictError('The change conflicts with existing data');
  // 54000 program_limit_exceeded (an index row past 2,704 bytes, say), 54001 too complex.
  if (sql.code.startsWith('54')) return invalid('is too large for the database to store or search');
  return undefined;
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
