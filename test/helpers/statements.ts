// The statements a login role sends from this process, seen at node-postgres' client (every
// pool connection and every Prisma query goes through pg.Client.prototype.query), each with the
// tenant it ran as and how that tenant was set:
//   - behind the tenant settings statement (src/db/tenant-statement.ts): `settings`, one round
//     trip and its own implicit transaction;
//   - inside an explicit transaction opened by `BEGIN; SELECT set_config(...)`
//     (withTenantTransaction, Prisma's nested writes), or one whose first statement after
//     BEGIN is the settings statement (withTenantTransaction with an isolation level):
//     `transaction` is its number, and every statement of it, up to COMMIT/ROLLBACK, has the
//     transaction's tenant.
// A statement with neither ran without a tenant: `tenant` is undefined.
//
// Background work of the server (the partner usage log, written about a second after a call; a stale
// plan rate refreshed) sends statements at moments no test controls, interleaved with a
// request's. The transaction number tells them apart: a count of one request's statements can
// leave out a whole transaction of the usage log without leaving out anything the request sent.
import pg from 'pg';

export interface SentStatement {
  text: string;
  /** Sent behind the tenant settings statement (one round trip, one implicit transaction). */
  settings: boolean;
  /** The number of the explicit transaction it belongs to (BEGIN and COMMIT included). */
  transaction?: number;
  /** The tenant it ran as; undefined: none was set. */
  tenant?: string;
}

export interface StatementCapture {
  /** Since the last reset(). */
  readonly sent: SentStatement[];
  /** Since install, never reset: for checks over the whole file. */
  readonly all: SentStatement[];
  reset(): void;
  /**
   * The statements since reset() minus whole transactions that `skip` matches a statement of
   * (looked up in `all`: a transaction may have begun before the reset).
   */
  without(skip: RegExp): SentStatement[];
  uninstall(): void;
}

/** Transaction control carries no tenant of its own and reads no rows. */
export const TRANSACTION_CONTROL = /^\s*(BEGIN|START TRANSACTION|SET TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;

const CREATOR_IN_BEGIN = /set_config\('app\.current_creator_id',\s*E?'([^']*)'/;
const SETTINGS_STATEMENT = /^\s*SELECT set_config\('app\.current_creator_id',\s*\$1/;

/** Records what `user` sends from now on (pg.Client.prototype.query is wrapped until uninstall). */
export function captureStatements(user: string, options: { skipApplicationName?: string } = {}): StatementCapture {
  const original = pg.Client.prototype.query;
  const sent: SentStatement[] = [];
  const all: SentStatement[] = [];
  const open = new WeakMap<object, { id: number; tenant?: string }>();
  let transactions = 0;

  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const params = (this as unknown as { connectionParameters: { user: string; application_name?: string } })
      .connectionParameters;
    if (params.user === user && params.application_name !== options.skipApplicationName) {
      const q = args[0] as string | { text: string; values?: unknown[]; tenantSettings?: boolean; settings?: string[] };
      const text = typeof q === 'string' ? q : q.text;
      const values =
        (typeof q === 'string' ? undefined : q.values) ?? (Array.isArray(args[1]) ? (args[1] as unknown[]) : undefined);
      const statement: SentStatement = { text, settings: typeof q !== 'string' && q.tenantSettings === true };
      if (statement.settings) {
        statement.tenant = nonEmpty((q as { settings?: string[] }).settings?.[0]);
      } else if (/^\s*(BEGIN|START TRANSACTION)\b/i.test(text)) {
        const tx = { id: ++transactions, tenant: nonEmpty(CREATOR_IN_BEGIN.exec(text)?.[1]) };
        open.set(this, tx);
        statement.transaction = tx.id;
        statement.tenant = tx.tenant;
      } else {
        const tx = open.get(this);
        if (tx) {
          if (tx.tenant === undefined && SETTINGS_STATEMENT.test(text))
            tx.tenant = nonEmpty(values?.[0] as string | undefined);
          statement.transaction = tx.id;
          statement.tenant = tx.tenant;
          if (/^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i.test(text)) open.delete(this);
        }
      }
      sent.push(statement);
      all.push(statement);
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;

  return {
    sent,
    all,
    reset: () => {
      sent.length = 0;
    },
    without(skip) {
      const skipped = new Set(
        all.filter((s) => s.transaction !== undefined && skip.test(s.text)).map((s) => s.transaction),
      );
      return sent.filter((s) => s.transaction === undefined || !skipped.has(s.transaction));
    },
    uninstall: () => {
      pg.Client.prototype.query = original;
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
