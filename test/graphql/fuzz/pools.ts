// Real values to aim at: ids of tenant A's and tenant B's rows (so that calls get past NOT_FOUND
// into deeper code, and so that cross-tenant calls aim at rows that exist), and cursors the
// server handed out during the run (so that "garbage cursor" includes tampered real ones and
// other tenants' ones).
import crypto from 'node:crypto';
import type pg from 'pg';
import { toGlobalId } from '../../../src/graphql/ids';

export type Tenant = 'A' | 'B';

/** The table behind each Node type. */
export const TABLE_OF_TYPE: Record<string, string> = {
  Achievement: 'achievements',
  ApiKey: 'api_keys',
  ApiUsageLog: 'api_usage_logs',
  AuditLog: 'audit_log',
  Badge: 'badges',
  BillingSubscription: 'subscriptions',
  Channel: 'channels',
  Conversation: 'conversations',
  Document: 'documents',
  DocumentChunk: 'document_chunks',
  EngagementMetric: 'engagement_metrics',
  KnowledgeBase: 'knowledge_bases',
  Message: 'messages',
  Program: 'programs',
  ProgramAnalytic: 'program_analytics',
  ProgramEnrollment: 'program_enrollments',
  SecurityAuditLog: 'security_audit_logs',
  UsageRecord: 'usage_tracking',
  User: 'users',
  UserBadge: 'user_badges',
  UserInteraction: 'user_interactions',
  UserProfile: 'user_profiles',
  UserSession: 'user_sessions',
  WidgetConfig: 'widget_configs',
};

export interface Pools {
  creators: Record<Tenant, string>;
  /** Global ids by tenant and type. */
  ids: Record<Tenant, Map<string, string[]>>;
  /** Cursors seen in responses, by the tenant whose request got them and the root field. */
  cursors: Record<Tenant, Map<string, string[]>>;
  emails: Record<Tenant, string>;
  types: string[];
}

const PER_TYPE = 6;

export async function loadPools(owner: pg.Client, creators: Record<Tenant, string>): Promise<Pools> {
  const ids: Pools['ids'] = { A: new Map(), B: new Map() };
  for (const tenant of ['A', 'B'] as const) {
    const creatorId = creators[tenant];
    ids[tenant].set('Creator', [toGlobalId('Creator', creatorId)]);
    for (const [type, table] of Object.entries(TABLE_OF_TYPE)) {
      const { rows } = await owner.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE creator_id = $1 ORDER BY id LIMIT ${PER_TYPE}`,
        [creatorId],
      );
      ids[tenant].set(
        type,
        rows.map((r) => toGlobalId(type, String(r.id))),
      );
    }
  }
  const emails = { A: '', B: '' };
  for (const tenant of ['A', 'B'] as const) {
    emails[tenant] = (
      await owner.query<{ email: string }>(`SELECT email FROM creators WHERE id = $1`, [creators[tenant]])
    ).rows[0]!.email;
  }
  return {
    creators,
    ids,
    cursors: { A: new Map(), B: new Map() },
    emails,
    types: ['Creator', ...Object.keys(TABLE_OF_TYPE)],
  };
}

/** Types whose pools are empty for a tenant: the fixtures should give every type a row. */
export function emptyTypes(pools: Pools): string[] {
  return (['A', 'B'] as const).flatMap((t) =>
    [...pools.ids[t]].filter(([, list]) => list.length === 0).map(([type]) => `${t}:${type}`),
  );
}

/** Remembers the cursors in a response (any key ending in "cursor"), up to a bound per field. */
export function harvestCursors(pools: Pools, tenant: Tenant, field: string, value: unknown): void {
  let list = pools.cursors[tenant].get(field);
  if (!list) pools.cursors[tenant].set(field, (list = []));
  const seen = list;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (typeof inner === 'string' && /cursor$/i.test(key)) {
          if (seen.length < 100 && !seen.includes(inner)) seen.push(inner);
        } else walk(inner);
      }
    }
  };
  walk(value);
}

/** Every cursor a tenant got, whatever the field. */
export const allCursors = (pools: Pools, tenant: Tenant) => [...pools.cursors[tenant].values()].flat();

/** A global id of `type` around a uuid that exists nowhere. */
export const phantomId = (type: string, rand: number) =>
  toGlobalId(
    type,
    crypto
      .createHash('md5')
      .update(String(rand))
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
  );
