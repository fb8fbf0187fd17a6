// api_usage_logs: one row per partner call, written after the response has gone, so that logging
// never delays a partner.
//
// A creator's rows ride along in the statement of its next call's key lookup (auth/partner-auth.ts,
// LookupRider): the key lookup runs in that creator's tenant scope anyway, so a data-modifying WITH
// in front of it writes the rows behind the same tenant settings, in the same round trip, with no
// statement of its own. A busy partner's log then costs no statement at all, where a write per
// creator and flush cost one (and, with many creators, a burst of them every second that delayed the
// calls around it: bench/NOTES.md, issue 21). The rows of a creator that makes no further call are
// written by the timer once they are FLUSH_INTERVAL_MS old: one INSERT per such creator, behind its
// tenant settings. A rider write that fails hands its rows back to the timer, which retries them
// row by row, so a bad row costs only itself.
//
// Both paths send the same INSERT ... SELECT FROM unnest(...), one array parameter per column: one
// text, however many rows, so one prepared statement. creator_id is left to its default,
// app.current_creator_id(), and RLS checks it: a row can only be written in its own creator's scope.
import type { Database } from '../db/database';
import { tenantRawQuery } from '../db/tenant';
import type { LookupRider, RiderWrite } from '../auth/partner-auth';
import type { Logger } from '../logger';

export interface UsageEntry {
  creatorId: string;
  apiKeyId: string;
  operationName: string | null;
  operationHash: string | null;
  statusCode: number;
  errorCode: string | null;
  durationMs: number;
  requestSizeBytes: number;
  responseSizeBytes: number;
  ipAddress: string | null;
  createdAt: Date;
}

/** How long a creator's rows wait for one of its calls to carry them before the timer writes them (default). */
export const FLUSH_INTERVAL_MS = 1_000;
/** How old a creator's oldest waiting row is before a call of its carries them (default). */
export const RIDE_AFTER_MS = 200;
/** Rows a creator may have waiting; at this many they are written at once. Also the most one write carries. */
const FLUSH_SIZE = 500;
/** Beyond this backlog (the database is down or slow) new entries are dropped and counted. */
const MAX_BUFFERED = 20_000;

/**
 * The INSERT of a batch of rows, its parameters numbered from `first`: one array per column.
 * The key (a foreign key with ON DELETE SET NULL) is looked up, so that a key deleted since the
 * call leaves its rows without one rather than failing the write. synchronous_commit is off for the
 * transaction that writes them: a partner's key lookup never waits for the log's WAL flush (a lost
 * usage row on a crash is what buffering in memory risks anyway).
 */
export function usageInsertSql(first: number): string {
  const $ = (i: number) => `$${first + i}`;
  return `INSERT INTO api_usage_logs (api_key_id, operation_name, operation_hash, status_code, error_code, duration_ms,
       request_size_bytes, response_size_bytes, ip_address, created_at)
SELECT (SELECT k.id FROM api_keys k WHERE k.id = u.key), u.op, u.hash, u.status, u.error, u.ms, u.req, u.res, u.ip, u.at
  FROM unnest(${$(0)}::uuid[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::int4[], ${$(4)}::text[], ${$(5)}::int4[],
              ${$(6)}::int4[], ${$(7)}::int4[], ${$(8)}::inet[], ${$(9)}::timestamptz[])
       AS u(key, op, hash, status, error, ms, req, res, ip, at)
 WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL`;
}

/** The INSERT's parameters: one array per column, in usageInsertSql's order. */
export function usageInsertValues(rows: readonly UsageEntry[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(rows.length));
  rows.forEach((r, i) => {
    columns[0]![i] = r.apiKeyId;
    columns[1]![i] = r.operationName;
    columns[2]![i] = r.operationHash;
    columns[3]![i] = r.statusCode;
    columns[4]![i] = r.errorCode;
    columns[5]![i] = r.durationMs;
    columns[6]![i] = r.requestSizeBytes;
    columns[7]![i] = r.responseSizeBytes;
    columns[8]![i] = r.ipAddress;
    columns[9]![i] = r.createdAt;
  });
  return columns;
}

const INSERT = usageInsertSql(1);
/** The rider's statement: $1 is the key lookup's own parameter. */
const RIDER_INSERT = usageInsertSql(2);

export interface UsageRecorder extends LookupRider {
  record(entry: UsageEntry): void;
  /** Writes every row waiting now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  stop(): Promise<void>;
  /** Rows waiting to be written (for tests and metrics). */
  readonly waiting: number;
}

interface Waiting {
  rows: UsageEntry[];
  /** When the oldest row was recorded (epoch ms). */
  since: number;
}

