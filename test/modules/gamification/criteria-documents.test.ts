// Badge criteria documents over the real server and database: every kind of rule is accepted,
// invalid ones are VALIDATION_FAILED with their paths (and bounded), and the server and the
// database accept and refuse the same documents whoever writes.
import { useApiHarness, gid, ERRORS, type Json } from '../../helpers/api';
import { connect } from '../../helpers/fixtures';
import { CREATE_BADGE, criteriaFixtures } from './criteria-fixtures';

const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, one, count } = api;

const { badge } = criteriaFixtures(api);

/** Makes the names of the badges these tests create unique. */
let seq = 0;

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
