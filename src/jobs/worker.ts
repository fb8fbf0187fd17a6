// Background jobs on graphile-worker (a Postgres job queue): the tables live in its own schema,
// jobs survive restarts, and its crontab runs each scheduled item once across all instances.
import { Logger, type LogLevel } from '@graphile/logger';
import { run, runMigrations, type Runner, type TaskList, type WorkerUtils, makeWorkerUtils } from 'graphile-worker';
import type pg from 'pg';
import type { PrismaClient } from '../db/clients';
import type { Logger as AppLogger } from '../logger';
import { evaluateBadgesQueued } from './badges';
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

/** What the tasks that act as a tenant need (without it, their jobs wait for a worker that has it). */
export interface TenantTasks {
  /** The application's client: tenant work goes through its pool, under row-level security. */
  app: PrismaClient;
  /** config.fairness.badgeEvaluationBudgetMs */
  badgeEvaluationBudgetMs: number;
}

export function taskList(owner: pg.Pool, log: AppLogger, tenant?: TenantTasks): TaskList {
  return {
    // Queued by the badge triggers (badge_fairness migration) after the writes rules count.
    ...(tenant
      ? {
          evaluate_badges: async (payload: unknown) =>
            void (await evaluateBadgesQueued(tenant.app, payload, tenant.badgeEvaluationBudgetMs, log)),
        }
      : {}),
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
  return new Logger((scope) => (level: `${LogLevel}`, message, meta) => {
    const child = log.child({ worker: 'graphile-worker', ...scope });
    if (level === 'error') child.error(meta ?? {}, message);
    else if (level === 'warning') child.warn(meta ?? {}, message);
    else child.debug(meta ?? {}, message);
  });
}

/** Runs the queue inside this process until stopped. Shutdown is main.ts's, not the worker's. */
export async function startJobs(
  owner: pg.Pool,
  log: AppLogger,
  options: { crontab?: string; tenant?: TenantTasks } = {},
): Promise<Runner> {
  return run({
    pgPool: owner,
    taskList: taskList(owner, log, options.tenant),
    crontab: options.crontab ?? CRONTAB,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: workerLogger(log),
  });
}

/**
 * Creates or updates the queue's own schema without working it: the database triggers queue jobs
 * (badge evaluations) whether or not this process runs them, and they wait there for a worker.
 */
export async function prepareJobQueue(owner: pg.Pool, log: AppLogger): Promise<void> {
  await runMigrations({ pgPool: owner, logger: workerLogger(log) });
}

export async function jobUtils(owner: pg.Pool, log: AppLogger): Promise<WorkerUtils> {
  await runMigrations({ pgPool: owner, logger: workerLogger(log) });
  return makeWorkerUtils({ pgPool: owner, logger: workerLogger(log) });
}
