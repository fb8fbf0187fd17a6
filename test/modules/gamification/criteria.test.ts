// Badge rules over the real server and database: criteria documents are validated (server and
// database agree), badges are awarded automatically by the events their rules count and on
// demand, exactly once however many events race, with awarded_count exact, the evidence in
// criteria_met and a badgeAwarded push; points and the leaderboard agree with achievements;
// creator B cannot evaluate or earn anything of creator A's. Automatic awards come from the
// evaluate_badges job the writes queue (the server here runs its jobs): the tests wait for the
// queue to be empty (evaluationsSettled) before they look.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { connect } from '../../helpers/fixtures';

const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, query, sql, one, count } = api;

const CREATE_BADGE = /* GraphQL */ `mutation CreateBadge($input: BadgeInput!) {
  createBadge(input: $input) { __typename ... on CreateBadgeSuccess { data { id criteria awardedCount } } ${ERRORS} }
}`;
const EVALUATE = /* GraphQL */ `mutation Evaluate($userId: ID!) {
  evaluateBadges(userId: $userId) { __typename ... on EvaluateBadgesSuccess { data { id criteriaMet badge { id name } user { id } } } ${ERRORS} }
}`;
const RECORD = /* GraphQL */ `mutation Record($input: RecordInteractionInput!) { recordInteraction(input: $input) { __typename ${ERRORS} } }`;
const SEND = /* GraphQL */ `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${ERRORS} } }`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAchievementInput!) { grantAchievement(input: $input) { __typename ${ERRORS} } }`;

/** A document of `n` rules (n <= 40), two groups deep. */
const rulesDoc = (n: number): Json => ({
  allOf: [
    { anyOf: Array.from({ length: Math.ceil(n / 2) }, (_, i) => ({ type: 'messages_sent', count: i + 1 })) },
    {
      anyOf: Array.from({ length: Math.floor(n / 2) }, (_, i) => ({
        type: 'interactions',
        interactionType: 'viewed',
        count: i + 1,
      })),
    },
  ],
});
/** The attack's shape: 2,000 rules, 20 x 20 x 5, every list within its own bound. */
const hugeDoc: Json = {
  anyOf: Array.from({ length: 20 }, () => ({
    anyOf: Array.from({ length: 20 }, () => ({
      anyOf: Array.from({ length: 5 }, (_, i) => ({ type: 'streak', days: i + 1 })),
    })),
  })),
};

let seq = 0;
async function badge(actor: 'asCreatorA' | 'asCreatorB', criteria: Json): Promise<{ id: string; uuid: string }> {
  const result = await mutate(actor, CREATE_BADGE, 'createBadge', { input: { name: `Rule ${++seq}`, criteria } });
  expect(result.__typename).toBe('CreateBadgeSuccess');
  return { id: result.data.id, uuid: uuidOf(result.data.id) };
}

/** A fresh user of creator A (nothing earned yet), by the API. */
async function freshUser(
  actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA',
  timezone = 'UTC',
): Promise<{ id: string; uuid: string }> {
  const result = await mutate(
    actor,
    `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ${ERRORS} } }`,
    'createUser',
    {
      input: { externalId: `rules-${++seq}-${Date.now()}`, channel: 'WEB', timezone },
    },
  );
  return { id: result.data.id, uuid: uuidOf(result.data.id) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (generously) until no badge evaluation is queued or running. */
async function evaluationsSettled(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { n } =
      (await one(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'evaluate_badges' AND j.attempts < j.max_attempts`))!;
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} badge evaluations still queued after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const awardsOf = (badgeUuid: string) =>
  sql(`SELECT user_id, criteria_met FROM user_badges WHERE badge_id = $1`, [badgeUuid]);
const awardedCount = async (badgeUuid: string) =>
  (await one(`SELECT awarded_count FROM badges WHERE id = $1`, [badgeUuid]))!.awarded_count as number;

