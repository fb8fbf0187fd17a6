// Database errors become typed errors here, and only here. A Pothos plugin (below) applies it to
// every root Query and Mutation resolver; it sits inside the errors plugin, so a mapped error
// becomes a member of the field's result union. Anything not recognised is rethrown unchanged
// and masked by the server as INTERNAL_SERVER_ERROR.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { Prisma } from '../generated/prisma/client';
import { AppError, ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, ValidationError } from './errors';

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The PostgreSQL error under a Prisma error, when the driver adapter passed one through. */
function pgCause(error: unknown): { code?: string; constraint?: string; message?: string } | undefined {
  const e = error as { cause?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string; constraint?: unknown } } } };
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause?.originalCode) return { code: cause.originalCode, message: cause.originalMessage };
  return undefined;
}

/**
 * The plan-quota triggers (plan_quotas migration) fail with SQLSTATE CGQ01 and the message
 * "QUOTA_EXCEEDED {limit, max, used}". The message survives every wrapper (model operations,
 * raw queries, interactive transactions), so it is read from there.
 */
function quotaExceeded(error: unknown): QuotaExceededError | undefined {
  const e = error as { message?: unknown; meta?: unknown; cause?: unknown };
  const text = `${String(e.message ?? '')} ${safeJson(e.meta)} ${safeJson((e.cause as { message?: unknown } | undefined)?.message)}`;
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

export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const quota = quotaExceeded(error);
  if (quota) return quota;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const model = (error.meta?.modelName as string | undefined) ?? 'Record';
    switch (error.code) {
      case 'P2002': {
        const target = (error.meta?.target as string[] | string | undefined) ?? (error.meta?.driverAdapterError as { cause?: { constraint?: { fields?: string[] } } } | undefined)?.cause?.constraint?.fields;
        const fields = (Array.isArray(target) ? target : target ? [target] : []).map((f) => camel(String(f).replace(/"/g, ''))).filter((f) => f !== 'creatorId');
        return new ConflictError(`A ${model} with this ${fields.join(' and ') || 'value'} already exists`);
      }
      case 'P2003':
        // A reference to a row this tenant cannot see: missing, or another tenant's.
        return new NotFoundError('Referenced record');
      case 'P2025':
      case 'P2015':
      case 'P2018':
        return new NotFoundError(model);
      case 'P2011':
      case 'P2012':
        return new ValidationError([{ path: String(error.meta?.constraint ?? error.meta?.target ?? 'input'), message: 'is required' }]);
      default:
        break;
    }
    const cause = pgCause(error);
    if (cause?.code === '23514') {
      const constraint = /constraint "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? '';
      const field = camel(constraint.replace(/^[a-z_]+?_(?=[a-z_]+_check$)/, '').replace(/_check$/, ''));
      return new ValidationError([{ path: field || 'input', message: 'is not an allowed value' }]);
    }
    if (cause?.code === '42501') return new ForbiddenError();
  }
  return error;
}

export class DatabaseErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>) {
    if (fieldConfig.parentType !== 'Query' && fieldConfig.parentType !== 'Mutation') return resolver;
    return async (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      try {
        return await resolver(parent, args, context, info);
      } catch (error) {
        throw mapDatabaseError(error);
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
