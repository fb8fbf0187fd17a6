// Bounded storage of flows and the trail, over the real server and database. A looping flow
// advanced with large answers used to grow the database far past what was sent (the step
// history kept every answer, the trail copied whole rows on each move), and one auditLogs page
// was 100 MB. Now: an answer, the answers and the step history are bounded (VALIDATION_FAILED
// naming the field and the limit, nothing written), the database refuses the same whoever
// writes, and the trail's rows stay small. Sizes are counted, never timed.
import crypto from 'node:crypto';
import { useApiHarness, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { asTenant, connect } from '../../helpers/fixtures';
import { STEP_DATA_LIMITS, jsonbTextBytes } from '../../../src/modules/programs/step-data-limits';

jest.setTimeout(180_000);

const api = useApiHarness({ checkCountersAfterEach: true });
const { mutate, sql, one, snapshot } = api;

const CREATE = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { id } } ${ERRORS} } }`;
const PUBLISH = `mutation($id: ID!) { publishProgram(id: $id) { __typename ${ERRORS} } }`;
const ENROLL = `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename ... on EnrollUserSuccess { data { id } } ${ERRORS} } }`;
const ADVANCE = `mutation($id: ID!, $input: AdvanceEnrollmentInput!) { advanceEnrollment(enrollmentId: $id, input: $input) { __typename ... on AdvanceEnrollmentSuccess { data { toStep } } ${ERRORS} } }`;
const UPDATE_ENROLLMENT = `mutation($id: ID!, $input: UpdateEnrollmentInput!) { updateEnrollment(id: $id, input: $input) { __typename ${ERRORS} } }`;

// A question that loops on itself until the answer is "done".
const LOOP = {
  start: 'ask',
  steps: [
    {
      id: 'ask',
      type: 'question',
      transitions: [{ to: 'finish', condition: { answerEquals: 'done' } }, { to: 'ask' }],
    },
    { id: 'finish', type: 'checkpoint', end: true },
  ],
};

type Actor = 'asCreatorA' | 'asCreatorB';
let seq = 0;
async function loopingEnrollment(actor: Actor): Promise<string> {
  const program = await mutate(actor, CREATE, 'createProgram', {
    input: { name: `Loop ${++seq}`, flowDefinition: LOOP },
  });
  expect(program.__typename).toBe('CreateProgramSuccess');
  expect((await mutate(actor, PUBLISH, 'publishProgram', { id: program.data.id })).__typename).toBe(
    'PublishProgramSuccess',
  );
  const user = await mutate(
    actor,
    `mutation($input: CreateUserInput!) { createUser(input: $input) { ... on CreateUserSuccess { data { id } } } }`,
    'createUser',
    { input: { externalId: `loop-${++seq}`, channel: 'WEB' } },
  );
  const enrollment = await mutate(actor, ENROLL, 'enrollUser', { p: program.data.id, u: user.data.id });
  expect(enrollment.__typename).toBe('EnrollUserSuccess');
  return enrollment.data.id;
}
/** Incompressible text (so that TOAST compression cannot hide growth) of `bytes` bytes. */
const noise = (bytes: number) =>
  crypto
    .randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
const TABLES = ['program_enrollments', 'user_interactions', 'audit_log'];
async function databaseBytes(): Promise<number> {
  const row = await one(`SELECT sum(pg_total_relation_size(t::regclass))::bigint AS bytes FROM unnest($1::text[]) t`, [
    TABLES,
  ]);
  return Number(row!.bytes);
}
const enrollmentRow = (id: string) => `program_enrollments WHERE id = '${uuidOf(id)}'`;

test('asCreatorA: the 40 x 60 KB loop is refused with VALIDATION_FAILED naming input.answer and its limit, and nothing is written', async () => {
  const id = await loopingEnrollment('asCreatorA');
  const tables = { enrollment: enrollmentRow(id), interactions: 'user_interactions', audit: 'audit_log' };
  const before = await snapshot(tables);
  const bytesBefore = await databaseBytes();
  const answer = noise(60_000);
  const results = [];
  for (let i = 0; i < 40; i++)
    results.push(await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id, input: { answer } }));
  expect(results.map((r) => r.code)).toEqual(Array(40).fill('VALIDATION_FAILED'));
  expect(results[0]!.fields).toEqual([
    {
      path: 'input.answer',
      message: `is ${jsonbTextBytes(answer)} bytes of JSON; one answer may be at most ${STEP_DATA_LIMITS.answerBytes}`,
    },
  ]);
  expect(await snapshot(tables)).toEqual(before);
  // 2.4 MB sent, nothing written (at most the free-space and visibility maps autovacuum may add).
  expect((await databaseBytes()) - bytesBefore).toBeLessThan(128 * 1024);
});

test("asCreatorA: a loop with answers just under the bound stops at the step history's bound; the database grows by a bounded amount and the trail's rows stay small", async () => {
  const id = await loopingEnrollment('asCreatorA');
  const since = (await one(`SELECT now() AS t`))!.t;
  const bytesBefore = await databaseBytes();
  const results: Json[] = [];
  let sent = 0;
  for (let i = 0; i < 40; i++) {
    const answer = noise(STEP_DATA_LIMITS.answerBytes - 100);
    sent += answer.length;
    results.push(await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id, input: { answer } }));
  }
  const moved = results.filter((r) => r.__typename === 'AdvanceEnrollmentSuccess').length;
  // Each move adds one ~16 KiB entry to the history: it fills after about 256 KiB / 16 KiB of them.
  expect(moved).toBeGreaterThanOrEqual(12);
  expect(moved).toBeLessThanOrEqual(16);
  // Every move after that is refused, naming the history and its limit; the enrollment stays where it was.
  const refused = results.slice(moved);
  expect(refused.map((r) => r.code)).toEqual(Array(40 - moved).fill('VALIDATION_FAILED'));
  expect(refused[0]!.fields).toEqual([
    {
      path: 'stepData.history',
      message: expect.stringMatching(new RegExp(`the step history may be at most ${STEP_DATA_LIMITS.historyBytes}$`)),
    },
  ]);
  const row = (await one(
    `SELECT step_data, octet_length(step_data::text) AS bytes FROM program_enrollments WHERE id = $1`,
    [uuidOf(id)],
  ))!;
  expect(row.step_data.history).toHaveLength(moved);
  expect(row.bytes).toBeLessThanOrEqual(STEP_DATA_LIMITS.stepDataBytes);
  // The whole loop (about 650 KB sent) grew these tables by a bounded amount: each move rewrote
  // a history of at most 256 KiB, kept one answer in its interaction, and a small trail record.
  // (Before: 40 moves of 60 KB grew them by about 160 MB.)
  const grown = (await databaseBytes()) - bytesBefore;
  expect(sent).toBeGreaterThan(600_000);
  expect(grown).toBeLessThan(8 * 1024 * 1024);
  // The trail: one small record per move (the step data only as its digest).
  const trail = await sql(
    `SELECT operation, old_values, new_values, octet_length(coalesce(old_values::text, '')) + octet_length(coalesce(new_values::text, '')) AS bytes
    FROM audit_log WHERE record_id = $1 AND operation = 'UPDATE' ORDER BY created_at`,
    [uuidOf(id)],
  );
  expect(trail).toHaveLength(moved);
  for (const r of trail) {
    expect(r.bytes).toBeLessThan(4096);
    expect(r.new_values.step_data).toEqual({
      truncated: true,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bytes: expect.any(Number),
      preview: expect.any(String),
    });
    expect(r.new_values.step_data.preview.length).toBe(256);
  }
  // All the audit rows the loop wrote (enrollment moves, interactions, the user's activity).
  const written = await one(
    `SELECT count(*)::int AS n, max(octet_length(coalesce(old_values::text, '')) + octet_length(coalesce(new_values::text, '')))::int AS largest
    FROM audit_log WHERE creator_id = $1 AND created_at >= $2`,
    [api.tenants.creatorA, since],
  );
  expect(written!.n).toBeGreaterThanOrEqual(3 * moved);
  expect(written!.largest).toBeLessThan(4096);

  // One page of 100 audit records: bounded by what each record may hold, not by the rows' sizes.
  const page = await api.server.gql<Json>(
    `{ auditLogs(first: 100) { nodes { id tableName operation oldValues newValues } } }`,
    {},
    { token: api.asCreatorA() },
  );
  expect(page.body.errors).toBeUndefined();
  expect(page.body.data!.auditLogs.nodes.length).toBeGreaterThanOrEqual(3 * moved);
  expect(Buffer.byteLength(JSON.stringify(page.body))).toBeLessThan(400 * 1024);
});

test('asCreatorA: a history of 500 moves is full: the next move is refused naming the limit, and nothing is written', async () => {
  const id = await loopingEnrollment('asCreatorA');
  expect(
    (await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id, input: { answer: 'again' } })).__typename,
  ).toBe('AdvanceEnrollmentSuccess');
  // 499 more small moves, written straight in the table (as 499 requests would have).
  const first = (await one(`SELECT step_data->'history'->0 AS entry FROM program_enrollments WHERE id = $1`, [
    uuidOf(id),
  ]))!.entry;
  await sql(
    `UPDATE program_enrollments SET step_data = jsonb_set(step_data, '{history}', (SELECT jsonb_agg($2::jsonb) FROM generate_series(1, 500))) WHERE id = $1`,
    [uuidOf(id), first],
  );
  const tables = { enrollment: enrollmentRow(id), interactions: 'user_interactions', audit: 'audit_log' };
  const before = await snapshot(tables);
  const refused = await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id, input: { answer: 'again' } });
  expect(refused.code).toBe('VALIDATION_FAILED');
  expect(refused.fields).toEqual([
    {
      path: 'stepData.history',
      message: `would hold 501 moves; the step history keeps at most ${STEP_DATA_LIMITS.historyEntries}`,
    },
  ]);
  expect(await snapshot(tables)).toEqual(before);
  // The way out of the loop is refused too: the enrollment's history is full.
  expect((await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id, input: { answer: 'done' } })).code).toBe(
    'VALIDATION_FAILED',
  );
});

test('asCreatorA: updateEnrollment with step data past a bound is VALIDATION_FAILED naming each field, and writes nothing', async () => {
  const id = await loopingEnrollment('asCreatorA');
  const before = await snapshot({ enrollment: enrollmentRow(id), audit: 'audit_log' });
  const big = noise(STEP_DATA_LIMITS.answerBytes + 10);
  const refused = await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
    id,
    input: { stepData: { answers: { ask: big }, history: Array(501).fill(0) } },
  });
  expect(refused.code).toBe('VALIDATION_FAILED');
  expect(refused.fields).toEqual([
    {
      path: 'input.stepData.answers.ask',
      message: `is ${big.length + 2} bytes of JSON; one answer may be at most ${STEP_DATA_LIMITS.answerBytes}`,
    },
    {
      path: 'input.stepData.history',
      message: `would hold 501 moves; the step history keeps at most ${STEP_DATA_LIMITS.historyEntries}`,
    },
  ]);
  expect(await snapshot({ enrollment: enrollmentRow(id), audit: 'audit_log' })).toEqual(before);
  // Within the bounds it is written.
  expect(
    (await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', { id, input: { stepData: { notes: 'fine' } } }))
      .__typename,
  ).toBe('UpdateEnrollmentSuccess');
});

test('the database holds the same bounds whoever writes: the application role and the owner are refused past them', async () => {
  const id = uuidOf(await loopingEnrollment('asCreatorA'));
  const app = await connect(api.db.appUrl);
  try {
    await expect(
      asTenant(app, api.tenants.creatorA, (c) =>
        c.query(
          `UPDATE program_enrollments SET step_data = jsonb_build_object('answers', jsonb_build_object('ask', repeat('x', 16400))) WHERE id = $1`,
          [id],
        ),
      ),
    ).rejects.toThrow(/program_enrollments_step_data_size_check/);
  } finally {
    await app.end();
  }
  const cases = [
    `jsonb_build_object('answers', jsonb_build_object('ask', repeat('x', 16400)))`,
    `jsonb_build_object('answers', (SELECT jsonb_object_agg('s' || g, repeat('x', 10000)) FROM generate_series(1, 7) g))`,
    `jsonb_build_object('history', (SELECT jsonb_agg(g) FROM generate_series(1, 501) g))`,
    `jsonb_build_object('history', (SELECT jsonb_agg(repeat('x', 10000)) FROM generate_series(1, 27) g))`,
    `jsonb_build_object('notes', repeat('x', 400000))`,
  ];
  for (const value of cases)
    await expect(sql(`UPDATE program_enrollments SET step_data = ${value} WHERE id = $1`, [id])).rejects.toThrow(
      /program_enrollments_step_data_size_check/,
    );
  // Exactly at the bounds is allowed (the service measures as the database does).
  await sql(
    `UPDATE program_enrollments SET step_data = jsonb_build_object('answers', jsonb_build_object('ask', repeat('x', ${STEP_DATA_LIMITS.answerBytes - 2})), 'history', (SELECT jsonb_agg(g % 10) FROM generate_series(1, 500) g)) WHERE id = $1`,
    [id],
  );
  const row = (await one(`SELECT step_data FROM program_enrollments WHERE id = $1`, [id]))!;
  expect(jsonbTextBytes(row.step_data.answers.ask)).toBe(STEP_DATA_LIMITS.answerBytes);
  expect((await one(`SELECT octet_length(step_data::text) AS n FROM program_enrollments WHERE id = $1`, [id]))!.n).toBe(
    jsonbTextBytes(row.step_data),
  );
});

test("asCreatorB is not held by creator A's full loops: its own enrollment moves, and A's refusals never touched B's rows", async () => {
  const before = await snapshot({ b: `program_enrollments WHERE creator_id = '${api.tenants.creatorB}'` });
  const a = await loopingEnrollment('asCreatorA');
  for (let i = 0; i < 3; i++)
    expect(
      (await mutate('asCreatorA', ADVANCE, 'advanceEnrollment', { id: a, input: { answer: noise(60_000) } })).code,
    ).toBe('VALIDATION_FAILED');
  expect(await snapshot({ b: `program_enrollments WHERE creator_id = '${api.tenants.creatorB}'` })).toEqual(before);
  const b = await loopingEnrollment('asCreatorB');
  expect(
    (await mutate('asCreatorB', ADVANCE, 'advanceEnrollment', { id: b, input: { answer: 'again' } })).__typename,
  ).toBe('AdvanceEnrollmentSuccess');
  expect(
    (await mutate('asCreatorB', ADVANCE, 'advanceEnrollment', { id: b, input: { answer: 'done' } })).data.toStep,
  ).toBe('finish');
  // And B cannot move A's enrollment, bounds or not.
  expect((await mutate('asCreatorB', ADVANCE, 'advanceEnrollment', { id: a, input: { answer: 'done' } })).code).toBe(
    'NOT_FOUND',
  );
});
