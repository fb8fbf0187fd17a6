// How long each kind of data is kept: the periods a creator may choose in settings.retention,
// their bounds and defaults. updateCreator checks a creator's choice against them
// (creator.schema.ts); the retention job deletes what is past them (jobs/retention.ts).

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
  {
    setting: 'userSessionsDays',
    table: 'user_sessions',
    column: 'expires_at',
    defaultDays: 7,
    minDays: 1,
    maxDays: 90,
  },
  {
    setting: 'securityAuditLogsDays',
    table: 'security_audit_logs',
    column: 'created_at',
    defaultDays: 90,
    minDays: 30,
    maxDays: 730,
  },
  {
    setting: 'apiUsageLogsDays',
    table: 'api_usage_logs',
    column: 'created_at',
    defaultDays: 30,
    minDays: 7,
    maxDays: 365,
  },
  {
    setting: 'userInteractionsDays',
    table: 'user_interactions',
    column: 'created_at',
    defaultDays: 730,
    minDays: 30,
    maxDays: 3650,
  },
];
