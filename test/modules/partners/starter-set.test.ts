// asPartner over real HTTP: each operation of the starter set, with what it writes.
import { connect } from '../../helpers/fixtures';
import { useApiHarness, gid, uuidOf, type Json } from '../../helpers/api';
import { CREATE_KEY, partnerFixtures, type IssuedKey } from './fixtures';

const api = useApiHarness();
const { sql, one, count } = api;

const { issueKey, call, asPartner } = partnerFixtures(api);
let full: IssuedKey;
beforeAll(async () => {
  full = await issueKey('asCreatorA', { name: 'full access' });
});

describe('asPartner: the starter set', () => {
  test('PartnerUpsertUser creates, updates, and changes nothing when nothing differs', async () => {
    const input = {
      channel: 'WHATSAPP',
      externalId: '+15550001111',
      displayName: 'Lin',
      email: 'LIN@example.com',
      profileData: { plan: 'gold' },
    };
    const created = (await asPartner(full.secret, 'PartnerUpsertUser', { input })).upsertUserByExternalId;
    expect(created.__typename).toBe('UpsertUserByExternalIdSuccess');
    expect(created.data.created).toBe(true);
    expect(created.data.user).toEqual(
      expect.objectContaining({
        channel: 'WHATSAPP',
        externalId: '+15550001111',
        displayName: 'Lin',
        email: 'lin@example.com',
        timezone: 'UTC',
        isActive: true,
      }),
    );
    const id = uuidOf(created.data.user.id);
    const row = (await one(`SELECT * FROM users WHERE id = $1`, [id]))!;
    expect(row.creator_id).toBe(api.tenants.creatorA);

    const updated = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', timezone: 'Europe/Paris' },
      })
    ).upsertUserByExternalId;
    expect(updated.data).toEqual({
      created: false,
      user: expect.objectContaining({ id: created.data.user.id, displayName: 'Lin', timezone: 'Europe/Paris' }),
    });
    const afterUpdate = (await one(`SELECT updated_at, profile_data FROM users WHERE id = $1`, [id]))!;
    expect(afterUpdate.profile_data).toEqual({ plan: 'gold' });

    const same = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', displayName: 'Lin' },
      })
    ).upsertUserByExternalId;
    expect(same.data.created).toBe(false);
    expect((await one(`SELECT updated_at FROM users WHERE id = $1`, [id]))!.updated_at).toEqual(afterUpdate.updated_at);
    expect(await count(`users WHERE external_id = '+15550001111'`)).toBe(1);

    // null clears the optional fields; the others keep their value.
    const cleared = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', email: null, timezone: null },
      })
    ).upsertUserByExternalId;
    expect(cleared.data.user).toEqual(
      expect.objectContaining({ displayName: 'Lin', email: null, timezone: 'Europe/Paris' }),
    );
  });

  test('PartnerUpsertUser: concurrent upserts of one user create it once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        asPartner(full.secret, 'PartnerUpsertUser', {
          input: { channel: 'TELEGRAM', externalId: 'tg-race', displayName: `n${i % 2}` },
        }),
      ),
    );
    expect(results.filter((r) => r.upsertUserByExternalId.data.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.upsertUserByExternalId.data.user.id)).size).toBe(1);
    expect(await count(`users WHERE external_id = 'tg-race'`)).toBe(1);
  });

  test('PartnerUpsertUser: bad input names the fields and writes nothing', async () => {
    const before = await count('users');
    const result = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WEB', externalId: ' ', email: 'nope', timezone: 'Mars/Base' },
      })
    ).upsertUserByExternalId;
    expect(result.__typename).toBe('ValidationError');
    expect(result.fields.map((f: Json) => f.path).sort()).toEqual([
      'input.email',
      'input.externalId',
      'input.timezone',
    ]);
    expect(await count('users')).toBe(before);
  });

  // The feed lists a change once every transaction older than it has ended, in the whole cluster
  // (pg_snapshot_xmin): another test file's open transaction, in its own database, can hold the
  // newest changes back for a moment. These wait for them, never past 20 s, and then assert.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
  async function changesUntil(secret: string, after: string | null, count: number): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      const feed: Json = (await asPartner(secret, 'PartnerUserChanges', { after })).userChanges;
      if (feed.users.length >= count || attempt >= 100) return feed;
      await pause();
    }
  }

  test('PartnerUserChanges pages through changes from a cursor, and resumes after new ones', async () => {
    const aUsers = await sql(`SELECT id FROM users WHERE creator_id = $1 ORDER BY updated_at, id`, [
      api.tenants.creatorA,
    ]);
    // Drain the feed as it stands (again while the horizon holds the last changes back).
    let cursor: string | null = null;
    let seen: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      cursor = null;
      seen = [];
      for (let page = 0; page < 100; page++) {
        const feed: Json = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor, first: 7 }))
          .userChanges;
        seen.push(...feed.users.map((u: Json) => uuidOf(u.id)));
        cursor = feed.cursor;
        if (!feed.hasMore) break;
        expect(feed.users).toHaveLength(7);
      }
      if (seen.length >= aUsers.length) break;
      await pause();
    }
    expect(seen).toEqual(aUsers.map((u) => u.id));

    // Nothing new: the same cursor comes back, with no users.
    const idle = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
    expect(idle).toEqual({ cursor, hasMore: false, users: [] });

    // One update and one new user later, the feed has exactly those two, oldest change first.
    const changed = aUsers[0]!.id as string;
    await sql(`UPDATE users SET display_name = 'Renamed' WHERE id = $1`, [changed]);
    const fresh = (
      await asPartner(full.secret, 'PartnerUpsertUser', { input: { channel: 'WEB', externalId: 'feed-new' } })
    ).upsertUserByExternalId.data.user.id;
    const next = await changesUntil(full.secret, cursor, 2);
    expect(next.users.map((u: Json) => u.id)).toEqual([gid('User', changed), fresh]);
    expect(next.users[0].displayName).toBe('Renamed');

    const bad = await call(full.secret, 'PartnerUserChanges', { after: 'garbage' });
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const tooMany = await call(full.secret, 'PartnerUserChanges', { first: 501 });
    expect(tooMany.body.errors![0]!.extensions!.code).toBe('VALIDATION_FAILED');
  });

  test('PartnerUserChanges never skips a change a slow transaction commits behind the cursor', async () => {
    let cursor: string = (await asPartner(full.secret, 'PartnerUserChanges', { first: 500 })).userChanges.cursor;
    for (let more = true; more;) {
      const feed: Json = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor, first: 500 }))
        .userChanges;
      cursor = feed.cursor;
      more = feed.hasMore;
    }
    const [slowUser, fastUser] = (
      await sql(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 2`, [api.tenants.creatorA])
    ).map((u) => u.id as string);
    // A writer that started first and commits last (a job, a long import)...
    const slow = await connect(api.db.ownerUrl);
    try {
      await slow.query('BEGIN');
      await slow.query(`UPDATE users SET display_name = 'slow writer' WHERE id = $1`, [slowUser]);
      // ...while a quick change commits and the partner polls.
      await sql(`UPDATE users SET display_name = 'fast writer' WHERE id = $1`, [fastUser]);
      const during = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
      // The quick change waits: listing it now would move the cursor past the slow one.
      expect(during.users).toEqual([]);
      expect(during.cursor).toBe(cursor);
      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    const after = await changesUntil(full.secret, cursor, 2);
    expect(after.users.map((u: Json) => [uuidOf(u.id), u.displayName])).toEqual([
      [slowUser, 'slow writer'],
      [fastUser, 'fast writer'],
    ]);
  });

  test('PartnerUserChanges orders changes by transaction id as a number, across a change of digit count', async () => {
    // Give A's users change ids around 100 (the trigger stamps the current transaction's id, so it
    // is off for this one transaction), and page through them 7 at a time: each once, in numeric
    // order, 99 before 100. Ordered as text, "100" came before "99" and repeated on every page.
    const A = api.tenants.creatorA;
    const owner = await connect(api.db.ownerUrl);
    try {
      await owner.query('BEGIN');
      await owner.query('ALTER TABLE users DISABLE TRIGGER stamp_change_xid');
      await owner.query(
        `UPDATE users SET change_xid = v.x FROM (
           SELECT id, 100 + (row_number() OVER (ORDER BY id DESC))::bigint * (CASE WHEN row_number() OVER (ORDER BY id DESC) % 2 = 0 THEN -1 ELSE 1 END) AS x
             FROM users WHERE creator_id = $1) v
         WHERE users.id = v.id`,
        [A],
      );
      await owner.query('ALTER TABLE users ENABLE TRIGGER stamp_change_xid');
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }
    const expected = (
      await sql(`SELECT id, change_xid FROM users WHERE creator_id = $1 ORDER BY change_xid, id`, [A])
    ).map((u) => u.id as string);
    expect(expected.length).toBeGreaterThan(14);
    let cursor: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 100; page++) {
      const feed: Json = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor, first: 7 })).userChanges;
      seen.push(...feed.users.map((u: Json) => uuidOf(u.id)));
      cursor = feed.cursor;
      if (!feed.hasMore) break;
    }
    expect(seen).toEqual(expected);
  });

  test('PartnerUserChanges on a tenant with no users returns a start cursor it accepts back', async () => {
    const emptyCreator = (await one(
      `INSERT INTO creators (email, password_hash, first_name) VALUES ('empty-feed@example.com', 'x', 'E') RETURNING id`,
    ))!.id as string;
    await sql(
      `INSERT INTO subscriptions (creator_id, tier, status, current_period_start, current_period_end) VALUES ($1, 'free', 'active', now(), now() + interval '30 days')`,
      [emptyCreator],
    ).catch(() => undefined);
    const token = api.server.tokenFor(emptyCreator);
    const created = (
      await api.withTokens.read<Json>(token, CREATE_KEY, { input: { name: 'empty', scopes: ['READ', 'WRITE'] } })
    ).createApiKey;
    const key = created.data.secret as string;
    const first = (await asPartner(key, 'PartnerUserChanges')).userChanges;
    expect(first.users).toEqual([]);
    expect(first.hasMore).toBe(false);
    const again = (await asPartner(key, 'PartnerUserChanges', { after: first.cursor })).userChanges;
    expect(again).toEqual(first);
    const user = (await asPartner(key, 'PartnerUpsertUser', { input: { channel: 'MOBILE', externalId: 'device-1' } }))
      .upsertUserByExternalId.data.user;
    const later = await changesUntil(key, first.cursor, 1);
    expect(later.users.map((u: Json) => u.id)).toEqual([user.id]);
  });

  test('PartnerRecordInteraction records it and marks the user active', async () => {
    const user = (await one(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 1`, [api.tenants.creatorA]))!;
    const before = await count(`user_interactions WHERE user_id = $1`, [user.id]);
    const result = (
      await asPartner(full.secret, 'PartnerRecordInteraction', {
        input: { userId: gid('User', user.id), interactionType: 'crm_call', interactionData: { minutes: 12 } },
      })
    ).recordInteraction;
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ interactionType: 'crm_call', interactionData: { minutes: 12 } }),
    );
    expect(await count(`user_interactions WHERE user_id = $1`, [user.id])).toBe(before + 1);
    expect(Date.now() - Date.parse(result.data.user.lastActiveAt)).toBeLessThan(60_000);
  });

  test('PartnerUserRewards reads points, badges and achievements', async () => {
    const user = (await one(
      `SELECT u.id, (SELECT coalesce(sum(points), 0)::text FROM achievements a WHERE a.user_id = u.id) AS points,
              (SELECT count(*)::int FROM user_badges b WHERE b.user_id = u.id) AS badges,
              (SELECT count(*)::int FROM achievements a WHERE a.user_id = u.id) AS achievements
       FROM users u WHERE u.creator_id = $1 AND EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id)
         AND EXISTS (SELECT 1 FROM achievements a WHERE a.user_id = u.id) LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const data = await asPartner(full.secret, 'PartnerUserRewards', { userId: gid('User', user.id) });
    expect(data.user.pointsTotal).toBe(user.points);
    expect(data.user.badges.totalCount).toBe(user.badges);
    expect(data.user.achievements.totalCount).toBe(user.achievements);
    expect(data.user.badges.nodes[0].badge.name).toEqual(expect.any(String));
  });

  test("PartnerProgramEnrollments lists a program's enrollments", async () => {
    const program = (await one(
      `SELECT program_id AS id, count(*)::int AS n FROM program_enrollments WHERE creator_id = $1 GROUP BY program_id ORDER BY n DESC LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const data = await asPartner(full.secret, 'PartnerProgramEnrollments', {
      programId: gid('Program', program.id),
      first: 100,
    });
    expect(data.enrollments.totalCount).toBe(program.n);
    expect(data.enrollments.nodes).toHaveLength(program.n);
    expect(data.enrollments.nodes[0]).toEqual(
      expect.objectContaining({
        status: expect.any(String),
        progress: expect.any(Number),
        user: expect.objectContaining({ externalId: expect.any(String) }),
      }),
    );
  });
});