export function createUsageRecorder(
  db: Database,
  log: Logger,
  options: { flushIntervalMs?: number; rideAfterMs?: number } = {},
): UsageRecorder {
  const flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
  const rideAfterMs = options.rideAfterMs ?? RIDE_AFTER_MS;
  /** Per creator, in the order of their first waiting row (a Map keeps insertion order). */
  const waiting = new Map<string, Waiting>();
  /** Rows of rides that failed: the timer's alone, never handed to a call again. */
  const handedBack = new Map<string, Waiting>();
  /** Rows waiting, taken by a rider and not yet settled, or being written by a flush. */
  let counted = 0;
  let dropped = 0;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const insert = (creatorId: string, rows: readonly UsageEntry[]) =>
    tenantRawQuery(db.app, creatorId, INSERT, usageInsertValues(rows));

  /** A creator's rows at once; a batch that fails is retried row by row, so a bad row costs only itself. */
  async function write(creatorId: string, rows: readonly UsageEntry[]) {
    try {
      await insert(creatorId, rows);
    } catch (error) {
      let lost = 0;
      for (const row of rows) await insert(creatorId, [row]).catch(() => (lost += 1));
      if (lost > 0) log.warn({ err: (error as Error).message, creatorId, lost }, 'could not write API usage logs');
    }
  }

  /** Takes the rows of the creators `due` chooses (and every handed-back row), and writes them, one creator after another. */
  function flushWhere(due: (w: Waiting) => boolean): Promise<void> {
    const batch: [string, UsageEntry[]][] = [...handedBack].map(([creatorId, w]) => [creatorId, w.rows]);
    handedBack.clear();
    for (const [creatorId, w] of waiting) {
      if (!due(w)) continue;
      waiting.delete(creatorId);
      batch.push([creatorId, w.rows]);
    }
    if (batch.length === 0) return running;
    running = running
      .then(async () => {
        if (dropped > 0) {
          log.warn({ dropped }, 'API usage log backlog full: entries dropped');
          dropped = 0;
        }
        // One creator at a time: logging never takes more than one pooled connection from requests.
        for (const [creatorId, rows] of batch) {
          try {
            await write(creatorId, rows);
          } finally {
            counted -= rows.length;
          }
        }
      })
      .catch((error: Error) => log.error({ err: error.message }, 'API usage log flush failed'));
    return running;
  }

  function schedule() {
    if (timer || stopped || (waiting.size === 0 && handedBack.size === 0)) return;
    timer = setTimeout(() => {
      timer = undefined;
      const cutoff = Date.now() - flushIntervalMs;
      void flushWhere((w) => w.since <= cutoff).finally(schedule);
      schedule();
    }, flushIntervalMs);
    timer.unref();
  }

  function add(creatorId: string, rows: UsageEntry[], since: number) {
    const w = waiting.get(creatorId);
    if (w) {
      w.rows.push(...rows);
      w.since = Math.min(w.since, since);
    } else waiting.set(creatorId, { rows, since });
    // Once stopped (a call that ended during shutdown), nothing waits for a timer.
    if (stopped || (w?.rows.length ?? rows.length) >= FLUSH_SIZE)
      void flushWhere((x) => stopped || x === waiting.get(creatorId));
    schedule();
  }

  return {
    record(entry) {
      if (counted >= MAX_BUFFERED) {
        dropped += 1;
        return;
      }
      counted += 1;
      add(entry.creatorId, [entry], Date.now());
    },
    take(creatorId): RiderWrite | undefined {
      const w = waiting.get(creatorId);
      if (!w || Date.now() - w.since < rideAfterMs) return undefined;
      waiting.delete(creatorId);
      let settled = false;
      return {
        sql: RIDER_INSERT,
        values: usageInsertValues(w.rows),
        done(written) {
          if (settled) return;
          settled = true;
          if (written) {
            counted -= w.rows.length;
            return;
          }
          // To the timer alone, which writes them row by row if they fail again.
          const back = handedBack.get(creatorId);
          if (back) back.rows.push(...w.rows);
          else handedBack.set(creatorId, { rows: w.rows, since: w.since });
          if (stopped) void flushWhere(() => true);
          else schedule();
        },
      };
    },
    flush: () => flushWhere(() => true),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // Rows recorded or handed back by a rider after this are written at once (add, done); these rounds
      // write what is waiting or handed back by now.
      for (let round = 0; round < 10 && (round === 0 || waiting.size > 0 || handedBack.size > 0); round++)
        await flushWhere(() => true);
    },
    get waiting() {
      return counted;
    },
  };
}
