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
// How the setting travels (bench/NOTES.md has the measurements): a tenant operation runs inside
// a tenant scope (AsyncLocalStorage), and the pool (installTenantScopes) sends each of its
// statements together with the settings, in one round trip: Parse/Bind/Execute of
// `SELECT set_config(...)`, then the statement, then one Sync. PostgreSQL runs everything up to a
// Sync as one implicit transaction, so the transaction-local settings hold for that statement and
// are gone at the Sync, exactly as with BEGIN ... COMMIT, without the two extra round trips. A
// transaction Prisma opens itself (nested writes, withTenantTransaction) has its plain BEGIN sent
// as `BEGIN; SELECT set_config(...)`, also one round trip. Statements of one operation outside
// such a transaction (the levels of a nested read) are separate implicit transactions: under READ
// COMMITTED, the default, each statement of an explicit transaction takes its own snapshot
// anyway, so a read loses nothing, and every multi-statement write Prisma wraps in a transaction.
// Wrapping each operation in Prisma's own $transaction([set_config, operation]) instead cost about
// 1 ms of CPU per operation: Prisma compiles such a batch afresh every time. The settings
// statement and the statement behind it are prepared once per connection (tenant-statement.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { Prisma } from '../generated/prisma/client';
import type { PrismaClient } from './clients';
import { currentAuditActor } from './audit-context';
import { TENANT_SETTINGS_SQL, TenantStatement } from './tenant-statement';
import { TenantShare, type TenantShareOptions } from './tenant-share';

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

/**
 * A tenant operation in progress: its settings, as the statement that opens a transaction and as
 * parameters of the settings statement sent ahead of each statement. In a `pipelined` scope (a
 * tenant client operation) every statement sent through the pool carries the settings; a
 * withTenantTransaction scope only lends them to the BEGIN Prisma sends.
 */
interface TenantScope {
  /** Made when first asked for: most operations never open a transaction. */
  readonly begin: string;
  settings: string[];
  pipelined: boolean;
}

const tenantScope = new AsyncLocalStorage<TenantScope>();

function tenantSettings(creatorId: string): string[] {
  assertCreatorId(creatorId);
  const actor = currentAuditActor();
  return [creatorId, String(Math.trunc(statementTimeoutMs)), `${actor.actorType}:${actor.actorId ?? ''}`, actor.requestId ?? '', actor.reason ?? ''];
}

/**
 * The text that opens a tenant transaction: BEGIN, then the settings. Sent as one simple query
 * (no parameters): the creator id is a checked UUID, the rest are escaped literals.
 */
export function tenantBeginSql(creatorId: string): string {
  return beginSql(tenantSettings(creatorId));
}

function beginSql(settings: string[]): string {
  return `BEGIN; ${TENANT_SETTINGS_SQL.replace(/\$(\d)/g, (_, i: string) => pg.escapeLiteral(settings[Number(i) - 1]!))}`;
}

function newScope(creatorId: string, pipelined: boolean): TenantScope {
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

/** Runs a tenant operation in its own scope. */
function runScoped<T>(base: PrismaClient, creatorId: string, operation: () => Promise<T>): Promise<T> {
  const scope = newScope(creatorId, true);
  // Prisma's promises are lazy: the operation starts at then(), which must happen inside the
  // scope for its statements to find it.
  return withinShare(base, creatorId, () => tenantScope.run(scope, () => operation().then((result) => result)));
}

const INSTALLED = Symbol('creatorgraph.tenantScopes');

/**
 * Makes a pool serve tenant scopes (see TenantScope):
 *   - pool.query inside a pipelined scope sends the statement behind the scope's settings
 *     (TenantStatement, in tenant-statement.ts), in one round trip and one implicit
 *     transaction, both prepared once per connection unless `preparedStatements` is off;
 *   - a plain BEGIN sent inside any scope (Prisma opening a transaction on a connection it took
 *     from the pool) leaves as `BEGIN; SELECT set_config(...)`.
 * The scope is read where the statement is issued, in the operation's own async context: pg-pool
 * calls back a waiting query from the context of whichever query released the connection, so it
 * is never read later than that. Outside a scope nothing changes; without a tenant setting,
 * row-level security shows nothing, so a path this misses fails closed.
 */
export function installTenantScopes(pool: pg.Pool, options: { preparedStatements: boolean }): void {
  const marked = pool as pg.Pool & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = function scopedPoolQuery(config: unknown, ...rest: unknown[]): unknown {
    const scope = tenantScope.getStore();
    if (!scope?.pipelined || config === null || typeof config !== 'object' || 'submit' in config) return poolQuery(config, ...rest);
    const values = Array.isArray(rest[0]) ? (rest.shift() as unknown[]) : undefined;
    // The pool answers a submittable like any query: a promise, or the callback if given one.
    return poolQuery(new TenantStatement(values ? { ...config, values } : config, scope.settings, options.preparedStatements), ...rest);
  };
  pool.on('connect', (client) => {
    // Looked up on every call (not bound once), so that instrumentation of pg.Client.prototype
    // (the query-count tests) sees every statement.
    const proto = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    (client as { query: unknown }).query = function tenantAwareQuery(config: unknown, ...rest: unknown[]): unknown {
      if (config !== null && typeof config === 'object' && (config as { text?: unknown }).text === 'BEGIN' && !(config as { values?: unknown[] }).values?.length) {
        const scope = tenantScope.getStore();
        if (scope) config = { ...config, text: scope.begin };
      }
      return proto.query.call(client, config, ...rest);
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

function makeTenantClient(base: PrismaClient, creatorId: string) {
  return base.$extends({
    name: 'tenant',
    query: {
      // Model operations and raw queries alike: nothing reaches the database unscoped.
      $allOperations({ args, query }) {
        return runScoped(base, creatorId, () => query(withoutEmptySelect(args)));
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
    return withinShare(base, creatorId, () =>
      tenantScope.exit(() =>
        base.$transaction(async (tx) => {
          await setTenant(tx, creatorId);
          return fn(tx);
        }, settings),
      ),
    );
  }
  return withinShare(base, creatorId, () => tenantScope.run(newScope(creatorId, false), () => base.$transaction(fn, settings).then((result) => result)));
}
