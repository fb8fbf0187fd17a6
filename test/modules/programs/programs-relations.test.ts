// The programs' nested relations over the real server: every relation read matches the stored rows.
import { useApiHarness, gid, uuidOf, uuids } from '../../helpers/api';

const api = useApiHarness();
const { query, sql, one, countOf, rowOf, ownersOf } = api;

describe('nested relations', () => {
  test('asCreatorA: program -> enrollments -> user -> badges, and enrollments(status) filters; all match the DB', async () => {
    const program = (await one(
      `SELECT p.* FROM programs p WHERE p.creator_id = $1 AND p.enrollment_count > 0 ORDER BY p.enrollment_count DESC LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on Program {
        id enrollmentCount
        enrollments(first: 100) { totalCount nodes { id status program { id } user { id badges(first: 100) { totalCount nodes { id badge { id } user { id } } } enrollments(first: 100) { nodes { id program { id } } } } } }
        completed: enrollments(first: 100, status: COMPLETED) { totalCount nodes { id status } }
        analytics(first: 5) { totalCount nodes { id program { id } } }
      } } }`,
      { id: gid('Program', program.id) },
    );
    const enrollmentIds = (
      await sql<{ id: string }>(
        `SELECT id FROM program_enrollments WHERE program_id = $1 ORDER BY enrolled_at DESC, id ASC`,
        [program.id],
      )
    ).map((r) => r.id);
    expect(uuids(node.enrollments.nodes)).toEqual(enrollmentIds);
    expect(node.enrollments.totalCount).toBe(enrollmentIds.length);
    expect(node.enrollmentCount).toBe(enrollmentIds.length);
    for (const e of node.enrollments.nodes) {
      expect(e.program.id).toBe(node.id);
      const stored = (await rowOf('program_enrollments', uuidOf(e.id)))!;
      expect(uuidOf(e.user.id)).toBe(stored.user_id);
      const badges = (await sql<{ id: string }>(`SELECT id FROM user_badges WHERE user_id = $1`, [stored.user_id]))
        .map((r) => r.id)
        .sort();
      expect(uuids(e.user.badges.nodes).sort()).toEqual(badges);
      for (const b of e.user.badges.nodes) expect(b.user.id).toBe(e.user.id);
      // ... and back: the user's enrollments include this one, pointing at this program.
      expect(e.user.enrollments.nodes).toContainEqual({ id: e.id, program: { id: node.id } });
    }
    const completed = (
      await sql<{ id: string }>(
        `SELECT id FROM program_enrollments WHERE program_id = $1 AND status = 'completed' ORDER BY enrolled_at DESC, id ASC`,
        [program.id],
      )
    ).map((r) => r.id);
    expect(completed.length).toBeGreaterThan(0);
    expect(uuids(node.completed.nodes)).toEqual(completed);
    expect(node.completed.totalCount).toBe(completed.length);
    expect(node.analytics.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM program_analytics WHERE program_id = $1`, [program.id]),
    );
    for (const a of node.analytics.nodes) expect(a.program.id).toBe(node.id);
    expect([...(await ownersOf(node)).owners]).toEqual([api.tenants.creatorA]);
  });

  test('asCreatorA: user -> enrollments -> program, and enrollment -> program / user, match the DB', async () => {
    const user = (await one<{ user_id: string }>(
      `SELECT user_id FROM program_enrollments WHERE creator_id = $1 GROUP BY user_id HAVING count(*) > 1 LIMIT 1`,
      [api.tenants.creatorA],
    ))!.user_id;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { enrollments(first: 100) { totalCount nodes { id programVersion program { id version } user { id } } } } } }`,
      { id: gid('User', user) },
    );
    const stored = await sql<{ id: string; program_id: string; program_version: number }>(
      `SELECT id, program_id, program_version FROM program_enrollments WHERE user_id = $1 ORDER BY enrolled_at DESC, id ASC`,
      [user],
    );
    expect(node.enrollments.totalCount).toBe(stored.length);
    expect(node.enrollments.nodes).toEqual(
      await Promise.all(
        stored.map(async (s) => ({
          id: gid('ProgramEnrollment', s.id),
          programVersion: s.program_version,
          program: { id: gid('Program', s.program_id), version: (await rowOf('programs', s.program_id))!.version },
          user: { id: gid('User', user) },
        })),
      ),
    );
  });

  test('asCreatorA: me.programs is the same as programs', async () => {
    const { me } = await query('asCreatorA', `{ me { programs(first: 100) { totalCount nodes { id } } } }`);
    expect(me.programs.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [api.tenants.creatorA]),
    );
    expect(uuids(me.programs.nodes).sort()).toEqual(
      (await sql<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1`, [api.tenants.creatorA]))
        .map((r) => r.id)
        .sort(),
    );
  });
});
