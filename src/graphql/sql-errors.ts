// What PostgreSQL said, read out of whichever wrapper carried it (node-postgres, the Prisma
// driver adapter, a `cause` chain), and the typed error each SQLSTATE class means for the client.
// database-errors.ts applies it. No SQL text and no constraint internals leave this file, only
// field names.
import { GraphQLError } from 'graphql';
import { ConflictError, ForbiddenError, NotFoundError, TransactionConflictError, ValidationError } from './errors';

/** snake_case column name to the camelCase field name. */
export const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

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
/** `v` if it is a string, else undefined. */
export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

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
