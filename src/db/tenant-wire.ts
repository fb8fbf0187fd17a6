// Everything that patches node-postgres and Prisma for the tenant path, in one place
// (docs/tenant-wire-path.md follows a request's tenant from the context to these bytes).
//
// It reaches into library internals, pinned by WIRE_DEPENDENCIES (test/db/tenant-wire.test.ts
// fails when an installed version differs; the doc's checklist says what to re-verify):
//   pg 8.23.1             pg.Query's prepare/hasBeenParsed/handle* hooks and queryMode, the
//                         connection's parse/bind/execute/close and parsedStatements, the
//                         per-connection client.query that Prisma's BEGIN goes through;
//   pg-pool 3.14.0        pool.query accepting a submittable, 'connect' per new connection, and a
//                         waiting query called back in the releasing query's async context;
//   pg-protocol 1.16.1    the Parse/Bind/Execute/Close/Sync messages those calls write;
//   @prisma/adapter-pg 7.10.1   every statement goes through pool.query({ text, values, ... }), a
//                         transaction's BEGIN through the taken connection's client.query;
//   @prisma/client 7.10.0 _requestHandler.dataloader.options.batchBy (request merging), and
//                         _runtimeDataModel (table and column names, for sql-read/model.ts).
//
// What it does: a tenant operation runs inside a wire scope (wireScope, the `wire` slot of the
// server's one async store in async-scope.ts, which db/tenant.ts enters). Inside a `pipelined`
// scope, pool.query sends each statement as a TenantStatement: Parse/Bind/Execute of
// TENANT_SETTINGS_SQL, then the statement, then one Sync, in one round trip and one implicit
// transaction, so the transaction-local settings hold for it and are gone at the Sync. In any
// scope, a plain BEGIN leaves as `BEGIN; SELECT set_config(...)`.
//
// Both statements are named prepared statements unless turned off (DATABASE_PREPARED_STATEMENTS=
// false): each connection parses and plans a text once, then sends only Bind/Execute, as
// PostGraphile does (bench/NOTES.md, "Prepared statements": PostgreSQL's CPU per request fell
// 24-64%). Names are a hash of the text, so one name is always one text. Which names exist on a
// connection is tracked here, not by node-postgres: its bookkeeping takes the first ParseComplete
// of a query for the query's own statement, and here the first is the settings statement's. A
// name is known once its statement ran without error; until then every Parse of it is preceded
// by a Close (which PostgreSQL accepts for a name it does not have), so a Parse whose fate an
// error left unknown is redone. The texts hold no tenant data (values are bound), and the settings
// stay transaction-local: a prepared statement carries nothing from one request to the next.
import crypto from 'node:crypto';
import pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { boundedCache, memo } from '../cache';
import { scopeSlot } from './async-scope';

/** The versions this file was written and verified against (docs/tenant-wire-path.md). */
export const WIRE_DEPENDENCIES = {
  pg: '8.23.1',
  'pg-pool': '3.14.0',
  'pg-protocol': '1.16.1',
  '@prisma/adapter-pg': '7.10.1',
  '@prisma/client': '7.10.0',
} as const;

/**
 * The tenant, the statement timeout and the actor for the audit triggers, all transaction-local,
 * as parameters $1..$5 of one statement.
 */
export const TENANT_SETTINGS_SQL =
  "SELECT set_config('app.current_creator_id', $1, true), set_config('statement_timeout', $2, true), set_config('app.actor', $3, true), set_config('app.request_id', $4, true), set_config('app.audit_reason', $5, true)";

/**
 * A tenant operation in progress: its settings, as the statement that opens a transaction and as
 * parameters of the settings statement sent ahead of each statement. In a `pipelined` scope (a
 * tenant client operation) every statement sent through the pool carries the settings; a
 * withTenantTransaction scope only lends them to the BEGIN Prisma sends.
 */
export interface WireScope {
  /** `BEGIN; SELECT set_config(...)`, made when first asked for: most operations never open a transaction. */
  readonly begin: string;
  readonly settings: string[];
  readonly pipelined: boolean;
}

/**
 * Entered by db/tenant.ts around each tenant operation (run, or exit to leave it); read here where
 * a statement is issued.
 */
export const wireScope = scopeSlot<WireScope>('wire');

