// Data retention (a job on the Postgres queue, and the CLI) over a seeded backlog, with
// per-creator periods in settings; and GDPR export and erasure through GraphQL.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../helpers/api';
import { runRetention } from '../../src/jobs/retention';
import { RETENTION_POLICIES } from '../../src/modules/creators/retention.service';
import { createPool } from '../../src/db/clients';

const api = useApiHarness();
const { mutate, sql, one, count } = api;
const A = () => api.tenants.creatorA;
const B = () => api.tenants.creatorB;

const UPDATE_ME = `mutation($input: UpdateMeInput!) { updateMe(input: $input) { __typename ... on UpdateMeSuccess { data { settings } } ${ERRORS} } }`;

async function backlog(creatorId: string, daysAgo: number, n: number) {
  const [user] = await sql(`SELECT id, channel FROM users WHERE creator_id = $1 LIMIT 1`, [creatorId]);
  const at = `now() - make_interval(days => ${daysAgo})`;
  await sql(
    `INSERT INTO security_audit_logs (creator_id, event_type, severity, created_at) SELECT $1, 'old.event', 'info', ${at} FROM generate_series(1, $2::int)`,
    [creatorId, n],
  );
  await sql(
    `INSERT INTO api_usage_logs (creator_id, status_code, duration_ms, created_at) SELECT $1, 200, 5, ${at} FROM generate_series(1, $2::int)`,
    [creatorId, n],
  );
  await sql(
    `INSERT INTO user_sessions (creator_id, user_id, channel, session_token_hash, started_at, last_activity_at, expires_at)
             SELECT $1, $3, $4, md5(random()::text || g), ${at} - interval '1 day', ${at} - interval '1 day', ${at} FROM generate_series(1, $2::int) g`,
    [creatorId, n, user!.id, user!.channel],
  );
  await sql(`ALTER TABLE user_interactions DISABLE TRIGGER evaluate_badges`);
  await sql(
    `INSERT INTO user_interactions (creator_id, user_id, interaction_type, created_at) SELECT $1, $3, 'ancient', ${at} FROM generate_series(1, $2::int)`,
    [creatorId, n, user!.id],
  );
  await sql(`ALTER TABLE user_interactions ENABLE TRIGGER evaluate_badges`);
}

describe('retention', () => {
  test('asCreatorA: retention periods in settings are checked against their bounds', async () => {
    const bad = await mutate('asCreatorA', UPDATE_ME, 'updateMe', {
      input: {
        settings: { theme: 'dark', retention: { securityAuditLogsDays: 5, apiUsageLogsDays: 10.5, forever: 1 } },
      },
    });
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.fields.map((f: Json) => f.path).sort()).toEqual([
      'input.settings.retention',
      'input.settings.retention.apiUsageLogsDays',
      'input.settings.retention.securityAuditLogsDays',
    ]);
    const ok = await mutate('asCreatorA', UPDATE_ME, 'updateMe', {
      input: { settings: { theme: 'dark', retention: { securityAuditLogsDays: 400, apiUsageLogsDays: 7 } } },
    });
    expect(ok.data.settings.retention).toEqual({ securityAuditLogsDays: 400, apiUsageLogsDays: 7 });
  });

  test("a run over a backlog deletes in batches what each creator's periods say, and keeps the rest", async () => {
    // A keeps security logs 400 days and API logs 7 (set above); B uses the defaults (90 / 30).
    await backlog(A(), 200, 250); // security logs: kept by A (400 d); API logs: gone (7 d)
    await backlog(B(), 200, 250); // security logs: gone (90 d); API logs: gone (30 d)
    await backlog(B(), 20, 40); //   API logs: kept (30 d); security logs: kept
    await backlog(A(), 800, 30); //  interactions past 2 years: gone for both
    const recent = await count(`user_interactions WHERE created_at > now() - interval '1 day'`);
    // Sessions that expired 3 days ago stay (they go 7 days after expiry).
    const [u] = await sql(`SELECT id, channel FROM users WHERE creator_id = $1 LIMIT 1`, [A()]);
    await sql(
      `INSERT INTO user_sessions (creator_id, user_id, channel, session_token_hash, started_at, last_activity_at, expires_at)
               SELECT $1, $2, $3, md5(random()::text || g), now() - interval '4 days', now() - interval '4 days', now() - interval '3 days' FROM generate_series(1, 3) g`,
      [A(), u!.id, u!.channel],
    );
    const recentSessions = await count(
      `user_sessions WHERE expires_at > now() - interval '4 days' AND expires_at < now() - interval '2 days'`,
    );
    expect(recentSessions).toBeGreaterThanOrEqual(3);

    const pool = createPool(api.db.ownerUrl, { max: 2, applicationName: 'test-retention' });
    let result;
    try {
      result = await runRetention(pool, { batchSize: 100 });
    } finally {
      await pool.end();
    }
    expect(await count(`security_audit_logs WHERE creator_id = $1 AND event_type = 'old.event'`, [A()])).toBe(250);
    expect(await count(`security_audit_logs WHERE creator_id = $1 AND event_type = 'old.event'`, [B()])).toBe(40);
    expect(await count(`api_usage_logs WHERE creator_id = $1 AND created_at < now() - interval '7 days'`, [A()])).toBe(
      0,
    );
    expect(await count(`api_usage_logs WHERE creator_id = $1 AND created_at < now() - interval '25 days'`, [B()])).toBe(
      0,
    );
    expect(await count(`api_usage_logs WHERE creator_id = $1 AND created_at < now() - interval '19 days'`, [B()])).toBe(
      40,
    );
    expect(await count(`user_sessions WHERE expires_at < now() - interval '7 days'`)).toBe(0);
    expect(
      await count(
        `user_sessions WHERE expires_at > now() - interval '4 days' AND expires_at < now() - interval '2 days'`,
      ),
    ).toBe(recentSessions);
    expect(
      await count(`user_interactions WHERE interaction_type = 'ancient' AND created_at < now() - interval '730 days'`),
    ).toBe(0);
    expect(await count(`user_interactions WHERE interaction_type = 'ancient'`)).toBe(250 * 2 + 40);
    expect(await count(`user_interactions WHERE created_at > now() - interval '1 day'`)).toBe(recent);
    // 250 + 250 old API rows (plus the seed's) in batches of 100: several statements.
    expect(result.deleted.api_usage_logs).toBeGreaterThanOrEqual(500);
    expect(result.batches.api_usage_logs).toBeGreaterThanOrEqual(6);
    expect(result.deleted.security_audit_logs).toBeGreaterThanOrEqual(250);
    expect(result.deleted.user_interactions).toBe(30);
    expect(Object.keys(result.deleted).sort()).toEqual(RETENTION_POLICIES.map((p) => p.table).sort());
  });

  test('npm run jobs -- retention runs the same job through the queue', async () => {
    await backlog(B(), 300, 5);
    const before = await count(
      `security_audit_logs WHERE creator_id = $1 AND created_at < now() - interval '90 days'`,
      [B()],
    );
    expect(before).toBe(5);
    const run = promisify(execFile);
    await run('node', ['--import', 'tsx', 'src/cli/jobs.ts', 'retention'], {
      cwd: `${__dirname}/../..`,
      env: {
        ...process.env,
        DATABASE_URL: api.db.appUrl,
        DATABASE_OWNER_URL: api.db.ownerUrl,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      },
      timeout: 60_000,
    });
    expect(
      await count(`security_audit_logs WHERE creator_id = $1 AND created_at < now() - interval '90 days'`, [B()]),
    ).toBe(0);
  });
});

