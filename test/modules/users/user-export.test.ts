// GDPR export of a large history: exportUserDataPage pages through it with bounded pages (by
// count and by bytes) and misses nothing; the deprecated whole-document exportUserData refuses
// what would not fit one response (RESPONSE_TOO_LARGE) instead of building it.
import { useApiHarness, gid, ERRORS, type Json } from '../../helpers/api';

// A low response bound, so that a history of a few MB is "large".
const MAX_RESPONSE_BYTES = 256 * 1024;
const api = useApiHarness({ env: { MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES) } });
const { mutate, sql, one, count } = api;
const A = () => api.tenants.creatorA;

const PAGE = `mutation($id: ID!, $after: String, $first: Int) { exportUserDataPage(userId: $id, after: $after, first: $first) { __typename ... on ExportUserDataPageSuccess { data { format userId exportedAt section records endCursor hasNextPage } } ${ERRORS} } }`;
const WHOLE = `mutation($id: ID!) { exportUserData(userId: $id) { __typename ... on ExportUserDataSuccess { data } ${ERRORS} } }`;
const SECTIONS = [
  'PROFILE',
  'SESSIONS',
  'INTERACTIONS',
  'CONVERSATIONS',
  'MESSAGES',
  'ENROLLMENTS',
  'BADGES',
  'ACHIEVEMENTS',
];

// What the database holds about the user, per section, in export order (time, then id; messages by conversation first).
const ORDERED: Record<string, string> = {
  SESSIONS: `SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY started_at, id`,
  INTERACTIONS: `SELECT id FROM user_interactions WHERE user_id = $1 ORDER BY created_at, id`,
  CONVERSATIONS: `SELECT id FROM conversations WHERE user_id = $1 ORDER BY created_at, id`,
  MESSAGES: `SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.user_id = $1 ORDER BY m.conversation_id, m.created_at, m.id`,
  ENROLLMENTS: `SELECT id FROM program_enrollments WHERE user_id = $1 ORDER BY enrolled_at, id`,
  BADGES: `SELECT id FROM user_badges WHERE user_id = $1 ORDER BY earned_at, id`,
  ACHIEVEMENTS: `SELECT id FROM achievements WHERE user_id = $1 ORDER BY earned_at, id`,
};

const exportsOf = (userId: string) =>
  count(`security_audit_logs WHERE event_type = 'user_data.exported' AND event_data->>'userId' = $1`, [userId]);

let userId: string;