/** The text that opens a transaction with `settings`, as one simple query (escaped literals). */
export function beginSql(settings: string[]): string {
  return `BEGIN; ${TENANT_SETTINGS_SQL.replace(/\$(\d)/g, (_, i: string) => pg.escapeLiteral(settings[Number(i) - 1]!))}`;
}

const INSTALLED = Symbol('creatorgraph.tenantWire');

/**
 * Makes a pool serve wire scopes: pool.query inside a pipelined scope sends a TenantStatement; a
 * plain BEGIN sent inside any scope (Prisma opening a transaction on a connection it took from the
 * pool) leaves as the scope's `begin`. The scope is read where the statement is issued, in the
 * operation's own async context: pg-pool calls back a waiting query from the context of whichever
 * query released the connection, so it is never read later than that. Outside a scope nothing
 * changes; without a tenant setting, row-level security shows nothing, so a path this misses fails
 * closed.
 */
export function installTenantWire(pool: pg.Pool, options: { preparedStatements: boolean }): void {
  const marked = pool as pg.Pool & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = function scopedPoolQuery(config: unknown, ...rest: unknown[]): unknown {
    const scope = wireScope.getStore();
    if (!scope?.pipelined || config === null || typeof config !== 'object' || 'submit' in config)
      return poolQuery(config, ...rest);
    const values = Array.isArray(rest[0]) ? (rest.shift() as unknown[]) : undefined;
    // The pool answers a submittable like any query: a promise, or the callback if given one.
    return poolQuery(
      new TenantStatement(values ? { ...config, values } : config, scope.settings, options.preparedStatements),
      ...rest,
    );
  };
  pool.on('connect', (client) => {
    // Looked up on every call (not bound once), so that instrumentation of pg.Client.prototype
    // (the query-count tests) sees every statement.
    const proto = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    (client as { query: unknown }).query = function tenantAwareQuery(config: unknown, ...rest: unknown[]): unknown {
      if (
        config !== null &&
        typeof config === 'object' &&
        (config as { text?: unknown }).text === 'BEGIN' &&
        !(config as { values?: unknown[] }).values?.length
      ) {
        const scope = wireScope.getStore();
        if (scope) config = { ...config, text: scope.begin };
      }
      return proto.query.call(client, config, ...rest);
    };
  });
}

/**
 * Prisma merges the findUnique calls made in one tick into one query, and sends every request of
 * that tick from the async context of the tick's first caller. A tenant's wire scope lives in that
 * context, so merging would run one tenant's lookup in another tenant's transaction. Turning the
 * merge off sends each operation from its caller's context; our own DataLoaders do the batching
 * that matters. This reaches into Prisma's request handler, so it fails loudly if that ever moves
 * (test/db/tenant.test.ts checks the cross-tenant case).
 */
export function disablePrismaRequestMerging(client: PrismaClient): void {
  const options = (client as unknown as { _requestHandler?: { dataloader?: { options?: { batchBy?: unknown } } } })
    ._requestHandler?.dataloader?.options;
  if (!options || typeof options.batchBy !== 'function') {
    throw new Error(
      'Prisma internals changed: cannot turn off request merging (see docs/tenant-wire-path.md); tenant isolation depends on it',
    );
  }
  options.batchBy = () => undefined;
}

// --- TenantStatement ------------------------------------------------------------------------

/** Statements a connection keeps prepared; PostGraphile keeps 100. */
export const MAX_PREPARED = 100;

export type Connection = {
  parse(config: { text: string; name?: string; types?: unknown }): void;
  bind(config: { portal?: string; statement?: string; values: unknown[] }): void;
  execute(config: { portal?: string; rows?: number }): void;
  close(config: { type: 'S' | 'P'; name?: string }): void;
};

/**
 * Per connection: the names of its prepared statements, least recently used first. Hand-written,
 * not a boundedCache: it mirrors what the server holds, so evicting a name must send a Close on
 * that connection, and the bound counts the names this round trip is still parsing.
 */
const preparedOn = new WeakMap<Connection, Map<string, true>>();

/** The statement name of each text in use: its SHA-1. */
const names = boundedCache<string, string>({ max: 10_000 });
const nameOf = (text: string): string =>
  memo(names, text, () => `cg_${crypto.createHash('sha1').update(text).digest('base64url')}`);