describe('GDPR', () => {
  // exportUserData is deprecated (exportUserDataPage pages); it still answers for what fits one response.
  const EXPORT = `mutation($id: ID!) { exportUserData(userId: $id) { __typename ... on ExportUserDataSuccess { data } ${ERRORS} } }`;
  const ERASE = `mutation($id: ID!, $reason: String) { eraseUser(userId: $id, reason: $reason) { __typename ... on EraseUserSuccess { data { userId erased } } ${ERRORS} } }`;

  async function richUser(creatorId: string): Promise<string> {
    return (await one(
      `SELECT u.id FROM users u WHERE u.creator_id = $1
         AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = u.id AND c.message_count > 0)
         AND EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id)
         AND EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id)
         AND EXISTS (SELECT 1 FROM achievements a WHERE a.user_id = u.id)
       LIMIT 1`,
      [creatorId],
    ))!.id;
  }

  test('asCreatorA: exportUserData returns everything held about the user, and records the export', async () => {
    const userId = await richUser(A());
    const result = await mutate('asCreatorA', EXPORT, 'exportUserData', { id: gid('User', userId) });
    expect(result.__typename).toBe('ExportUserDataSuccess');
    const data = result.data;
    expect(data.format).toBe('creatorgraph.user-export.v1');
    expect(data.user.id).toBe(userId);
    const expectCount = async (items: unknown[], from: string) =>
      expect(items).toHaveLength(await count(from, [userId]));
    await expectCount(data.interactions, 'user_interactions WHERE user_id = $1');
    await expectCount(data.conversations, 'conversations WHERE user_id = $1');
    await expectCount(data.enrollments, 'program_enrollments WHERE user_id = $1');
    await expectCount(data.badges, 'user_badges WHERE user_id = $1');
    await expectCount(data.achievements, 'achievements WHERE user_id = $1');
    await expectCount(data.sessions, 'user_sessions WHERE user_id = $1');
    const messages = data.conversations.flatMap((c: Json) => c.messages);
    expect(messages).toHaveLength(
      await count(`messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.user_id = $1`, [userId]),
    );
    expect(data.badges[0].badge.name).toEqual(expect.any(String));
    expect(
      await count(`security_audit_logs WHERE event_type = 'user_data.exported' AND event_data->>'userId' = $1`, [
        userId,
      ]),
    ).toBe(1);
  });

  const EXPORT_PAGE = `mutation($id: ID!, $after: String, $first: Int) { exportUserDataPage(userId: $id, after: $after, first: $first) { __typename ... on ExportUserDataPageSuccess { data { format section records endCursor hasNextPage } } ${ERRORS} } }`;

  test('asCreatorA: exportUserDataPage holds the same records as the whole-document export, page by page, and records the export once', async () => {
    const userId = await richUser(A());
    const whole = (await mutate('asCreatorA', EXPORT, 'exportUserData', { id: gid('User', userId) })).data;
    const before = await count(
      `security_audit_logs WHERE event_type = 'user_data.exported' AND event_data->>'userId' = $1`,
      [userId],
    );
    const sections: Record<string, Json[]> = {};
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const result: Json = (
        await mutate('asCreatorA', EXPORT_PAGE, 'exportUserDataPage', { id: gid('User', userId), after, first: 2 })
      ).data;
      expect(result.format).toBe('creatorgraph.user-export.v2');
      expect(result.records.length).toBeLessThanOrEqual(2);
      (sections[result.section] ??= []).push(...result.records);
      if (!result.hasNextPage) break;
      after = result.endCursor;
    }
    expect(sections.PROFILE).toEqual([{ user: whole.user, profile: whole.profile }]);
    const ids = (items: Json[] | undefined) => (items ?? []).map((i) => i.id);
    expect(ids(sections.SESSIONS)).toEqual(ids(whole.sessions));
    expect(ids(sections.INTERACTIONS)).toEqual(ids(whole.interactions));
    expect(ids(sections.CONVERSATIONS)).toEqual(ids(whole.conversations));
    expect(ids(sections.MESSAGES).sort()).toEqual(whole.conversations.flatMap((c: Json) => ids(c.messages)).sort());
    expect(ids(sections.ENROLLMENTS)).toEqual(ids(whole.enrollments));
    expect(sections.BADGES).toEqual(whole.badges);
    expect(ids(sections.ACHIEVEMENTS)).toEqual(ids(whole.achievements));
    expect(
      await count(`security_audit_logs WHERE event_type = 'user_data.exported' AND event_data->>'userId' = $1`, [
        userId,
      ]),
    ).toBe(before + 1);
  });

  test('asCreatorA: eraseUser deletes the user and everything about them, and records it without personal data', async () => {
    const userId = await richUser(A());
    const user = (await one(`SELECT * FROM users WHERE id = $1`, [userId]))!;
    const tables = [
      'user_interactions',
      'conversations',
      'program_enrollments',
      'user_badges',
      'achievements',
      'user_sessions',
      'user_profiles',
    ];
    const before = Object.fromEntries(
      await Promise.all(tables.map(async (t) => [t, await count(`${t} WHERE user_id = $1`, [userId])] as const)),
    );
    const result = await mutate('asCreatorA', ERASE, 'eraseUser', { id: gid('User', userId), reason: 'ticket 4711' });
    expect(result.__typename).toBe('EraseUserSuccess');
    expect(result.data.erased).toEqual(
      expect.objectContaining({
        interactions: before.user_interactions,
        conversations: before.conversations,
        enrollments: before.program_enrollments,
        badges: before.user_badges,
      }),
    );
    expect(await count(`users WHERE id = $1`, [userId])).toBe(0);
    for (const t of tables) expect(await count(`${t} WHERE user_id = $1`, [userId])).toBe(0);
    const audit = (await one(
      `SELECT * FROM audit_log WHERE record_id = $1 AND table_name = 'users' AND operation = 'DELETE' AND reason LIKE 'GDPR erasure%'`,
      [userId],
    ))!;
    expect(audit).toEqual(
      expect.objectContaining({
        creator_id: A(),
        actor_type: 'creator',
        reason: 'GDPR erasure: ticket 4711',
        new_values: null,
      }),
    );
    // The record keeps counts, not the person.
    const text = JSON.stringify(audit);
    for (const pii of [user.external_id, user.email, user.display_name].filter(Boolean))
      expect(text).not.toContain(pii);
    await api.expectNoCounterDrift();
    // Erasing again: NOT_FOUND.
    expect((await mutate('asCreatorA', ERASE, 'eraseUser', { id: gid('User', userId) })).code).toBe('NOT_FOUND');
  });

  test("asCreatorB cannot export or erase creator A's user, and nothing is written", async () => {
    const userId = await richUser(A());
    const logs = await count('security_audit_logs');
    const trail = await count(`audit_log WHERE record_id = $1`, [userId]);
    expect((await mutate('asCreatorB', EXPORT, 'exportUserData', { id: gid('User', userId) })).code).toBe('NOT_FOUND');
    expect((await mutate('asCreatorB', EXPORT_PAGE, 'exportUserDataPage', { id: gid('User', userId) })).code).toBe(
      'NOT_FOUND',
    );
    expect((await mutate('asCreatorB', ERASE, 'eraseUser', { id: gid('User', userId) })).code).toBe('NOT_FOUND');
    expect(await count(`users WHERE id = $1`, [userId])).toBe(1);
    expect(await count('security_audit_logs')).toBe(logs);
    expect(await count(`audit_log WHERE record_id = $1`, [userId])).toBe(trail);
    expect(uuidOf(gid('User', userId))).toBe(userId);
  });
});
