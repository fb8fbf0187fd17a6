// The audit trail: every change through the API (and by any other writer) is recorded in the
// same transaction, with the actor and request id; a failed write leaves no record, and the
// application role cannot hide a change; creator B never sees A's trail; admins read all of it.
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { callAsPartner } from '../../helpers/partner';
import { asTenant, connect } from '../../helpers/fixtures';
import { auditFixtures } from './fixtures';

const api = useApiHarness();
const { sql, one, count } = api;

const { as, rowsFor } = auditFixtures(api);
/** Makes names and external ids these tests create unique. */
let seq = 0;

test('asCreatorA: create, update and delete are recorded with old and new values (of an update, only what changed), actor and request id, in the same transaction', async () => {
  const token = api.asCreatorA();
  const created = await as(
    token,
    `mutation { createBadge(input: { name: "Audited", criteria: {} }) { ... on CreateBadgeSuccess { data { id } } } }`,
    {},
    { 'x-request-id': 'audit-create-0001' },
  );
  const id = uuidOf(created.createBadge.data.id);
  expect(await rowsFor('audit-create-0001')).toEqual([
    expect.objectContaining({
      creator_id: api.tenants.creatorA,
      table_name: 'badges',
      operation: 'INSERT',
      record_id: id,
      old_values: null,
      actor_type: 'creator',
      actor_id: api.tenants.creatorA,
      new_values: expect.objectContaining({ name: 'Audited' }),
    }),
  ]);
  await as(
    token,
    `mutation($id: ID!) { updateBadge(id: $id, input: { name: "Audited twice" }) { __typename } }`,
    { id: gid('Badge', id) },
    { 'x-request-id': 'audit-update-0001' },
  );
  expect(await rowsFor('audit-update-0001')).toEqual([
    expect.objectContaining({
      operation: 'UPDATE',
      old_values: { name: 'Audited' },
      new_values: { name: 'Audited twice' },
    }),
  ]);
  await as(
    token,
    `mutation($id: ID!) { deleteBadge(id: $id) { __typename } }`,
    { id: gid('Badge', id) },
    { 'x-request-id': 'audit-delete-0001' },
  );
  expect(await rowsFor('audit-delete-0001')).toEqual([
    expect.objectContaining({
      operation: 'DELETE',
      record_id: id,
      new_values: null,
      old_values: expect.objectContaining({ name: 'Audited twice' }),
    }),
  ]);
});

test('a failed write leaves no record, and a record never exists without its change', async () => {
  const token = api.asCreatorA();
  await as(token, `mutation { createBadge(input: { name: "Unique once", criteria: {} }) { __typename } }`);
  const before = await count('audit_log');
  const duplicate = await as(
    token,
    `mutation { createBadge(input: { name: "Unique once", criteria: {} }) { __typename ${ERRORS} } }`,
    {},
    { 'x-request-id': 'audit-conflict-01' },
  );
  expect(duplicate.createBadge.code).toBe('CONFLICT');
  expect(await rowsFor('audit-conflict-01')).toEqual([]);
  expect(await count('audit_log')).toBe(before);
  // Every recorded row exists, or its deletion is recorded.
  const orphans =
    await sql(`SELECT a.id FROM audit_log a WHERE a.table_name = 'badges' AND a.operation = 'INSERT' AND a.created_at > now() - interval '1 hour'
    AND NOT EXISTS (SELECT 1 FROM badges b WHERE b.id = a.record_id) AND NOT EXISTS (SELECT 1 FROM audit_log d WHERE d.record_id = a.record_id AND d.operation = 'DELETE')`);
  expect(orphans).toEqual([]);
});

