// api_usage_logs: one row per partner call, written after the response has gone, in batches
// (one INSERT per creator per flush), so that logging never delays a partner.
//
// Each creator's batch is one multi-row INSERT through its tenant client: sent behind the tenant
// settings in one round trip (2 statements; Prisma opens no transaction for a createMany that
// fits one statement, and one statement is atomic by itself), where BEGIN/INSERT/COMMIT was
// 4 statements. The flush interval bounds how many such writes a busy instance sends: at most
// one per creator per interval (bench/NOTES.md, issue 21).
import type { Database } from '../db/database';
import { tenantClient } from '../db/tenant';
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

/** How long a call's row waits to be written with others of its creator. */
export const FLUSH_INTERVAL_MS = 1_000;
const FLUSH_SIZE = 500;
/** Beyond this backlog (the database is down or slow) new entries are dropped and counted. */
const MAX_BUFFERED = 20_000;

export interface UsageRecorder {
  record(entry: UsageEntry): void;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  stop(): Promise<void>;
}

export function createUsageRecorder(db: Database, log: Logger): UsageRecorder {
  let buffer: UsageEntry[] = [];
  let dropped = 0;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const insert = (creatorId: string, rows: UsageEntry[]) =>
    tenantClient(db.app, creatorId).apiUsageLog.createMany({ data: rows.map(({ creatorId: _c, ...row }) => row) });

  // One creator at a time, so that logging never takes more than one pooled connection from
  // the requests. A batch that fails is retried row by row, so a bad row costs only itself.
  async function write(entries: UsageEntry[]) {
    const byCreator = new Map<string, UsageEntry[]>();
    for (const entry of entries) {
      const rows = byCreator.get(entry.creatorId);
      if (rows) rows.push(entry);
      else byCreator.set(entry.creatorId, [entry]);
    }
    for (const [creatorId, rows] of byCreator) {
      try {
        await insert(creatorId, rows);
      } catch (error) {
        let lost = 0;
        for (const row of rows) await insert(creatorId, [row]).catch(() => (lost += 1));
        if (lost > 0) log.warn({ err: (error as Error).message, creatorId, lost }, 'could not write API usage logs');
      }
    }
  }

  /** Entries taken by a flush and not yet written: they count against the backlog too. */
  let writing = 0;
  /** A flush is waiting for the one before it: a second call joins it. */
  let queued = false;

  // A flush writes what is buffered when it starts, and no more: what arrives meanwhile waits
  // for the next interval. (Looping until the buffer was empty meant that under steady traffic
  // a flush never ended, and each creator was written once per round of writes, about every
  // 50 to 500 ms, whatever the interval: bench/NOTES.md, issue 21.)
  function flush(): Promise<void> {
    if (queued) return running;
    queued = true;
    running = running
      .then(async () => {
        queued = false;
        if (dropped > 0) {
          log.warn({ dropped }, 'API usage log backlog full: entries dropped');
          dropped = 0;
        }
        const pending = buffer;
        buffer = [];
        writing = pending.length;
        for (let i = 0; i < pending.length; i += FLUSH_SIZE) {
          await write(pending.slice(i, i + FLUSH_SIZE));
          writing = Math.max(0, pending.length - i - FLUSH_SIZE);
        }
      })
      .catch((error: Error) => log.error({ err: error.message }, 'API usage log flush failed'))
      .finally(() => {
        writing = 0;
      });
    return running;
  }

  function schedule() {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, FLUSH_INTERVAL_MS);
    timer.unref();
  }

  return {
    record(entry) {
      if (buffer.length + writing >= MAX_BUFFERED) {
        dropped += 1;
        return;
      }
      buffer.push(entry);
      if (buffer.length >= FLUSH_SIZE) void flush();
      else schedule();
    },
    flush,
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      // What the last calls recorded while a flush was writing, too (no new calls come now).
      for (let round = 0; round < 10 && (round === 0 || buffer.length > 0); round++) await flush();
    },
  };
}
