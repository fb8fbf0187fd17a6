// What the audit trail keeps: what changed, not whole rows (an update keeps only the changed
// columns, a value over 1 KiB is kept as its digest: sha256, bytes, a 256-character preview), never
// a secret, nothing about an erased user, and nothing after its creator's account is deleted.
import crypto from 'node:crypto';
import { useApiHarness, gid, uuidOf, type Json } from '../../helpers/api';
import { auditFixtures } from './fixtures';

const api = useApiHarness();
const { sql, one, count } = api;

const { as, rowsFor } = auditFixtures(api);

test('erasing a user redacts what the trail held about them', async () => {
  const token = api.asCreatorA();
  const created = await as(
    token,
    `mutation { createUser(input: { externalId: "erase-me", channel: WEB, displayName: "Erin Erasable", email: "erin@example.com" }) { ... on CreateUserSuccess { data { id } } } }`,
  );
  const id = created.createUser.data.id;
  await as(token, `mutation($id: ID!) { updateUser(id: $id, input: { displayName: "Erin E." }) { __typename } }`, {
    id,
  });
  expect(
    JSON.stringify(await sql(`SELECT old_values, new_values FROM audit_log WHERE record_id = $1`, [uuidOf(id)])),
  ).toContain('Erin');
  await as(token, `mutation($id: ID!) { eraseUser(userId: $id) { __typename } }`, { id });
  const trail = await sql(
    `SELECT operation, old_values, new_values FROM audit_log WHERE record_id = $1 ORDER BY created_at`,
    [uuidOf(id)],
  );
  expect(trail.length).toBeGreaterThanOrEqual(3);
  expect(JSON.stringify(trail)).not.toMatch(/Erin|erin@example|erase-me/);
});
test('secrets never enter the trail, whatever their column: reset tokens, channel credentials', async () => {
  // Each with an ordinary change beside the secret one, so that a record is made.
  await sql(
    `UPDATE creators SET password_reset_token_hash = 'deadbeef-secret', password_reset_expires_at = now() + interval '1 hour', company_name = 'Recorded Co' WHERE id = $1`,
    [api.tenants.creatorA],
  );
  await sql(
    `UPDATE channels SET configuration = '{"botToken": "123:ABC-secret"}', name = name || ' (recorded)' WHERE creator_id = $1`,
    [api.tenants.creatorA],
  );
  const rows = await sql(
    `SELECT old_values, new_values FROM audit_log WHERE creator_id = $1 AND table_name IN ('creators', 'channels') AND created_at > now() - interval '1 minute'`,
    [api.tenants.creatorA],
  );
  expect(rows.length).toBeGreaterThanOrEqual(2);
  expect(JSON.stringify(rows)).toContain('Recorded Co');
  expect(JSON.stringify(rows)).not.toMatch(/deadbeef-secret|ABC-secret|password_reset_token_hash/);
});

test('deleting a creator account deletes its trail with it (and is not blocked by it)', async () => {
  const signUp = await api.server.gql<Json>(
    `mutation { signUp(input: { email: "leaving@example.com", password: "correct horse battery staple" }) { ... on AuthPayload { creator { id } } } }`,
  );
  const id = uuidOf(signUp.body.data!.signUp.creator.id);
  expect(await count(`audit_log WHERE creator_id = $1`, [id])).toBeGreaterThan(0);
  await sql(`DELETE FROM creators WHERE id = $1`, [id]);
  expect(await count(`audit_log WHERE creator_id = $1`, [id])).toBe(0);
});

