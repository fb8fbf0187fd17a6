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
// How the setting travels (bench/NOTES.md has the measurements): the tenant's operation runs
// inside tenantScope (AsyncLocalStorage), and the BEGIN that Prisma sends to open its
// transaction leaves as `BEGIN; SELECT set_config(...)`, one simple-protocol round trip
// (installTenantBegin, on every pool). Sending set_config as a Prisma operation of its own cost
// a round trip and about 0.8 ms of CPU per operation: a batch mixing a raw statement with a model
// operation is compiled afresh every time, while a batch of one model operation hits Prisma's
// query-plan cache.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { Prisma } from '../generated/prisma/client';
import type { PrismaClient } from './clients';
import { currentAuditActor } from './audit-context';

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

/** The tenant whose transaction the code running inside it opens (see installTenantBegin). */
const tenantScope = new AsyncLocalStorage<string>();

/**
 * The text that opens a tenant transaction: BEGIN, then the tenant, the statement timeout and the
 * actor for the audit triggers, all transaction-local. Sent as one simple query (no parameters):
 * the creator id is a checked UUID, the rest are escaped literals.
 */
export function tenantBeginSql(creatorId: string): string {
  assertCreatorId(creatorId);
  const actor = currentAuditActor();
  const literal = pg.escapeLiteral;
  return `BEGIN; SELECT set_config('app.current_creator_id', '${creatorId}', true), set_config('statement_timeout', '${Math.trunc(statementTimeoutMs)}', true), set_config('app.actor', ${literal(`${actor.actorType}:${actor.actorId ?? ''}`)}, true), set_config('app.request_id', ${literal(actor.requestId ?? '')}, true), set_config('app.audit_reason', ${literal(actor.reason ?? '')}, true)`;
}

const INSTALLED = Symbol('creatorgraph.tenantBegin');
const TENANT = Symbol('creatorgraph.tenant');

type Callback = (error: Error | null, result?: unknown) => void;

/**
 * Makes the pool's connections scope what tenant code sends (code running in tenantScope):
 *   - a transaction Prisma opens (its parameterless `BEGIN`, a simple query) leaves as
 *     `BEGIN; SELECT set_config(...)`, one round trip;
 *   - a statement sent through pool.query outside a transaction (Prisma runs a single-statement
 *     operation without one) is wrapped in BEGIN + settings / the statement / COMMIT on the
 *     connection it gets.
 * Outside a scope nothing changes. Without a tenant setting, row-level security shows nothing,
 * so a path this misses fails closed.
 */
export function installTenantBegin(pool: pg.Pool): void {
  const marked = pool as pg.Pool & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  // The scope is read where Prisma calls pool.query, and travels with the query: pg-pool hands a
  // waiting query its connection from the callback of whichever query released it, so by the
  // time the statement reaches the connection, AsyncLocalStorage holds the releaser's scope.
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = function scopedPoolQuery(config: unknown, ...rest: unknown[]): unknown {
    const creatorId = tenantScope.getStore();
    // The whole opening statement is built here, in the caller's context: the audit actor is
    // read from AsyncLocalStorage too.
    if (creatorId && config !== null && typeof config === 'object' && !('submit' in config)) config = { ...config, [TENANT]: tenantBeginSql(creatorId) };
    return poolQuery(config, ...rest);
  };
  pool.on('connect', (client) => {
    // Looked up on every call (not bound once), so that instrumentation of pg.Client.prototype
    // (the query-count tests) sees every statement, ours included.
    const proto = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    const original = (...args: unknown[]) => proto.query.apply(client, args);
    const run = (text: string) => new Promise<void>((resolve, reject) => void original(text, (error: Error | null) => (error ? reject(error) : resolve())));
    let inTransaction = false;
    (client as { query: unknown }).query = function tenantAwareQuery(config: unknown, ...rest: unknown[]): unknown {
      const text = typeof config === 'string' ? config : config !== null && typeof config === 'object' && !('submit' in config) ? (config as { text?: unknown }).text : undefined;
      if (text === 'BEGIN') {
        inTransaction = true;
        const creatorId = tenantScope.getStore();
        if (creatorId && typeof config === 'object' && !(config as { values?: unknown[] }).values?.length) config = { ...(config as object), text: tenantBeginSql(creatorId) };
        return original(config, ...rest);
      }
      if (text === 'COMMIT' || text === 'ROLLBACK') {
        inTransaction = false;
        return original(config, ...rest);
      }
      const begin = typeof config === 'object' ? (config as { [TENANT]?: string })[TENANT] : undefined;
      if (!begin || inTransaction || typeof text !== 'string') return original(config, ...rest);
      // One statement outside a transaction: BEGIN + settings, the statement, COMMIT.
      const callback = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as Callback) : undefined;
      inTransaction = true;
      const done = (async () => {
        try {
          await run(begin);
          const result = await (original(config, ...rest) as Promise<unknown>);
          await run('COMMIT');
          return result;
        } catch (error) {
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          inTransaction = false;
        }
      })();
      if (!callback) return done;
      done.then((result) => callback(null, result), (error: Error) => callback(error));
      return undefined;
    };
  });
}

