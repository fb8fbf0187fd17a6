// Data retention: old rows go, in batches, so that a large backlog never holds long locks.
// Each creator may choose its own periods in settings.retention (within bounds: checked when
// saved, and clamped here again); rows without a creator use the default. The periods and their
// bounds are the creators module's (modules/creators/retention.service.ts).
import type pg from 'pg';
import type { Logger } from '../logger';
import { RETENTION_POLICIES, type RetentionPolicy } from '../modules/creators/retention.service';

export const DEFAULT_BATCH_SIZE = 5_000;

/** One batch, in its own transaction, with the audit trail off: housekeeping is not a change
 * of anyone's data to record row by row (the job logs what it removed). */
async function deleteBatch(owner: pg.Pool, sql: string, params: unknown[]): Promise<{ rowCount: number | null }> {
  const client = await owner.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.audit_skip', 'on', true)`);
    const result = await client.query(sql, params);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface RetentionResult {
  /** Rows deleted, per table. */
  deleted: Record<string, number>;
  /** Delete statements run, per table. */
  batches: Record<string, number>;
}

function periodSql(p: RetentionPolicy): string {
  const raw = `c.settings -> 'retention' ->> '${p.setting}'`;
  // A value that is not a whole number counts as unset; a number outside the bounds is clamped.
  return `LEAST(${p.maxDays}, GREATEST(${p.minDays}, COALESCE(CASE WHEN ${raw} ~ '^[0-9]{1,6}$' THEN (${raw})::integer END, ${p.defaultDays})))`;
}

/**
 * Deletes what every policy says is past its period: creator by creator (each with its own
 * cutoff), `batchSize` rows per statement through the (creator_id, time) index, each statement
 * its own transaction, skipping rows another transaction holds. Runs as the owner.
 */
export async function runRetention(
  owner: pg.Pool,
  options: { batchSize?: number; log?: Logger; policies?: RetentionPolicy[] } = {},
): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: RetentionResult = { deleted: {}, batches: {} };
  for (const policy of options.policies ?? RETENTION_POLICIES) {
    const { rows: cutoffs } = await owner.query<{ creator_id: string | null; days: number }>(
      // Rows without a creator (platform security events) keep the default period.
      `SELECT c.id AS creator_id, ${periodSql(policy)} AS days FROM creators c
       UNION ALL SELECT NULL, ${policy.defaultDays} WHERE EXISTS (SELECT 1 FROM ${policy.table} WHERE creator_id IS NULL)`,
    );
    let deleted = 0;
    let batches = 0;
    for (const { creator_id: creatorId, days } of cutoffs) {
      for (;;) {
        const { rowCount } = await deleteBatch(
          owner,
          `DELETE FROM ${policy.table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ${policy.table}
             WHERE ${creatorId === null ? 'creator_id IS NULL AND $1::uuid IS NULL' : 'creator_id = $1::uuid'} AND ${policy.column} < now() - make_interval(days => $2::integer)
             LIMIT $3 FOR UPDATE SKIP LOCKED))`,
          [creatorId, days, batchSize],
        );
        batches += 1;
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < batchSize) break;
      }
    }
    result.deleted[policy.table] = deleted;
    result.batches[policy.table] = batches;
    options.log?.info(
      { job: 'retention', table: policy.table, deleted, batches, creators: cutoffs.length - 1 },
      'retention: old rows removed',
    );
  }
  return result;
}