test('asCreatorA: a value over 1 KiB is kept as its digest, and an update records only the columns it changed', async () => {
  const token = api.asCreatorA();
  const kb = (await one(`SELECT id FROM knowledge_bases WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!.id;
  const content = 'é'.repeat(1000) + 'tail';
  const digest = {
    truncated: true,
    sha256: crypto.createHash('sha256').update(content, 'utf8').digest('hex'),
    bytes: Buffer.byteLength(content),
    preview: content.slice(0, 256),
  };
  const created = await as(
    token,
    `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { ... on CreateDocumentSuccess { data { id } } } }`,
    { input: { knowledgeBaseId: gid('KnowledgeBase', kb), title: 'Long read', content, metadata: { small: 'kept' } } },
    { 'x-request-id': 'audit-digest-0001' },
  );
  const id = uuidOf(created.createDocument.data.id);
  const [insert] = await rowsFor('audit-digest-0001');
  expect(insert!.new_values).toEqual(
    expect.objectContaining({ title: 'Long read', metadata: { small: 'kept' }, content: digest }),
  );
  expect(JSON.stringify(insert!.new_values)).not.toContain('tail');

  await as(
    token,
    `mutation($id: ID!) { updateDocument(id: $id, input: { title: "Longer read" }) { __typename } }`,
    { id: gid('Document', id) },
    { 'x-request-id': 'audit-digest-0002' },
  );
  // The title, and the bytes the document counts against storage (which follow it): nothing else.
  expect(await rowsFor('audit-digest-0002')).toEqual([
    expect.objectContaining({
      operation: 'UPDATE',
      old_values: { title: 'Long read', stored_bytes: expect.any(Number) },
      new_values: { title: 'Longer read', stored_bytes: expect.any(Number) },
    }),
  ]);

  // A large JSON value: its JSON text is digested.
  const metadata = { notes: 'x'.repeat(2000) };
  await as(
    token,
    `mutation($id: ID!, $m: JSONObject) { updateDocument(id: $id, input: { metadata: $m }) { __typename } }`,
    { id: gid('Document', id), m: metadata },
    { 'x-request-id': 'audit-digest-0003' },
  );
  const [meta] = await rowsFor('audit-digest-0003');
  expect(meta!.old_values).toEqual({ metadata: { small: 'kept' }, stored_bytes: expect.any(Number) });
  expect(meta!.new_values.metadata).toEqual({
    truncated: true,
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    bytes: Buffer.byteLength(JSON.stringify(metadata).replace(':', ': ')),
    preview: JSON.stringify(metadata).replace(':', ': ').slice(0, 256),
  });

  await as(
    token,
    `mutation($id: ID!) { deleteDocument(id: $id) { __typename } }`,
    { id: gid('Document', id) },
    { 'x-request-id': 'audit-digest-0004' },
  );
  const [deleted] = await rowsFor('audit-digest-0004');
  expect(deleted!.old_values).toEqual(expect.objectContaining({ id, title: 'Longer read', content: digest }));
  // Every recorded value of the document is at most about 1 KiB.
  const largest = await one(
    `SELECT max(octet_length(v.value::text))::int AS n FROM audit_log a, jsonb_each(coalesce(a.new_values, a.old_values)) v WHERE a.record_id = $1`,
    [id],
  );
  expect(largest!.n).toBeLessThanOrEqual(1024 + 400);
});

test('an update record keeps whose row it is, so that erasing a user still redacts it', async () => {
  const token = api.asCreatorA();
  const [program] = await sql(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`, [
    api.tenants.creatorA,
  ]);
  const created = await as(
    token,
    `mutation { createUser(input: { externalId: "erase-after-moves", channel: WEB }) { ... on CreateUserSuccess { data { id } } } }`,
  );
  const userId = created.createUser.data.id;
  const enrolled = await as(
    token,
    `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { ... on EnrollUserSuccess { data { id } } } }`,
    { p: gid('Program', program!.id), u: userId },
  );
  const enrollment = uuidOf(enrolled.enrollUser.data.id);
  await as(
    token,
    `mutation($id: ID!) { updateEnrollment(id: $id, input: { stepData: { diary: "Fenella's private note" } }) { __typename } }`,
    { id: gid('ProgramEnrollment', enrollment) },
  );
  const update = await one(
    `SELECT old_values, new_values FROM audit_log WHERE record_id = $1 AND operation = 'UPDATE' ORDER BY created_at DESC LIMIT 1`,
    [enrollment],
  );
  expect(update!.new_values).toEqual(
    expect.objectContaining({ user_id: uuidOf(userId), step_data: { diary: "Fenella's private note" } }),
  );
  expect(Object.keys(update!.new_values).sort()).toEqual(['last_activity_at', 'step_data', 'user_id']);
  await as(token, `mutation($id: ID!) { eraseUser(userId: $id) { __typename } }`, { id: userId });
  expect(
    JSON.stringify(await sql(`SELECT old_values, new_values FROM audit_log WHERE record_id = $1`, [enrollment])),
  ).not.toContain('Fenella');
});
