// Background jobs on graphile-worker (a Postgres job queue): the tables live in its own schema,
// jobs survive restarts, and its crontab runs each scheduled item once across all instances.
import { Logger } from '@graphile/logger';
import { run, runMigrations, type Runner, type TaskList, type WorkerUtils, makeWorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import type { Logger as AppLogger } from '../logger';
import { rollupDay, today, yesterday } from './rollup';
import { runRetention } from './retention';
import { snapshotUsage } from './usage';

/**
 * 00:05 UTC: yesterday's final numbers (backfilling up to 3 missed days after downtime).
 * Every 15 minutes: today's numbers so far, so dashboards move during the day.
 */
export const CRONTAB = [
  '5 0 * * * rollup ?fill=3d',
  '*/15 * * * * rollup_today',
  // Usage: yesterday's final numbers, and today's so far.
  '10 0 * * * usage ?fill=3d',
  '*/15 * * * * usage_today',
  // Retention: once a day, in batches (see retention.ts).
  '30 3 * * * retention',
].join('\n');

interface RollupPayload {
  date?: string;
  _cron?: { ts: string };
}

export function taskList(owner: pg.Pool, log: AppLogger): TaskList {
  return {
    rollup: async (payload) => {
      const p = (payload ?? {}) as RollupPayload;
      const date = p.date ?? yesterday(p._cron ? new Date(p._cron.ts) : new Date());
      const result = await rollupDay(owner, date);
      log.info({ job: 'rollup', ...result }, 'rollup done');
    },
    rollup_today: async (payload) => {
      const p = (payload ?? {}) as RollupPayload;
      const result = await rollupDay(owner, today(p._cron ? new Date(p._cron.ts) : new Date()));
      log.debug({ job: 'rollup_today', ...result }, 'rollup of today done');
    },
    usage: async (payload) => {
      const p = (payload ?? {}) as RollupPayload;
      const result = await snapshotUsage(owner, p.date ?? yesterday(p._cron ? new Date(p._cron.ts) : new Date()));
      log.info({ job: 'usage', ...result }, 'usage snapshot done');
    },
    usage_today: async (payload) => {
      const p = (payload ?? {}) as RollupPayload;
      const result = await snapshotUsage(owner, today(p._cron ? new Date(p._cron.ts) : new Date()));
      log.debug({ job: 'usage_today', ...result }, 'usage snapshot of today done');
    },
    retention: async () => {
      const result = await runRetention(owner, { log });
      log.info({ job: 'retention', ...result }, 'retention done');
    },
  };
}

function workerLogger(log: AppLogger): Logger {
  return new Logger((scope) => (level, message, meta) => {
    const child = log.child({ worker: 'graphile-worker', ...scope });
    if (level === 'error') child.error(meta ?? {}, message);
    else if (level === 'warning') child.warn(meta ?? {}, message);
    else child.debug(meta ?? {}, message);
  });
}

/** Runs the queue inside this process until stopped. Shutdown is main.ts's, not the worker's. */
export async function startJobs(owner: pg.Pool, log: AppLogger, options: { crontab?: string } = {}): Promise<Runner> {
  return run({
    pgPool: owner,
    taskList: taskList(owner, log),
    crontab: options.crontab ?? CRONTAB,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: workerLogger(log),
  });
}

export async function jobUtils(owner: pg.Pool, log: AppLogger): Promise<WorkerUtils> {
  await runMigrations({ pgPool: owner, logger: workerLogger(log) });
  return makeWorkerUtils({ pgPool: owner, logger: workerLogger(log) });
}
