// Tenant isolation of the users module: creator B against creator A's users, profiles, sessions
// and interactions, by id, by cursor, by filter and through relations.
import { useApiHarness, gid, typeOf, expectNotFound, NODE, NODES, type Json } from '../../helpers/api';
import {
  USERS,
  INTERACTIONS,
  UPDATE_USER,
  DELETE_USER,
  UPSERT_PROFILE,
  RECORD_INTERACTION,
  DELETE_INTERACTION,
  usersFixtures,
} from './fixtures';

const api = useApiHarness();
const { send, query, mutate, sql, one, rowOf, ownersOf } = api;
const { counts, aUserOf } = usersFixtures(api);

describe("asCreatorB against Ada's users", () => {
  let adaUser: Json;
  let adaProfile: Json;
  let adaSession: Json;
  let adaInteraction: Json;
  let graceUser: Json;

  beforeAll(async () => {
    adaUser = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id) AND EXISTS (SELECT 1 FROM user_interactions i WHERE i.user_id = users.id) AND EXISTS (SELECT 1 FROM user_sessions s WHERE s.user_id = users.id)`,
    );
    adaProfile = (await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [adaUser.id]))!;
    adaSession = (await one(`SELECT * FROM user_sessions WHERE user_id = $1 LIMIT 1`, [adaUser.id]))!;
    adaInteraction = (await one(`SELECT * FROM user_interactions WHERE user_id = $1 LIMIT 1`, [adaUser.id]))!;
    graceUser = await aUserOf(
      api.tenants.creatorB,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
  });

  test("node(id) is null for Ada's user, profile, session and interaction (and works for Grace's own)", async () => {
    for (const id of [
      gid('User', adaUser.id),
      gid('UserProfile', adaProfile.id),
      gid('UserSession', adaSession.id),
      gid('UserInteraction', adaInteraction.id),
    ]) {
      const { node } = await query('asCreatorB', NODE, { id });
      expect({ id, node }).toEqual({ id, node: null });
      // Ada sees her own.
      expect((await query('asCreatorA', NODE, { id })).node).toEqual({ __typename: typeOf(id), id });
    }
    expect((await query('asCreatorB', NODE, { id: gid('User', graceUser.id) })).node).toEqual({
      __typename: 'User',
      id: gid('User', graceUser.id),
    });
  });

  test('node(id) of Ada herself (the Creator) is null, so her users cannot be reached through it', async () => {
    const { body } = await send(
      'asCreatorB',
      `query($id: ID!) { node(id: $id) { id ... on Creator { email users(first: 100) { nodes { id } } } } }`,
      { id: gid('Creator', api.tenants.creatorA) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ node: null });
  });

  test("nodes(ids) is null in each of Ada's places and returns Grace's own", async () => {
    const ids = [
      gid('User', adaUser.id),
      gid('User', graceUser.id),
      gid('UserProfile', adaProfile.id),
      gid('UserInteraction', adaInteraction.id),
    ];
    const { nodes } = await query('asCreatorB', NODES, { ids });
    expect(nodes).toEqual([null, { __typename: 'User', id: gid('User', graceUser.id) }, null, null]);
  });

  test("updateUser with Ada's user: NotFoundError, row unchanged", async () => {
    const before = await rowOf('users', adaUser.id);
    const result = await mutate('asCreatorB', UPDATE_USER, 'updateUser', {
      id: gid('User', adaUser.id),
      input: { displayName: 'Hijacked', isActive: false },
    });
    expectNotFound(result);
    expect(result.data).toBeUndefined();
    expect(await rowOf('users', adaUser.id)).toEqual(before);
  });

  test("deleteUser with Ada's user: NotFoundError, nothing deleted", async () => {
    const before = await counts();
    const row = await rowOf('users', adaUser.id);
    expectNotFound(await mutate('asCreatorB', DELETE_USER, 'deleteUser', { id: gid('User', adaUser.id) }));
    expect(await rowOf('users', adaUser.id)).toEqual(row);
    expect(await counts()).toEqual(before);
  });

  test("deleteInteraction with Ada's interaction: NotFoundError, row unchanged", async () => {
    const before = await rowOf('user_interactions', adaInteraction.id);
    expectNotFound(
      await mutate('asCreatorB', DELETE_INTERACTION, 'deleteInteraction', {
        id: gid('UserInteraction', adaInteraction.id),
      }),
    );
    expect(await rowOf('user_interactions', adaInteraction.id)).toEqual(before);
  });

  test("upsertUserProfile for Ada's user: NotFoundError; Ada's profile unchanged and no profile written", async () => {
    const before = await counts();
    const result = await mutate('asCreatorB', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: gid('User', adaUser.id),
      input: { engagementScore: 1, interests: ['stolen'] },
    });
    expectNotFound(result);
    expect(await rowOf('user_profiles', adaProfile.id)).toEqual(adaProfile);
    expect(await sql(`SELECT id FROM user_profiles WHERE user_id = $1`, [adaUser.id])).toEqual([{ id: adaProfile.id }]);
    expect(await counts()).toEqual(before);
  });

  test("recordInteraction for Ada's user: NotFoundError, nothing written, Ada's user not touched", async () => {
    const before = await counts();
    const user = await rowOf('users', adaUser.id);
    expectNotFound(
      await mutate('asCreatorB', RECORD_INTERACTION, 'recordInteraction', {
        input: { userId: gid('User', adaUser.id), interactionType: 'injected' },
      }),
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('users', adaUser.id)).toEqual(user);
    expect(await sql(`SELECT id FROM user_interactions WHERE interaction_type = 'injected'`)).toEqual([]);
  });

  test("recordInteraction for Grace's user pointing at Ada's program, session or message: NotFoundError, nothing written, Grace's user not touched", async () => {
    const adaProgram = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const adaMessage = (await one<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const refs: Json[] = [
      { programId: gid('Program', adaProgram.id) },
      { sessionId: gid('UserSession', adaSession.id) },
      { messageId: gid('Message', adaMessage.id) },
    ];
    for (const ref of refs) {
      const before = await counts();
      const grace = await rowOf('users', graceUser.id);
      const result = await mutate('asCreatorB', RECORD_INTERACTION, 'recordInteraction', {
        input: { userId: gid('User', graceUser.id), interactionType: 'cross_ref', ...ref },
      });
      expect({ ref, typename: result.__typename, code: result.code }).toEqual({
        ref,
        typename: 'NotFoundError',
        code: 'NOT_FOUND',
      });
      expect(await counts()).toEqual(before);
      expect(await rowOf('users', graceUser.id)).toEqual(grace);
    }
    expect(await sql(`SELECT id FROM user_interactions WHERE interaction_type = 'cross_ref'`)).toEqual([]);
  });

  test("me.users and every relation reachable from Grace's users stay within Grace's rows", async () => {
    const { me } = await query(
      'asCreatorB',
      /* GraphQL */ `
        {
          me {
            id
            users(first: 100) {
              totalCount
              nodes {
                id
                profile {
                  id
                  user {
                    id
                  }
                }
                enrollments(first: 100) {
                  nodes {
                    id
                    program {
                      id
                      enrollments(first: 100) {
                        nodes {
                          id
                          user {
                            id
                            badges(first: 100) {
                              nodes {
                                id
                                badge {
                                  id
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
                badges(first: 100) {
                  nodes {
                    id
                    badge {
                      id
                    }
                    user {
                      id
                    }
                  }
                }
                conversations(first: 100) {
                  nodes {
                    id
                    messages(first: 100) {
                      nodes {
                        id
                      }
                    }
                  }
                }
                achievements(first: 100) {
                  nodes {
                    id
                  }
                }
                sessions(first: 100) {
                  nodes {
                    id
                  }
                }
                interactions(first: 100) {
                  nodes {
                    id
                    program {
                      id
                    }
                    session {
                      id
                    }
                    message {
                      id
                    }
                  }
                }
              }
            }
          }
        }
      `,
    );
    expect(me.id).toBe(gid('Creator', api.tenants.creatorB));
    const { users, ...rest } = me;
    expect(rest).toEqual({ id: gid('Creator', api.tenants.creatorB) });
    expect(users.totalCount).toBe(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE creator_id = $1`, [api.tenants.creatorB]))!
        .n,
    );
    const { owners, count } = await ownersOf(users);
    expect(count).toBeGreaterThan(100);
    expect([...owners]).toEqual([api.tenants.creatorB]);
  });

  test("a cursor taken from Ada's list gives Grace none of Ada's users", async () => {
    const { users: ada } = await query('asCreatorA', USERS, { first: 3 });
    // Cursors are sealed per tenant: Grace's request cannot open Ada's, so it is refused as bad input
    // naming the argument, and (users being non-null) data is null.
    const cases = [
      { argument: 'after', variables: { first: 100, after: ada.pageInfo.endCursor } },
      { argument: 'before', variables: { last: 100, before: ada.pageInfo.startCursor } },
    ];
    for (const { argument, variables } of cases) {
      const { body } = await send('asCreatorB', USERS, variables);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        expect.objectContaining({
          path: ['users'],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument }),
        }),
      ]);
      expect(JSON.stringify(body)).not.toContain(ada.nodes[0].id);
    }
  });

  test("Ada's user id in Grace's filters and relations reaches nothing", async () => {
    const { interactions } = await query('asCreatorB', INTERACTIONS, {
      filter: { userId: gid('User', adaUser.id) },
      first: 100,
    });
    expect(interactions).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });
});
