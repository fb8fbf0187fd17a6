// The tenant boundary in the application: every query a request makes runs in a transaction
// that first sets app.current_creator_id, transaction-local, so that PostgreSQL's row-level
// security policies (prisma/migrations/*_row_level_security) decide what it can see and write.
//
// Two entry points:
//   tenantClient(base, creatorId)              one transaction per Prisma operation
//   withTenantTransaction(base, creatorId, fn) one transaction for a multi-step write
//
// set_config(..., true) is transaction-local: when the transaction ends the setting is gone, so
// a pooled connection never carries one tenant's id into the next request. A session-level
// setting (is_local = false) would leak; never use one.
//
// How the setting travels (docs/tenant-wire-path.md; bench/NOTES.md has the measurements): a
// tenant operation runs inside a wire scope, and the pool (tenant-wire.ts) sends each of its
// statements together with the settings, in one round trip and one implicit transaction, or
// turns the BEGIN of a transaction Prisma opens itself (nested writes, withTenantTransaction) into
// `BEGIN; SELECT set_config(...)`, also one round trip. Statements of one operation outside such a
// transaction (the levels of a nested read) are separate implicit transactions: under READ
// COMMITTED, the default, each statement of an explicit transaction takes its own snapshot
// anyway, so a read loses nothing, and every multi-statement write Prisma wraps in a transaction.
// Wrapping each operation in Prisma's own $transaction([set_config, operation]) instead cost about
// 1 ms of CPU per operation: Prisma compiles such a batch afresh every time.
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { currentAuditActor } from './audit-context';
import { boundedCache, memo, type LRUCache } from '../cache';
import { beginSql, TENANT_SETTINGS_SQL, wireScope, type WireScope } from './tenant-wire';
import { TenantShare, type TenantShareOptions } from './tenant-share';
import { compiledRead, readPoolOf, runCompiledRead } from './sql-read/read';
import { sqlModels } from './sql-read/model';
import { stripVirtual } from './sql-read/virtual';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TenantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantError';
  }
}

/** A creator id must be a UUID: anything else is a programming error, never a query. */
export function assertCreatorId(creatorId: unknown): asserts creatorId is string {
  if (typeof creatorId !== 'string' || !UUID.test(creatorId)) {
    throw new TenantError('tenant id must be a UUID');
  }
}

/**
 * How long one statement of a tenant transaction may run (milliseconds). Set with the tenant, in
 * the same statement, transaction-local: it costs no round trip and holds behind PgBouncer in
 * transaction mode, where a session setting would not.
 */
let statementTimeoutMs = 5_000;

export function setStatementTimeout(ms: number): void {
  statementTimeoutMs = ms;
}

function tenantSettings(creatorId: string): string[] {
  assertCreatorId(creatorId);
  const actor = currentAuditActor();
  return [
    creatorId,
    String(Math.trunc(statementTimeoutMs)),
    `${actor.actorType}:${actor.actorId ?? ''}`,
    actor.requestId ?? '',
    actor.reason ?? '',
  ];
}

function newScope(creatorId: string, pipelined: boolean): WireScope {
  const settings = tenantSettings(creatorId);
  let begin: string | undefined;
  return {
    get begin() {
      return (begin ??= beginSql(settings));
    },
    settings,
    pipelined,
  };
}

/** Each base client's per-tenant share of its pool (tenant-share.ts); none: unbounded. */
const shares = new WeakMap<PrismaClient, TenantShare>();

/** Bounds what one tenant may hold of `base`'s pool at once (see tenant-share.ts). */
export function setTenantShare(base: PrismaClient, options: TenantShareOptions): TenantShare {
  const share = new TenantShare(options);
  shares.set(base, share);
  return share;
}

export function tenantShareOf(base: PrismaClient): TenantShare | undefined {
  return shares.get(base);
}

/** Runs a tenant operation on one of its tenant's permits, when `base` has a share. */
function withinShare<T>(base: PrismaClient, creatorId: string, operation: () => Promise<T>): Promise<T> {
  const share = shares.get(base);
  return share ? share.run(creatorId, operation) : operation();
}