describe('criteria documents', () => {
  test('asCreatorA: every kind of rule is accepted, by the server and by the database', async () => {
    const program = (await one(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!
      .id as string;
    const valid = [
      { type: 'program_completed', programId: gid('Program', program) },
      { type: 'programs_completed', count: 2 },
      { type: 'interactions', interactionType: 'lesson_viewed', count: 10, windowDays: 30 },
      { type: 'interactions', interactionType: 'lesson_viewed', count: 10 },
      { type: 'messages_sent', count: 5 },
      { type: 'points_total', atLeast: 500 },
      { type: 'streak', days: 7 },
      {
        allOf: [
          { type: 'streak', days: 3 },
          {
            anyOf: [
              { type: 'messages_sent', count: 1 },
              { type: 'points_total', atLeast: 10 },
            ],
          },
        ],
      },
      {},
    ];
    for (const criteria of valid) {
      const created = await badge('asCreatorA', criteria);
      const stored = (await one(`SELECT criteria FROM badges WHERE id = $1`, [created.uuid]))!.criteria;
      // Program ids are stored as the uuid the database rules read.
      expect(stored).toEqual('programId' in criteria ? { ...criteria, programId: program } : criteria);
    }
  });

  test('asCreatorA: invalid criteria are VALIDATION_FAILED with the path of each problem, and nothing is written', async () => {
    const before = await count('badges');
    const cases: [Json, string[]][] = [
      [{ type: 'night' }, ['input.criteria']],
      [{ type: 'messages_sent', count: 0 }, ['input.criteria.count']],
      [{ type: 'messages_sent', count: 2.5 }, ['input.criteria.count']],
      [{ type: 'streak', days: 3, extra: true }, ['input.criteria']],
      [{ type: 'interactions', interactionType: 'Lesson Viewed', count: 1 }, ['input.criteria.interactionType']],
      [{ allOf: [] }, ['input.criteria.allOf']],
      [{ anyOf: [{ type: 'points_total', atLeast: -1 }] }, ['input.criteria.anyOf.0.atLeast']],
      [{ type: 'program_completed', programId: 'not-an-id' }, ['input.criteria.programId']],
      [{ type: 'program_completed', programId: '00000000-0000-4000-8000-000000000000' }, ['input.criteria']],
      [{ allOf: [{ type: 'streak', days: 3 }], anyOf: [{ type: 'streak', days: 3 }] }, ['input.criteria']],
      // At most 32 rules in one document, counted across every level.
      [rulesDoc(33), ['input.criteria']],
      [hugeDoc, ['input.criteria']],
    ];
    for (const [criteria, paths] of cases) {
      const result = await mutate('asCreatorA', CREATE_BADGE, 'createBadge', {
        input: { name: `Bad ${++seq}`, criteria },
      });
      expect({ criteria, typename: result.__typename, paths: result.fields?.map((f: Json) => f.path) }).toEqual({
        criteria,
        typename: 'ValidationError',
        paths,
      });
    }
    // Creator B's program is not one of A's.
    const bProgram = (await one(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorB]))!.id;
    const foreign = await mutate('asCreatorA', CREATE_BADGE, 'createBadge', {
      input: { name: 'Foreign', criteria: { type: 'program_completed', programId: gid('Program', bProgram) } },
    });
    expect(foreign.__typename).toBe('ValidationError');
    expect(await count('badges')).toBe(before);
  });

  test('asCreatorA: a document past 32 rules is VALIDATION_FAILED naming the limit (the attack: 2,000 rules), and nothing is written', async () => {
    const before = await count('badges');
    for (const criteria of [rulesDoc(33), hugeDoc]) {
      const result = await mutate('asCreatorA', CREATE_BADGE, 'createBadge', {
        input: { name: `Huge ${++seq}`, criteria },
      });
      expect(result).toEqual(expect.objectContaining({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' }));
      expect(result.fields).toEqual([
        { path: 'input.criteria', message: expect.stringMatching(/at most 32 .*MAX_RULES_PER_CRITERIA/) },
      ]);
    }
    // Growing an existing badge past the bound is refused the same way.
    const small = await badge('asCreatorA', rulesDoc(32));
    const UPDATE = `mutation($id: ID!, $input: BadgeInput!) { updateBadge(id: $id, input: $input) { __typename ${ERRORS} } }`;
    expect(
      (await mutate('asCreatorA', UPDATE, 'updateBadge', { id: small.id, input: { criteria: rulesDoc(33) } })).code,
    ).toBe('VALIDATION_FAILED');
    expect((await one(`SELECT criteria FROM badges WHERE id = $1`, [small.uuid]))!.criteria).toEqual(rulesDoc(32));
    expect(await count('badges')).toBe(before + 1);
  });

  test('the server and the database accept and refuse the same documents', async () => {
    const program = (await one(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!
      .id as string;
    const table: [Json, boolean][] = [
      [{ type: 'messages_sent', count: 5 }, true],
      [{ type: 'program_completed', programId: program }, true],
      [{ type: 'interactions', interactionType: 'x', count: 1, windowDays: 7 }, true],
      [{ allOf: [{ type: 'streak', days: 2 }, { anyOf: [{ type: 'points_total', atLeast: 1 }] }] }, true],
      [{}, true],
      [{ type: 'interactions', interactionType: 'x' }, false],
      [{ allOf: [{ type: 'interactions', interactionType: 'x' }] }, false],
      [{ type: 'interactions', interactionType: true, count: 1 }, false],
      [{ type: 'messages_sent', count: '5' }, false],
      [{ type: 'messages_sent', count: 5, extra: 1 }, false],
      [{ type: 'streak', days: 366 }, false],
      [{ type: 'program_completed', programId: 7 }, false],
      [{ type: 5, count: 1 }, false],
      [{ allOf: [{}] }, false],
      [{ allOf: [{ type: 'streak', days: 1 }], anyOf: [{ type: 'streak', days: 1 }] }, false],
      [rulesDoc(32), true],
      [rulesDoc(33), false],
      [{ anyOf: [rulesDoc(20), rulesDoc(13)] }, false],
      [hugeDoc, false],
    ];
    const owner = await connect(api.db.ownerUrl);
    try {
      for (const [criteria, valid] of table) {
        const server = await mutate('asCreatorA', CREATE_BADGE, 'createBadge', {
          input: { name: `Both ${++seq}`, criteria },
        });
        const database = (
          await owner.query(`SELECT app.badge_criteria_valid($1::jsonb) AS ok`, [JSON.stringify(criteria)])
        ).rows[0].ok;
        expect({ criteria, server: server.__typename === 'CreateBadgeSuccess', database }).toEqual({
          criteria,
          server: valid,
          database: valid,
        });
      }
    } finally {
      await owner.end();
    }
  });

  test('the database refuses invalid criteria whoever writes', async () => {
    const owner = await connect(api.db.ownerUrl);
    try {
      await expect(
        owner.query(
          `INSERT INTO badges (creator_id, name, criteria) VALUES ($1, 'psql badge', '{"type":"messages_sent","count":"5"}')`,
          [api.tenants.creatorA],
        ),
      ).rejects.toThrow(/badges_criteria_valid_check/);
      await expect(
        owner.query(`UPDATE badges SET criteria = '{"anyOf":[]}' WHERE creator_id = $1`, [api.tenants.creatorA]),
      ).rejects.toThrow(/badges_criteria_valid_check/);
      await expect(
        owner.query(`INSERT INTO badges (creator_id, name, criteria) VALUES ($1, 'psql huge badge', $2)`, [
          api.tenants.creatorA,
          JSON.stringify(hugeDoc),
        ]),
      ).rejects.toThrow(/badges_criteria_valid_check/);
      expect(await count(`badges WHERE name = 'psql huge badge'`)).toBe(0);
    } finally {
      await owner.end();
    }
  });
});

describe('automatic awards', () => {
  test('asCreatorA: a user\'s third message awards "messages_sent 3" once, with its evidence, and badgeAwarded fires', async () => {
    const rule = await badge('asCreatorA', { type: 'messages_sent', count: 3 });
    const user = await freshUser();
    const conversation = (
      await mutate(
        'asCreatorA',
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { __typename ... on CreateConversationSuccess { data { id } } ${ERRORS} } }`,
        'createConversation',
        {
          input: { userId: user.id, channel: 'WEB' },
        },
      )
    ).data.id;

    const pushed: Json[] = [];
    const client = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorA()}` },
      lazy: false,
      retryAttempts: 0,
    });
    const pushedB: Json[] = [];
    const clientB = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorB()}` },
      lazy: false,
      retryAttempts: 0,
    });
    try {
      const ready = (c: typeof client, into: Json[]) =>
        new Promise<void>((resolve) => {
          c.on('connected', () => setTimeout(resolve, 200));
          c.subscribe(
            { query: 'subscription { badgeAwarded { id badge { id } user { id } criteriaMet } }' },
            { next: (v) => into.push(v.data as Json), error: () => undefined, complete: () => undefined },
          );
        });
      await Promise.all([ready(client, pushed), ready(clientB, pushedB)]);

      for (let i = 1; i <= 3; i++) {
        expect(
          (
            await mutate('asCreatorA', SEND, 'sendMessage', {
              input: { conversationId: conversation, content: `hello ${i}`, senderType: 'USER' },
            })
          ).__typename,
        ).toBe('SendMessageSuccess');
        await evaluationsSettled();
        expect(await awardsOf(rule.uuid)).toHaveLength(i < 3 ? 0 : 1);
      }
      // Messages from the creator or the AI do not count.
      await mutate('asCreatorA', SEND, 'sendMessage', {
        input: { conversationId: conversation, content: 'from the creator' },
      });
      await evaluationsSettled();
      const [award] = await awardsOf(rule.uuid);
      expect(award!.user_id).toBe(user.uuid);
      expect(award!.criteria_met).toEqual({
        rule: { type: 'messages_sent', count: 3, actual: 3 },
        evaluatedAt: expect.any(String),
      });
      expect(await awardedCount(rule.uuid)).toBe(1);

      for (let i = 0; i < 100 && !pushed.some((p) => p.badgeAwarded.badge.id === rule.id); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(pushed.filter((p) => p.badgeAwarded.badge.id === rule.id)).toEqual([
        { badgeAwarded: expect.objectContaining({ badge: { id: rule.id }, user: { id: user.id } }) },
      ]);
      // Creator B's dashboard hears nothing of it.
      expect(pushedB.filter((p) => p.badgeAwarded.badge.id === rule.id)).toEqual([]);
    } finally {
      await client.dispose();
      await clientB.dispose();
    }
  });

  test('asCreatorA: 50 interactions at the same moment award the badge exactly once', async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'quiz_answered', count: 1 });
    const user = await freshUser();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        mutate('asCreatorA', RECORD, 'recordInteraction', {
          input: { userId: user.id, interactionType: 'quiz_answered' },
        }),
      ),
    );
    expect(results.every((r) => r.__typename === 'RecordInteractionSuccess')).toBe(true);
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toHaveLength(1);
    expect(await awardedCount(rule.uuid)).toBe(1);
    expect(
      await count(`user_interactions WHERE user_id = $1 AND interaction_type = 'quiz_answered'`, [user.uuid]),
    ).toBe(50);
  });

  test('asCreatorA: completing a program awards program_completed and programs_completed rules', async () => {
    const enrollment = (await one(
      `SELECT id, user_id, program_id FROM program_enrollments WHERE creator_id = $1 AND status = 'active' LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const specific = await badge('asCreatorA', { type: 'program_completed', programId: enrollment.program_id });
    const many = await badge('asCreatorA', { type: 'programs_completed', count: 1 });
    await sql(`DELETE FROM user_badges WHERE user_id = $1 AND badge_id = $2`, [enrollment.user_id, many.uuid]);
    // Completed by another writer (an import, psql): the rules still hold.
    await sql(
      `UPDATE program_enrollments SET status = 'completed', completed_at = now(), progress = 100 WHERE id = $1`,
      [enrollment.id],
    );
    await evaluationsSettled();
    expect((await awardsOf(specific.uuid)).map((a) => a.user_id)).toEqual([enrollment.user_id]);
    expect((await awardsOf(many.uuid)).map((a) => a.user_id)).toContain(enrollment.user_id);
  });

  test('asCreatorA: achievements carry points; points_total awards, and pointsTotal and the leaderboard agree', async () => {
    const rule = await badge('asCreatorA', {
      allOf: [
        { type: 'points_total', atLeast: 5000 },
        {
          anyOf: [
            { type: 'streak', days: 30 },
            { type: 'interactions', interactionType: 'high_score', count: 1 },
          ],
        },
      ],
    });
    const user = await freshUser();
    await mutate('asCreatorA', GRANT, 'grantAchievement', {
      input: { userId: user.id, achievementType: 'tournament_won', points: 3000 },
    });
    await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'high_score' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toHaveLength(0);
    await mutate('asCreatorA', GRANT, 'grantAchievement', {
      input: { userId: user.id, achievementType: 'tournament_won', points: 2500 },
    });
    await evaluationsSettled();
    const [award] = await awardsOf(rule.uuid);
    expect(award!.criteria_met.rule).toEqual({
      allOf: [
        { type: 'points_total', atLeast: 5000, actual: 5500 },
        { anyOf: [{ type: 'interactions', interactionType: 'high_score', count: 1, actual: 1 }] },
      ],
    });
    const data = await query(
      'asCreatorA',
      `query($id: ID!) { user(id: $id) { pointsTotal } leaderboard(first: 100) { rank points achievements user { id } } }`,
      { id: user.id },
    );
    expect(data.user.pointsTotal).toBe('5500');
    const entry = data.leaderboard.find((e: Json) => e.user.id === user.id);
    expect(entry).toEqual(expect.objectContaining({ points: '5500', achievements: '2', rank: 1 }));
    // Every entry's points are the sum of that user's achievement points.
    for (const e of data.leaderboard as Json[]) {
      expect(e.points).toBe(
        (await one(`SELECT coalesce(sum(points), 0)::text AS p FROM achievements WHERE user_id = $1`, [
          uuidOf(e.user.id),
        ]))!.p,
      );
    }
  });
});

describe('evaluateBadges (on demand)', () => {
  test("asCreatorA: a streak of consecutive days in the user's time zone", async () => {
    const rule = await badge('asCreatorA', { type: 'streak', days: 3 });
    const user = await freshUser('asCreatorA', 'Pacific/Auckland');
    // Written straight to the table, as an import would, with the trigger off, so that only
    // evaluateBadges looks. Three UTC days in a row, but in Auckland (UTC+13 in November) the
    // local days are the 2nd, 3rd and 3rd: a streak of 2.
    const owner = await connect(api.db.ownerUrl);
    const insert = async (...times: string[]) => {
      await owner.query(`ALTER TABLE user_interactions DISABLE TRIGGER evaluate_badges`);
      for (const at of times)
        await owner.query(
          `INSERT INTO user_interactions (creator_id, user_id, interaction_type, created_at) VALUES ($1, $2, 'checked_in', $3)`,
          [api.tenants.creatorA, user.uuid, at],
        );
      await owner.query(`ALTER TABLE user_interactions ENABLE TRIGGER evaluate_badges`);
    };
    try {
      await insert('2026-11-01T11:30:00Z', '2026-11-02T11:30:00Z', '2026-11-03T10:30:00Z');
      expect(
        (await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id })).data.map((a: Json) => a.badge.id),
      ).not.toContain(rule.id);
      // 00:30 on the 4th in Auckland makes three local days in a row.
      await insert('2026-11-03T11:30:00Z');
    } finally {
      await owner.end();
    }
    expect(await awardsOf(rule.uuid)).toHaveLength(0);
    const awarded = await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id });
    expect(awarded.__typename).toBe('EvaluateBadgesSuccess');
    expect(awarded.data.map((a: Json) => a.badge.id)).toContain(rule.id);
    expect(awarded.data.find((a: Json) => a.badge.id === rule.id).criteriaMet.rule).toEqual({
      type: 'streak',
      days: 3,
      actual: 3,
    });
    // Again: nothing new.
    expect((await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id })).data).toEqual([]);
    expect(await awardedCount(rule.uuid)).toBe(1);
  });

  test("asCreatorB cannot evaluate creator A's user, and A's rules never award B's users", async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'cross_check', count: 1 });
    const aUser = await freshUser('asCreatorA');
    const before = await count('user_badges');
    const refused = await mutate('asCreatorB', EVALUATE, 'evaluateBadges', { userId: aUser.id });
    expect(refused.code).toBe('NOT_FOUND');
    expect(await count('user_badges')).toBe(before);
    const bUser = await freshUser('asCreatorB');
    await mutate('asCreatorB', RECORD, 'recordInteraction', {
      input: { userId: bUser.id, interactionType: 'cross_check' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toEqual([]);
  });

  test('asCreatorA: a user whose time zone the database does not know still writes; streaks count in UTC', async () => {
    await badge('asCreatorA', { type: 'streak', days: 2 });
    const user = await freshUser();
    await sql(`UPDATE users SET timezone = 'Mars/Olympus_Mons' WHERE id = $1`, [user.uuid]);
    const result = await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'landed' },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
  });

  test('asCreatorA: a retired badge is not awarded', async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'retired_check', count: 1 });
    await sql(`UPDATE badges SET is_active = false WHERE id = $1`, [rule.uuid]);
    const user = await freshUser();
    await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'retired_check' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toEqual([]);
  });
});
