// Data retention: old rows go, in batches, so that a large backlog never holds long locks.
// Each creator may choose its own periods in settings.retention (within bounds: checked when
// saved, and clamped here again); rows without a creator use the default.
import type pg from 'pg';
import type { Logger } from '../logger';

export interface RetentionPolicy {
  /** The key in creators.settings.retention, e.g. "securityAuditLogsDays". */
  setting: string;
  table: string;
  /** The row's age is measured from this column. */
  column: string;
  defaultDays: number;
  minDays: number;
  maxDays: number;
}

export const RETENTION_POLICIES: RetentionPolicy[] = [
  // Expired end-user sessions: removed a week after they expire.
  { setting: 'userSessionsDays', table: 'user_sessions', column: 'expires_at', defaultDays: 7, minDays: 1, maxDays: 90 },
  { setting: 'securityAuditLogsDays', table: 'security_audit_logs', column: 'created_at', defaultDays: 90, minDays: 30, maxDays: 730 },
  { setting: 'apiUsageLogsDays', table: 'api_usage_logs', column: 'created_at', defaultDays: 30, minDays: 7, maxDays: 365 },
  { setting: 'userInteractionsDays', table: 'user_interactions', column: 'created_at', defaultDays: 730, minDays: 30, maxDays: 3650 },
];

export const DEFAULT_BATCH_SIZE = 5_000;

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
 * Deletes what every policy says is past its period, `batchSize` rows per statement, each
 * statement its own transaction. Runs as the owner, across creators.
 */
export async function runRetention(owner: pg.Pool, options: { batchSize?: number; log?: Logger; policies?: RetentionPolicy[] } = {}): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: RetentionResult = { deleted: {}, batches: {} };
  for (const policy of options.policies ?? RETENTION_POLICIES) {
    let deleted = 0;
    let batches = 0;
    for (;;) {
      const { rowCount } = await owner.query(
        `WITH doomed AS (
           SELECT t.ctid AS row_ctid FROM ${policy.table} t LEFT JOIN creators c ON c.id = t.creator_id
           WHERE t.${policy.column} < now() - make_interval(days => ${periodSql(policy)})
           LIMIT $1
           FOR UPDATE OF t SKIP LOCKED
         )
         DELETE FROM ${policy.table} t USING doomed WHERE t.ctid = doomed.row_ctid`,
        [batchSize],
      );
      batches += 1;
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) break;
    }
    result.deleted[policy.table] = deleted;
    result.batches[policy.table] = batches;
    options.log?.info({ job: 'retention', table: policy.table, deleted, batches }, 'retention: old rows removed');
  }
  return result;
}