/**
 * The one place a tenant scope is entered: `operation` runs on one of its tenant's permits, and
 * every statement it sends finds the tenant (and the audit actor) in the wire scope. `pipelined`:
 * each statement carries the settings (one Prisma operation); otherwise the transaction's BEGIN
 * does (withTenantTransaction).
 */
function runScoped<T>(
  base: PrismaClient,
  creatorId: string,
  pipelined: boolean,
  operation: () => Promise<T>,
): Promise<T> {
  const scope = newScope(creatorId, pipelined);
  // Prisma's promises are lazy: the operation starts at then(), which must happen inside the
  // scope for its statements to find it.
  return withinShare(base, creatorId, () => wireScope.run(scope, () => operation().then((result) => result)));
}

// The same settings as the first statement of an open transaction (for the rare transaction that
// must set its isolation level first, which has to come straight after BEGIN).
function setTenant(tx: TenantTransaction, creatorId: string) {
  return tx.$executeRawUnsafe(TENANT_SETTINGS_SQL, ...tenantSettings(creatorId));
}

// A GraphQL selection of nothing but __typename gives Prisma `select: {}`, which it rejects;
// select the id alone instead (every model has one).
function withoutEmptySelect<T>(args: T): T {
  const select = (args as { select?: object } | undefined)?.select;
  return select && Object.keys(select).length === 0 ? { ...args, select: { id: true } } : args;
}

function makeTenantClient(base: PrismaClient, creatorId: string) {
  return base.$extends({
    name: 'tenant',
    query: {
      // Model operations and raw queries alike: nothing reaches the database unscoped. A nested
      // read the compiler supports is one statement (sql-read/compile.ts), sent inside the same
      // scope; every other operation is Prisma's, without the virtual columns it does not know.
      $allOperations({ model, operation, args, query }) {
        const compiled = compiledRead(base, model, operation, args);
        if (compiled) return runScoped(base, creatorId, true, () => runCompiledRead(base, compiled));
        return runScoped(base, creatorId, true, () =>
          query(withoutEmptySelect(model === undefined ? args : stripVirtual(sqlModels(base), model, args))),
        );
      },
    },
    client: {
      // Prisma's interactive transactions cannot nest the per-operation transaction above;
      // a multi-step write goes through withTenantTransaction, which sets the tenant once.
      $transaction(): never {
        throw new TenantError('use withTenantTransaction() for multi-step writes on a tenant client');
      },
    },
  });
}

/** Each model delegate's property name (`programEnrollment`) and its model (`ProgramEnrollment`). */
const delegateModels = (base: PrismaClient): ReadonlyMap<string, string> =>
  new Map([...sqlModels(base).keys()].map((model) => [model[0]!.toLowerCase() + model.slice(1), model]));

/** What a tenant client's model delegates answer themselves when compiled: reads and counts. */
const COMPILED_OPERATIONS = new Set(['findUnique', 'findFirst', 'findMany', 'count']);

/**
 * The tenant client as resolvers get it: a read the compiler supports is sent straight from the
 * model delegate, inside the same tenant scope as through the hook above, and never enters
 * Prisma's client. That machinery (its query-extension chain and then a walk of the whole result
 * for result extensions, which runs whenever a client has any extension) cost more CPU than the
 * compiled read itself: about 9% of a nested page's request. Everything else, and every read the
 * compiler declines, goes to the extended client unchanged. The answer is a plain promise, not a
 * lazy PrismaPromise: a tenant client has no batch $transaction to hand one to.
 */