test('admins acting on a creator, partners and other writers are recorded as such; secrets and counter updates are not', async () => {
  const adminId = (await one(`SELECT id FROM platform_admins LIMIT 1`))!.id;
  const adminToken = api.server.app.tokens.sign({ sub: adminId, role: 'admin' }).token;
  await as(
    adminToken,
    `mutation { createBadge(input: { name: "By admin ${++seq}", criteria: {} }) { __typename } }`,
    {},
    {
      'x-request-id': 'audit-admin-0001',
      'x-act-as-creator': api.tenants.creatorA,
      'x-admin-reason': 'support ticket 12',
    },
  );
  expect(await rowsFor('audit-admin-0001')).toEqual([
    expect.objectContaining({ actor_type: 'admin', actor_id: adminId, reason: 'support ticket 12' }),
  ]);

  const key = await as(
    api.asCreatorA(),
    `mutation { createApiKey(input: { name: "audit", scopes: [READ, WRITE] }) { ... on CreateApiKeySuccess { data { secret apiKey { id } } } } }`,
    {},
    { 'x-request-id': 'audit-key-00001' },
  );
  const keyRow = (await rowsFor('audit-key-00001')).find((r) => r.table_name === 'api_keys')!;
  expect(keyRow.new_values.key_prefix).toEqual(expect.any(String));
  expect(keyRow.new_values).not.toHaveProperty('key_hash');
  const upsert = await callAsPartner(
    api.server.url,
    key.createApiKey.data.secret,
    'PartnerUpsertUser',
    { input: { channel: 'WEB', externalId: `audited-${++seq}` } },
    { headers: { 'x-request-id': 'audit-partner-01' } },
  );
  expect(upsert.body.data.upsertUserByExternalId.data.created).toBe(true);
  expect(await rowsFor('audit-partner-01')).toEqual([
    expect.objectContaining({
      table_name: 'users',
      operation: 'INSERT',
      actor_type: 'partner',
      actor_id: uuidOf(key.createApiKey.data.apiKey.id),
    }),
  ]);

  // Enrolling changes the program's counter too (a trigger): only the enrollment is recorded.
  const [program] = await sql(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`, [
    api.tenants.creatorA,
  ]);
  const [user] = await sql(
    `SELECT u.id FROM users u WHERE u.creator_id = $1 AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id AND e.program_id = $2) LIMIT 1`,
    [api.tenants.creatorA, program!.id],
  );
  await as(
    api.asCreatorA(),
    `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename } }`,
    { p: gid('Program', program!.id), u: gid('User', user!.id) },
    { 'x-request-id': 'audit-enroll-001' },
  );
  expect((await rowsFor('audit-enroll-001')).map((r) => r.table_name)).toEqual(['program_enrollments']);

  // Anyone else (psql, a job) is "system".
  await sql(`UPDATE badges SET description = 'edited in psql' WHERE creator_id = $1 AND name LIKE 'By admin %'`, [
    api.tenants.creatorA,
  ]);
  expect(
    await one(
      `SELECT actor_type, actor_id FROM audit_log WHERE table_name = 'badges' AND new_values->>'description' = 'edited in psql'`,
    ),
  ).toEqual({ actor_type: 'system', actor_id: null });

  // Signing up records the account without its password hash.
  await api.server.gql(
    `mutation { signUp(input: { email: "audit-signup@example.com", password: "correct horse battery staple" }) { __typename } }`,
    {},
    { headers: { 'x-request-id': 'audit-signup-001' } },
  );
  const signUpRows = await rowsFor('audit-signup-001');
  expect(signUpRows.length).toBeGreaterThan(0);
  expect(JSON.stringify(signUpRows)).not.toMatch(/password_hash|\$argon2/);
});

test("asCreatorB never sees creator A's trail; a platform admin reads every creator's", async () => {
  const b = await as(api.asCreatorB(), `{ auditLogs(first: 100) { nodes { id } } }`);
  const ids = b.auditLogs.nodes.map((n: Json) => uuidOf(n.id));
  expect(await sql(`SELECT DISTINCT creator_id FROM audit_log WHERE id = ANY($1::uuid[])`, [ids])).toEqual([
    { creator_id: api.tenants.creatorB },
  ]);
  const adminId = (await one(`SELECT id FROM platform_admins LIMIT 1`))!.id;
  const adminToken = api.server.app.tokens.sign({ sub: adminId, role: 'admin' }).token;
  const all = await as(
    adminToken,
    `query($c: ID) { platformAuditLogs(first: 100, filter: { creatorId: $c }) { totalCount nodes { id } } }`,
    { c: api.tenants.creatorA },
  );
  expect(all.platformAuditLogs.totalCount).toBe(await count(`audit_log WHERE creator_id = $1`, [api.tenants.creatorA]));
  const refused = await api.server.gql<Json>(
    `{ platformAuditLogs(first: 1) { totalCount } }`,
    {},
    { token: api.asCreatorA() },
  );
  expect(refused.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
});
test('the application role cannot hide a change: no audit_skip, no temporary audit_log of its own', async () => {
  const app = await connect(api.db.appUrl);
  try {
    const badge = (await one(`SELECT id FROM badges WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!.id;
    const before = await count(`audit_log WHERE record_id = $1`, [badge]);
    await asTenant(app, api.tenants.creatorA, async (c) => {
      await c.query(`SELECT set_config('app.audit_skip', 'on', true)`);
      await c.query(`UPDATE badges SET description = 'hidden?' WHERE id = $1`, [badge]);
      await c.query('COMMIT');
      await c.query('BEGIN');
    });
    expect(await count(`audit_log WHERE record_id = $1`, [badge])).toBe(before + 1);
    await app.query('BEGIN');
    try {
      await app.query(`CREATE TEMP TABLE audit_log (LIKE public.audit_log)`);
      await app.query(`SELECT set_config('app.current_creator_id', $1, true)`, [api.tenants.creatorA]);
      await app.query(`UPDATE badges SET description = 'shadowed?' WHERE id = $1`, [badge]);
      await app.query('COMMIT');
    } catch {
      await app.query('ROLLBACK'); // no temporary tables for the app role: nothing to shadow with
      await app.query(`SELECT 1`);
      const direct = await connect(api.db.appUrl);
      await direct.query('BEGIN');
      await direct.query(`SELECT set_config('app.current_creator_id', $1, true)`, [api.tenants.creatorA]);
      await direct.query(`UPDATE badges SET description = 'shadowed?' WHERE id = $1`, [badge]);
      await direct.query('COMMIT');
      await direct.end();
    }
    expect(await count(`audit_log WHERE record_id = $1 AND new_values->>'description' = 'shadowed?'`, [badge])).toBe(1);
  } finally {
    await app.end();
  }
});