// The same settings as a statement of an open transaction (for the rare transaction that must set
// its isolation level first, which has to come straight after BEGIN).
function setTenant(client: { $executeRaw: PrismaClient['$executeRaw'] }, creatorId: string) {
  const actor = currentAuditActor();
  return client.$executeRaw`SELECT set_config('app.current_creator_id', ${creatorId}, true), set_config('statement_timeout', ${String(statementTimeoutMs)}, true),
    set_config('app.actor', ${`${actor.actorType}:${actor.actorId ?? ''}`}, true), set_config('app.request_id', ${actor.requestId ?? ''}, true), set_config('app.audit_reason', ${actor.reason ?? ''}, true)`;
}

// A GraphQL selection of nothing but __typename gives Prisma `select: {}`, which it rejects;
// select the id alone instead (every model has one).
function withoutEmptySelect<T>(args: T): T {
  const select = (args as { select?: object } | undefined)?.select;
  return select && Object.keys(select).length === 0 ? { ...args, select: { id: true } } : args;
}

// A findUnique where names a compound key as one field ({ creatorId_tokenHash: { creatorId,
// tokenHash } }); a findFirst where takes its fields.
function uniqueWhereAsFilter<T>(args: T): T {
  const where = (args as { where?: Record<string, unknown> } | undefined)?.where;
  if (!where) return args;
  let flattened: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(where)) {
    if (!key.includes('_') || value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) continue;
    const parts = key.split('_');
    const fields = Object.keys(value);
    if (fields.length !== parts.length || !parts.every((part) => fields.includes(part))) continue;
    flattened ??= { ...where };
    delete flattened[key];
    Object.assign(flattened, value);
  }
  return flattened ? { ...args, where: flattened } : args;
}

function makeTenantClient(base: PrismaClient, creatorId: string) {
  return base.$extends({
    name: 'tenant',
    query: {
      // Model operations and raw queries alike: nothing reaches the database unscoped.
      $allOperations({ model, operation, args, query }) {
        // Prisma's promises are lazy: the operation starts at then(), which must happen inside
        // the scope for the connection to see it.
        return tenantScope.run(creatorId, () => {
          // Prisma merges the findUnique calls of one tick, whoever makes them, into one query
          // sent from the first caller's context: another tenant's scope. findFirst is never
          // merged, and on a unique where it finds the same row.
          if (model && (operation === 'findUnique' || operation === 'findUniqueOrThrow')) {
            const delegate = (base as unknown as Record<string, Record<string, (a: unknown) => Promise<unknown>>>)[model.charAt(0).toLowerCase() + model.slice(1)]!;
            return delegate[operation === 'findUnique' ? 'findFirst' : 'findFirstOrThrow']!(uniqueWhereAsFilter(withoutEmptySelect(args))).then((result) => result);
          }
          return query(withoutEmptySelect(args)).then((result) => result);
        });
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

export type TenantClient = ReturnType<typeof makeTenantClient>;
export type TenantTransaction = Prisma.TransactionClient;

// Building an extended client is cheap but not free, and a busy tenant sends many requests:
// keep the most recently used ones. The cache is bounded so a long-running process with many
// tenants does not grow without limit.
const CACHE_LIMIT = 1_000;
const cache = new WeakMap<PrismaClient, Map<string, TenantClient>>();

export function tenantClient(base: PrismaClient, creatorId: string): TenantClient {
  assertCreatorId(creatorId);
  let perBase = cache.get(base);
  if (!perBase) cache.set(base, (perBase = new Map()));
  let client = perBase.get(creatorId);
  if (client) {
    perBase.delete(creatorId);
  } else {
    client = makeTenantClient(base, creatorId);
    if (perBase.size >= CACHE_LIMIT) perBase.delete(perBase.keys().next().value!);
  }
  perBase.set(creatorId, client);
  return client;
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
  const settings = { maxWait: options.maxWait ?? 5_000, timeout: options.timeout ?? 15_000, isolationLevel: options.isolationLevel };
  if (options.isolationLevel) {
    // SET TRANSACTION ISOLATION LEVEL must follow BEGIN directly: set the tenant after it.
    return tenantScope.exit(() =>
      base.$transaction(async (tx) => {
        await setTenant(tx, creatorId);
        return fn(tx);
      }, settings),
    );
  }
  return tenantScope.run(creatorId, () => base.$transaction(fn, settings).then((result) => result));
}