function withCompiledReads<C extends object>(base: PrismaClient, creatorId: string, client: C): C {
  const models = delegateModels(base);
  const delegates = new Map<string, unknown>();
  return new Proxy(client, {
    get(target, property) {
      const value = (target as Record<PropertyKey, unknown>)[property];
      const model = typeof property === 'string' ? models.get(property) : undefined;
      if (model === undefined || typeof value !== 'object' || value === null) return value;
      let delegate = delegates.get(property as string);
      if (delegate === undefined) {
        const inner = value as Record<PropertyKey, unknown>;
        delegate = new Proxy(inner, {
          get(delegateTarget, operation) {
            const method = delegateTarget[operation];
            if (typeof operation !== 'string' || !COMPILED_OPERATIONS.has(operation) || typeof method !== 'function')
              return method;
            return (args: unknown) => {
              let compiled;
              try {
                compiled = compiledRead(base, model, operation, args);
              } catch (error) {
                // As a rejected promise, like Prisma's own calls: never a synchronous throw.
                return Promise.reject(error instanceof Error ? error : new Error(String(error)));
              }
              if (!compiled) return (method as (a: unknown) => unknown).call(delegateTarget, args);
              return runScoped(base, creatorId, true, () => runCompiledRead(base, compiled));
            };
          },
        });
        delegates.set(property as string, delegate);
      }
      return delegate;
    },
  });
}

export type TenantClient = ReturnType<typeof makeTenantClient>;

/**
 * A raw read (`$1`-style parameters) in `creatorId`'s scope, sent through the pool as
 * `{ text, values }` like a compiled read: behind the tenant settings, on one of the tenant's
 * permits, row-level security deciding. Prisma's $queryRaw runs even a raw statement through its
 * query interpreter, about 6% of a partner call's CPU (bench/NOTES.md). With compiled reads off
 * (SQL_READS=off), it is Prisma's $queryRawUnsafe, as before. Rows come as pg parses them: int8
 * and numeric as strings.
 */
export function tenantRawQuery<R>(
  base: PrismaClient,
  creatorId: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  assertCreatorId(creatorId);
  const pool = readPoolOf(base);
  if (!pool) return tenantClient(base, creatorId).$queryRawUnsafe<R[]>(text, ...values);
  return runScoped(base, creatorId, true, async () => (await pool.query({ text, values })).rows as R[]);
}
export type TenantTransaction = Prisma.TransactionClient;

// Building an extended client costs about 88 µs, and a busy tenant sends many requests: keep
// the most recently used ones, bounded so a long-running process with many tenants does not grow
// without limit.
const CACHE_LIMIT = 1_000;
const cache = new WeakMap<PrismaClient, LRUCache<string, TenantClient>>();

export function tenantClient(base: PrismaClient, creatorId: string): TenantClient {
  assertCreatorId(creatorId);
  let perBase = cache.get(base);
  if (!perBase) cache.set(base, (perBase = boundedCache({ max: CACHE_LIMIT })));
  return memo(perBase, creatorId, () => withCompiledReads(base, creatorId, makeTenantClient(base, creatorId)));
}

export interface TenantTransactionOptions {
  isolationLevel?: Prisma.TransactionIsolationLevel;
  /** Milliseconds to wait for a connection. */
  maxWait?: number;
  /** Milliseconds the whole transaction may take. */
  timeout?: number;
}

/**
 * Runs `fn` in one transaction scoped to `creatorId`: the tenant is set once, then every
 * statement `fn` sends through `tx` is subject to row-level security for that tenant. Use it
 * for every multi-step write, so the steps commit or roll back together.
 */
export async function withTenantTransaction<T>(
  base: PrismaClient,
  creatorId: string,
  fn: (tx: TenantTransaction) => Promise<T>,
  options: TenantTransactionOptions = {},
): Promise<T> {
  assertCreatorId(creatorId);
  const settings = {
    maxWait: options.maxWait ?? 5_000,
    timeout: options.timeout ?? 15_000,
    isolationLevel: options.isolationLevel,
  };
  if (options.isolationLevel) {
    // SET TRANSACTION ISOLATION LEVEL must follow BEGIN directly: set the tenant after it.
    return withinShare(base, creatorId, () =>
      wireScope.exit(() =>
        base.$transaction(async (tx) => {
          await setTenant(tx, creatorId);
          return fn(tx);
        }, settings),
      ),
    );
  }
  return runScoped(base, creatorId, false, () => base.$transaction(fn, settings));
}