beforeAll(async () => {
  // A user of A with a large history, written through the owner connection: 2,500 interactions
  // of about 600 bytes, 1,500 messages of about 400, 300 sessions, many sharing a timestamp (the
  // pages' order must break ties by id).
  const user = (await one(`SELECT id, channel FROM users WHERE creator_id = $1 ORDER BY id LIMIT 1`, [A()]))!;
  userId = user.id;
  const at = `now() - make_interval(mins => (g % 7))`;
  await sql(`ALTER TABLE user_interactions DISABLE TRIGGER evaluate_badges`);
  try {
    await sql(
      `INSERT INTO user_interactions (creator_id, user_id, interaction_type, interaction_data, created_at)
               SELECT $1, $2, 'bulk', jsonb_build_object('n', g, 'text', repeat('i', 600)), ${at} FROM generate_series(1, 2500) g`,
      [A(), userId],
    );
  } finally {
    await sql(`ALTER TABLE user_interactions ENABLE TRIGGER evaluate_badges`);
  }
  const [conversation] = await sql(
    `INSERT INTO conversations (creator_id, user_id, channel) VALUES ($1, $2, $3) RETURNING id`,
    [A(), userId, user.channel],
  );
  await sql(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content, created_at)
             SELECT $1, $2, 'user', repeat('m', 400) || g, ${at} FROM generate_series(1, 1500) g`,
    [A(), conversation!.id],
  );
  await sql(
    `INSERT INTO user_sessions (creator_id, user_id, channel, session_token_hash, started_at, last_activity_at, expires_at)
             SELECT $1, $2, $3, md5('s' || g), ${at}, ${at}, now() + interval '1 day' FROM generate_series(1, 300) g`,
    [A(), userId, user.channel],
  );
}, 120_000);

describe('exportUserDataPage', () => {
  test('asCreatorA: a history far larger than one response is exported in bounded pages, complete and in order, and recorded once', async () => {
    const before = await exportsOf(userId);
    const first = 200;
    const got: Record<string, string[]> = Object.fromEntries(SECTIONS.map((s) => [s, []]));
    let after: string | null = null;
    let pages = 0;
    let totalBytes = 0;
    let lastSection = 0;
    let profile: Json | undefined;
    for (;;) {
      const response = await api.send('asCreatorA', PAGE, { id: gid('User', userId), after, first });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const bytes = Buffer.byteLength(JSON.stringify(response.body));
      expect(bytes).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      totalBytes += bytes;
      const result = response.body.data!.exportUserDataPage as Json;
      expect(result.__typename).toBe('ExportUserDataPageSuccess');
      const page = result.data as Json;
      pages += 1;
      expect(page.format).toBe('creatorgraph.user-export.v2');
      expect(page.userId).toBe(gid('User', userId));
      expect(page.records.length).toBeLessThanOrEqual(first);
      // Sections come in order, never back.
      const section = SECTIONS.indexOf(page.section);
      expect(section).toBeGreaterThanOrEqual(lastSection);
      lastSection = section;
      if (page.section === 'PROFILE') profile = page.records[0];
      else got[page.section]!.push(...page.records.map((r: Json) => r.id));
      expect(page.hasNextPage).toBe(page.endCursor !== null);
      if (!page.hasNextPage) break;
      // Only the last page may be empty.
      expect(page.records.length).toBeGreaterThan(0);
      after = page.endCursor;
      // Opaque: the cursor is sealed, nothing of the export's position is readable in it.
      expect(Buffer.from(page.endCursor, 'base64url').toString('latin1')).not.toMatch(new RegExp(`${userId}|"v":2`));
      expect(pages).toBeLessThan(500);
    }
    // The export was larger than any one response could be, and came in many pages.
    expect(totalBytes).toBeGreaterThan(5 * MAX_RESPONSE_BYTES);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil((2500 + 1500 + 300) / first));
    expect(profile?.user.id).toBe(userId);
    // Complete: every row, once, in (time, id) order.
    for (const [section, query] of Object.entries(ORDERED)) {
      const expected = (await sql<{ id: string }>(query, [userId])).map((r) => r.id);
      expect({ section, ids: got[section] }).toEqual({ section, ids: expected });
    }
    expect(got.INTERACTIONS!.length).toBeGreaterThanOrEqual(2500);
    expect(got.MESSAGES!.length).toBeGreaterThanOrEqual(1500);
    // Not the session token's hash.
    const sessions = await api.send('asCreatorA', PAGE, { id: gid('User', userId), first: 1 });
    expect(JSON.stringify(sessions.body)).not.toMatch(/sessionTokenHash/);
    // Recorded once per export (its first page): two exports begun, two records.
    expect(await exportsOf(userId)).toBe(before + 2);
  }, 180_000);

  test('asCreatorA: a page holds at most `first` records, and at most half of MAX_RESPONSE_BYTES of them', async () => {
    const start = (await mutate('asCreatorA', PAGE, 'exportUserDataPage', { id: gid('User', userId) })).data;
    let after = start.endCursor;
    let sawInteractions = false;
    while (after && !sawInteractions) {
      const page = (
        await mutate('asCreatorA', PAGE, 'exportUserDataPage', { id: gid('User', userId), after, first: 500 })
      ).data;
      if (page.section === 'INTERACTIONS') {
        sawInteractions = true;
        // 500 interactions of ~700 bytes would be ~350 KB: the byte budget (128 KiB) cuts the page first.
        expect(page.records.length).toBeLessThan(500);
        expect(Buffer.byteLength(JSON.stringify(page.records))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES / 2);
      }
      after = page.endCursor;
    }
    expect(sawInteractions).toBe(true);
  }, 120_000);

  test('asCreatorA: bad input is VALIDATION_FAILED naming the argument, and nothing is written', async () => {
    const before = await count('security_audit_logs');
    const other = (await one(`SELECT id FROM users WHERE creator_id = $1 AND id <> $2 LIMIT 1`, [A(), userId]))!.id;
    const cursorOfOther = (await mutate('asCreatorA', PAGE, 'exportUserDataPage', { id: gid('User', other) })).data
      .endCursor;
    const written = await count('security_audit_logs');
    expect(written).toBe(before + 1);
    const cases: [Json, string][] = [
      [{ first: 0 }, 'first'],
      [{ first: 501 }, 'first'],
      [{ after: 'not a cursor' }, 'after'],
      [
        {
          after: Buffer.from(
            JSON.stringify({ v: 2, u: userId, e: new Date().toISOString(), s: 99, a: null, i: null }),
          ).toString('base64url'),
        },
        'after',
      ],
      [
        {
          after: Buffer.from(
            JSON.stringify({
              v: 2,
              u: userId,
              e: new Date().toISOString(),
              s: 2,
              a: "2026-01-01'; DROP TABLE users; --",
              i: userId,
            }),
          ).toString('base64url'),
        },
        'after',
      ],
      // A cursor of another user's export.
      [{ after: cursorOfOther }, 'after'],
    ];
    for (const [variables, path] of cases) {
      const result = await mutate('asCreatorA', PAGE, 'exportUserDataPage', { id: gid('User', userId), ...variables });
      expect({ variables, typename: result.__typename, paths: result.fields?.map((f: Json) => f.path) }).toEqual({
        variables,
        typename: 'ValidationError',
        paths: [path],
      });
    }
    expect(await count('security_audit_logs')).toBe(written);
  });
});

describe('exportUserData (deprecated)', () => {
  test('asCreatorA: a history over MAX_RESPONSE_BYTES is refused with RESPONSE_TOO_LARGE, without building it, and nothing is recorded', async () => {
    const before = await exportsOf(userId);
    const response = await api.send('asCreatorA', WHOLE, { id: gid('User', userId) });
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', maxBytes: MAX_RESPONSE_BYTES }),
    );
    expect(response.body.errors?.[0]?.message).toMatch(/limit is 262144/);
    expect(Buffer.byteLength(JSON.stringify(response.body))).toBeLessThan(4_096);
    expect(await exportsOf(userId)).toBe(before);
  });
});

describe('tenant isolation', () => {
  test("asCreatorB cannot export creator A's user, with or without A's cursor, and nothing is written", async () => {
    const cursor = (await mutate('asCreatorA', PAGE, 'exportUserDataPage', { id: gid('User', userId) })).data.endCursor;
    const logs = await count('security_audit_logs');
    // Without a cursor the user is not found; with A's cursor, the cursor (sealed to A) is not B's.
    for (const [variables, typename] of [
      [{}, 'NotFoundError'],
      [{ after: cursor }, 'ValidationError'],
      [{ after: cursor, first: 500 }, 'ValidationError'],
    ] as const) {
      const response = await api.send('asCreatorB', PAGE, { id: gid('User', userId), ...variables });
      const result = response.body.data!.exportUserDataPage as Json;
      expect(result).toEqual(expect.objectContaining({ __typename: typename }));
      expect(JSON.stringify(response.body)).not.toContain(userId);
    }
    const whole = await mutate('asCreatorB', WHOLE, 'exportUserData', { id: gid('User', userId) });
    expect(whole.code).toBe('NOT_FOUND');
    expect(await count('security_audit_logs')).toBe(logs);
  });
});
