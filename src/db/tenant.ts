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

// The tenant, the statement timeout and the actor for the audit triggers: one statement.
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
      async $allOperations({ args, query }) {
        const [, result] = await base.$transaction([setTenant(base, creatorId), query(withoutEmptySelect(args))]);
        return result;
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
  return base.$transaction(
    async (tx) => {
      await setTenant(tx, creatorId);
      return fn(tx);
    },
    { maxWait: options.maxWait ?? 5_000, timeout: options.timeout ?? 15_000, isolationLevel: options.isolationLevel },
  );
}
