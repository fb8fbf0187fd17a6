// The users' nested relations over the real server: every relation read matches the stored rows.
import { useApiHarness, gid, uuidOf, uuids, type Json } from '../../helpers/api';
import { usersFixtures } from './fixtures';

const api = useApiHarness();
const { query, sql, one, rowOf, ownersOf } = api;
const { aUserOf } = usersFixtures(api);

const USER_GRAPH = /* GraphQL */ `
  query UserGraph($id: ID!) {
    node(id: $id) {
      ... on User {
        id
        pointsTotal
        profile {
          id
          user {
            id
          }
        }
        enrollments(first: 100) {
          totalCount
          nodes {
            id
            status
            program {
              id
              name
              enrollments(first: 100) {
                totalCount
                nodes {
                  id
                  user {
                    id
                  }
                }
              }
            }
            user {
              id
            }
          }
        }
        badges(first: 100) {
          totalCount
          nodes {
            id
            badge {
              id
              name
            }
            user {
              id
            }
          }
        }
        conversations(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
            messages(first: 100) {
              totalCount
              nodes {
                id
              }
            }
          }
        }
        achievements(first: 100) {
          totalCount
          nodes {
            id
            points
          }
        }
        sessions(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
        interactions(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
      }
    }
  }
`;

describe('nested relations', () => {
  test('asCreatorA: user -> enrollments -> program -> enrollments -> user, badges, conversations, sessions, interactions all match the DB', async () => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = users.id) AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = users.id) AND EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = users.id)`,
    );
    const userGid = gid('User', ada.id);
    const { node } = await query('asCreatorA', USER_GRAPH, { id: userGid });
    const idsOf = async (table: string, where = 'user_id = $1', params: unknown[] = [ada.id]) =>
      (await sql<{ id: string }>(`SELECT id FROM ${table} WHERE ${where}`, params)).map((r) => r.id).sort();

    expect(node.id).toBe(userGid);
    expect(node.profile.user.id).toBe(userGid);
    expect(uuids(node.enrollments.nodes).sort()).toEqual(await idsOf('program_enrollments'));
    expect(node.enrollments.totalCount).toBe((await idsOf('program_enrollments')).length);
    for (const e of node.enrollments.nodes) {
      expect(e.user.id).toBe(userGid);
      const programId = uuidOf(e.program.id);
      expect((await rowOf('program_enrollments', uuidOf(e.id)))!.program_id).toBe(programId);
      // program -> enrollments contains this one, and every one of them belongs to the program.
      expect(uuids(e.program.enrollments.nodes).sort()).toEqual(
        await idsOf('program_enrollments', 'program_id = $1', [programId]),
      );
      expect(e.program.enrollments.nodes.map((x: Json) => x.id)).toContain(e.id);
    }
    expect(uuids(node.badges.nodes).sort()).toEqual(await idsOf('user_badges'));
    for (const b of node.badges.nodes) expect(b.user.id).toBe(userGid);
    expect(uuids(node.conversations.nodes).sort()).toEqual(await idsOf('conversations'));
    for (const c of node.conversations.nodes) {
      expect(c.user.id).toBe(userGid);
      expect(uuids(c.messages.nodes).sort()).toEqual(await idsOf('messages', 'conversation_id = $1', [uuidOf(c.id)]));
    }
    expect(uuids(node.achievements.nodes).sort()).toEqual(await idsOf('achievements'));
    expect(node.pointsTotal).toBe(
      (await one<{ n: string }>(`SELECT coalesce(sum(points), 0)::text AS n FROM achievements WHERE user_id = $1`, [
        ada.id,
      ]))!.n,
    );
    expect(uuids(node.sessions.nodes).sort()).toEqual(await idsOf('user_sessions'));
    expect(uuids(node.interactions.nodes).sort()).toEqual(
      (await idsOf('user_interactions')).length <= 100 ? await idsOf('user_interactions') : expect.any(Array),
    );
    expect([...(await ownersOf(node)).owners]).toEqual([api.tenants.creatorA]);
  });

  test('asCreatorA: interaction -> user, program, session, message point at the stored rows', async () => {
    const row = (await one(
      `SELECT * FROM user_interactions WHERE creator_id = $1 AND program_id IS NOT NULL AND session_id IS NOT NULL LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on UserInteraction { id interactionType user { id } program { id } session { id user { id } } message { id } } } }`,
      { id: gid('UserInteraction', row.id) },
    );
    expect(node).toEqual({
      id: gid('UserInteraction', row.id),
      interactionType: row.interaction_type,
      user: { id: gid('User', row.user_id) },
      program: { id: gid('Program', row.program_id) },
      session: { id: gid('UserSession', row.session_id), user: { id: gid('User', row.user_id) } },
      message: row.message_id ? { id: gid('Message', row.message_id) } : null,
    });
  });
});
