// One statement of a tenant operation on the wire (tenant.ts explains why): Parse/Bind/Execute
// of the settings statement, then the statement itself, then one Sync, in one round trip and one
// implicit transaction.
//
// Both are named prepared statements, unless turned off (DATABASE_PREPARED_STATEMENTS=false):
// each connection parses and plans a statement text once, and later sends only Bind/Execute, as
// PostGraphile does. PostgreSQL then spends a fraction of the CPU per request (bench/NOTES.md).
// Names are a hash of the text, so one name is always one text.
//
// Which names exist on a connection is tracked here, not by node-postgres: its bookkeeping takes
// the first ParseComplete of a query for the query's own statement, and here the first one is the
// settings statement's. A name is known once its statement has run without error. Until then,
// every Parse of it is preceded by a Close, which PostgreSQL accepts for a name it does not have,
// so a Parse whose fate an error left unknown is simply redone. An error also forgets the round
// trip's names, whether or not node-postgres goes on using the connection (pg-pool drops it
// today). Each connection keeps at most MAX_PREPARED statements, closing the least recently
// used. The texts hold no tenant data (values are bound), and the tenant setting is still
// transaction-local: a prepared statement carries nothing from one request to the next.
import crypto from 'node:crypto';
import pg from 'pg';

/**
 * The tenant, the statement timeout and the actor for the audit triggers, all transaction-local,
 * as parameters $1..$5 of one statement.
 */
export const TENANT_SETTINGS_SQL =
  "SELECT set_config('app.current_creator_id', $1, true), set_config('statement_timeout', $2, true), set_config('app.actor', $3, true), set_config('app.request_id', $4, true), set_config('app.audit_reason', $5, true)";

/** Statements a connection keeps prepared; PostGraphile keeps 100. */
export const MAX_PREPARED = 100;

export type Connection = {
  parse(config: { text: string; name?: string; types?: unknown }): void;
  bind(config: { portal?: string; statement?: string; values: unknown[] }): void;
  execute(config: { portal?: string; rows?: number }): void;
  close(config: { type: 'S' | 'P'; name?: string }): void;
};

/** Per connection: the names of its prepared statements, least recently used first. */
const preparedOn = new WeakMap<Connection, Map<string, true>>();

const names = new Map<string, string>();

/** The statement name of a text: its SHA-1, remembered for the texts in use. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    if (names.size >= 10_000) names.clear();
    name = `cg_${crypto.createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

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
  /** Marks the statement for whoever counts statements (test/api/query-count.test.ts). */
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
    super({ ...config, queryMode: 'extended', ...(prepared ? { name: nameOf((config as { text: string }).text) } : {}) });
  }

  /** Parses `text` as `name` on this connection unless it already has it. */
  private use(connection: Connection, name: string, text: string, types?: unknown): void {
    let known = preparedOn.get(connection);
    if (!known) preparedOn.set(connection, (known = new Map()));
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
    // statement when binding its values fails): the next use closes and parses them again.
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
