// What the programs test files share: the programs module's documents, and fixtures and reads of
// what is really stored (through the owner role, which bypasses row-level security).
import { ERRORS, PAGE, type Json, type ApiHarness } from '../../helpers/api';

export const PROGRAM_FIELDS = `id name description status version flowDefinition settings publishedAt archivedAt enrollmentCount enrollmentStats { active paused completed dropped total } createdAt updatedAt`;
export const ENROLLMENT_FIELDS = `id status progress currentStep stepData programVersion enrolledAt completedAt lastActivityAt program { id enrollmentCount } user { id }`;

export const PROGRAMS = /* GraphQL */ `query Programs($filter: ProgramFilter, $first: Int, $after: String, $last: Int, $before: String) {
  programs(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
export const ENROLLMENTS = /* GraphQL */ `query Enrollments($filter: EnrollmentFilter, $first: Int, $after: String, $last: Int, $before: String) {
  enrollments(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
export const PROGRAM = /* GraphQL */ `query Program($id: ID!) { node(id: $id) { ... on Program { ${PROGRAM_FIELDS} } } }`;

export const CREATE_PROGRAM = /* GraphQL */ `mutation CreateProgram($input: CreateProgramInput!) {
  createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_PROGRAM = /* GraphQL */ `mutation UpdateProgram($id: ID!, $input: UpdateProgramInput!) {
  updateProgram(id: $id, input: $input) { __typename ... on UpdateProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
export const PUBLISH_PROGRAM = /* GraphQL */ `mutation PublishProgram($id: ID!) {
  publishProgram(id: $id) { __typename ... on PublishProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
export const ARCHIVE_PROGRAM = /* GraphQL */ `mutation ArchiveProgram($id: ID!) {
  archiveProgram(id: $id) { __typename ... on ArchiveProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_PROGRAM = /* GraphQL */ `mutation DeleteProgram($id: ID!) {
  deleteProgram(id: $id) { __typename ... on DeleteProgramSuccess { data } ${ERRORS} }
}`;
export const ENROLL = /* GraphQL */ `mutation Enroll($programId: ID!, $userId: ID!) {
  enrollUser(programId: $programId, userId: $userId) { __typename ... on EnrollUserSuccess { data { ${ENROLLMENT_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_ENROLLMENT = /* GraphQL */ `mutation UpdateEnrollment($id: ID!, $input: UpdateEnrollmentInput!) {
  updateEnrollment(id: $id, input: $input) { __typename ... on UpdateEnrollmentSuccess { data { ${ENROLLMENT_FIELDS} } } ${ERRORS} }
}`;
export const UNENROLL = /* GraphQL */ `mutation Unenroll($id: ID!) {
  unenrollUser(id: $id) { __typename ... on UnenrollUserSuccess { data } ${ERRORS} }
}`;

/** Row counts, stored programs, users and enrollment stats, and programs inserted directly. */
export function programsFixtures(api: ApiHarness) {
  const { sql, one, tableCounts } = api;
  const counts = () =>
    tableCounts({
      programs: 'programs',
      enrollments: 'program_enrollments',
      analytics: 'program_analytics',
      users: 'users',
    });

  const programOf = async (creatorId: string, status: string) =>
    (await one(`SELECT * FROM programs WHERE creator_id = $1 AND status = $2 ORDER BY created_at, id LIMIT 1`, [
      creatorId,
      status,
    ]))!;
  const usersOf = async (creatorId: string) =>
    (await sql<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at, id`, [creatorId])).map(
      (r) => r.id,
    );
  /** A user of the creator not enrolled in the program. */
  const userNotIn = async (creatorId: string, programId: string) =>
    (await one<{ id: string }>(
      `SELECT id FROM users u WHERE creator_id = $1 AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id AND e.program_id = $2) ORDER BY created_at, id LIMIT 1`,
      [creatorId, programId],
    ))!.id;

  /** Inserts a program directly (owner role) for tests that change its state. */
  async function insertProgram(
    creatorId: string,
    status: 'draft' | 'published' | 'archived',
    name = `Test program ${Math.random().toString(36).slice(2, 8)}`,
  ): Promise<Json> {
    return (await one(
      `INSERT INTO programs (creator_id, name, status, version, flow_definition, published_at, archived_at)
     VALUES ($1, $2, $3, $4, '{"start": "intro", "steps": [{"id": "intro", "type": "content", "transitions": [{"to": "end"}]}, {"id": "end", "type": "checkpoint", "end": true}]}', $5, $6) RETURNING *`,
      [
        creatorId,
        name,
        status,
        status === 'draft' ? 1 : 3,
        status === 'draft' ? null : new Date(Date.now() - 86_400_000),
        status === 'archived' ? new Date() : null,
      ],
    ))!;
  }

  const statsFromDb = async (programId: string) => {
    const rows = await sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM program_enrollments WHERE program_id = $1 GROUP BY status`,
      [programId],
    );
    const stats: Record<string, number> = { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 };
    for (const r of rows) {
      stats[r.status] = r.n;
      stats.total! += r.n;
    }
    return stats;
  };

  return { counts, programOf, usersOf, userNotIn, insertProgram, statsFromDb };
}