const SETTINGS_NAME = nameOf(TENANT_SETTINGS_SQL);

const BaseQuery = (pg as unknown as { Query: new (config: object) => object }).Query;

/**
 * A statement sent behind the settings statement, before one Sync. The settings statement's row
 * and completion are not part of the result: it is the statement's own result that the caller
 * gets, exactly as pg.Query would give it.
 */
export class TenantStatement extends (BaseQuery as unknown as new (config: object) => {
  text: string;
  name?: string;
  types?: unknown;
  prepare(connection: Connection): void;
  hasBeenParsed(connection: Connection): boolean;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: Connection): void;
  handleReadyForQuery(connection: Connection): void;
  handleError(error: Error, connection: Connection): void;
}) {
  /** Marks the statement for whoever counts statements (test/graphql/query-count.test.ts). */
  readonly tenantSettings = true;
  private settingsPending = true;
  /** Names parsed by this statement's round trip, known only once it has run without error. */
  private parsing: string[] = [];
  private failed = false;

  constructor(
    config: object,
    private readonly settings: string[],
    private readonly prepared: boolean,
  ) {
    // The extended protocol even without parameters: a simple query would end at its own Sync.
    super({
      ...config,
      queryMode: 'extended',
      ...(prepared ? { name: nameOf((config as { text: string }).text) } : {}),
    });
  }

  /** Parses `text` as `name` on this connection unless it already has it. */
  private use(connection: Connection, name: string, text: string, types?: unknown): void {
    let known = preparedOn.get(connection);
    if (!known) preparedOn.set(connection, (known = new Map<string, true>()));
    if (known.has(name)) {
      known.delete(name); // most recently used: last
      known.set(name, true);
      return;
    }
    if (this.parsing.includes(name)) return;
    if (known.size + this.parsing.length >= MAX_PREPARED) {
      const oldest = known.keys().next().value!;
      known.delete(oldest);
      // node-postgres remembers every name it saw parsed; forget this one too.
      delete (connection as { parsedStatements?: Record<string, string> }).parsedStatements?.[oldest];
      connection.close({ type: 'S', name: oldest });
    }
    connection.close({ type: 'S', name });
    connection.parse({ name, text, types });
    this.parsing.push(name);
  }

  override prepare(connection: Connection): void {
    if (this.prepared) {
      this.use(connection, SETTINGS_NAME, TENANT_SETTINGS_SQL);
      connection.bind({ statement: SETTINGS_NAME, values: this.settings });
      connection.execute({ rows: 0 });
      this.use(connection, this.name!, this.text, this.types);
    } else {
      connection.parse({ text: TENANT_SETTINGS_SQL });
      connection.bind({ values: this.settings });
      connection.execute({ rows: 0 });
    }
    super.prepare(connection);
  }

  /** Parsed by use() already (node-postgres would otherwise parse it again). */
  override hasBeenParsed(connection: Connection): boolean {
    return this.prepared || super.hasBeenParsed(connection);
  }

  override handleDataRow(message: unknown): void {
    if (!this.settingsPending) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: Connection): void {
    if (this.settingsPending) {
      this.settingsPending = false;
      return;
    }
    super.handleCommandComplete(message, connection);
  }

  override handleError(error: Error, connection: Connection): void {
    // Whether this round trip's statements exist now is unknown (node-postgres itself closes the
    // statement when binding its values fails): the next use closes and parses them again. An
    // error also forgets the round trip's names, whether or not node-postgres goes on using the
    // connection (pg-pool drops it today).
    this.failed = true;
    const known = preparedOn.get(connection);
    if (known) {
      known.delete(SETTINGS_NAME);
      if (this.name) known.delete(this.name);
    }
    super.handleError(error, connection);
  }

  override handleReadyForQuery(connection: Connection): void {
    // The round trip is over: what it parsed exists if nothing failed; after an error, whether
    // each Parse ran is unknown, and the next use closes and parses it again.
    if (!this.failed && this.parsing.length > 0) {
      const known = preparedOn.get(connection)!;
      for (const name of this.parsing) known.set(name, true);
    }
    this.parsing = [];
    super.handleReadyForQuery(connection);
  }
}
