// asPartner over real HTTP never reaches another tenant: creator A's key against creator B's rows.
import { useApiHarness, gid, uuidOf, type Json } from '../../helpers/api';
import { partnerFixtures, type IssuedKey } from './fixtures';

const api = useApiHarness();
const { sql, one, count } = api;

const { issueKey, asPartner } = partnerFixtures(api);
let full: IssuedKey;
beforeAll(async () => {
  full = await issueKey('asCreatorA', { name: 'full access' });
});

describe('asPartner never reaches another tenant', () => {
  test("creator B's user, program and rows are invisible and untouchable to creator A's key", async () => {
    const bUser = (await one(
      `SELECT id FROM users u WHERE creator_id = $1 AND EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id) LIMIT 1`,
      [api.tenants.creatorB],
    ))!;
    const bProgram = (await one(`SELECT program_id AS id FROM program_enrollments WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorB,
    ]))!;
    expect((await asPartner(full.secret, 'PartnerUserRewards', { userId: gid('User', bUser.id) })).user).toBeNull();
    const enrollments = (
      await asPartner(full.secret, 'PartnerProgramEnrollments', { programId: gid('Program', bProgram.id) })
    ).enrollments;
    expect(enrollments).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));

    const before = await count(`user_interactions WHERE user_id = $1`, [bUser.id]);
    const record = (
      await asPartner(full.secret, 'PartnerRecordInteraction', {
        input: { userId: gid('User', bUser.id), interactionType: 'crm_call' },
      })
    ).recordInteraction;
    expect(record.code).toBe('NOT_FOUND');
    expect(await count(`user_interactions WHERE user_id = $1`, [bUser.id])).toBe(before);

    // The same (channel, external id) as a B user makes a new A user; B's is untouched.
    const bRow = (await one(`SELECT * FROM users WHERE id = $1`, [bUser.id]))!;
    const upsert = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: bRow.channel.toUpperCase(), externalId: bRow.external_id, displayName: 'Taken over?' },
      })
    ).upsertUserByExternalId;
    expect(upsert.data.created).toBe(true);
    expect(uuidOf(upsert.data.user.id)).not.toBe(bUser.id);
    expect(await one(`SELECT display_name, updated_at FROM users WHERE id = $1`, [bUser.id])).toEqual({
      display_name: bRow.display_name,
      updated_at: bRow.updated_at,
    });

    const feed = (await asPartner(full.secret, 'PartnerUserChanges', { first: 500 })).userChanges;
    const owners = await sql(`SELECT DISTINCT creator_id FROM users WHERE id = ANY($1::uuid[])`, [
      feed.users.map((u: Json) => uuidOf(u.id)),
    ]);
    expect(owners).toEqual([{ creator_id: api.tenants.creatorA }]);
    const programs = (await asPartner(full.secret, 'PartnerPrograms', { first: 100 })).programs.nodes;
    expect(
      await sql(`SELECT DISTINCT creator_id FROM programs WHERE id = ANY($1::uuid[])`, [
        programs.map((p: Json) => uuidOf(p.id)),
      ]),
    ).toEqual([{ creator_id: api.tenants.creatorA }]);
  });
});
