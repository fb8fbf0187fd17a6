// What the program-flow test files share: the documents, a quiz flow, published programs, users and
// enrollments made through the API, moves along a flow, and waits for the evaluate_badges job.
import { uuidOf, ERRORS, type Json, type ApiHarness } from '../../helpers/api';
import { badgeEvaluationsSettled } from '../../helpers/badge-jobs';

export const PROGRAM = `id version status flowDefinition`;
export const CREATE = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { ${PROGRAM} } } ${ERRORS} } }`;
export const UPDATE = `mutation($id: ID!, $input: UpdateProgramInput!) { updateProgram(id: $id, input: $input) { __typename ... on UpdateProgramSuccess { data { ${PROGRAM} } } ${ERRORS} } }`;
export const PUBLISH = `mutation($id: ID!) { publishProgram(id: $id) { __typename ... on PublishProgramSuccess { data { ${PROGRAM} } } ... on InvalidFlowError { code problems { kind stepId message } } ${ERRORS} } }`;
export const ENROLL = `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename ... on EnrollUserSuccess { data { id programVersion currentStep } } ${ERRORS} } }`;
export const ADVANCE = `mutation($id: ID!, $input: AdvanceEnrollmentInput!) { advanceEnrollment(enrollmentId: $id, input: $input) {
  __typename
  ... on AdvanceEnrollmentSuccess { data { fromStep toStep completed enrollment { id status progress currentStep completedAt stepData programVersion } achievement { id points achievementType } awardedBadges { id badge { id } criteriaMet } } }
  ... on InvalidTransitionError { fromStep toStep }
  ${ERRORS}
} }`;

export const QUIZ = {
  start: 'welcome',
  steps: [
    { id: 'welcome', type: 'content', title: 'Hello', transitions: [{ to: 'stress' }] },
    {
      id: 'stress',
      type: 'question',
      title: 'How stressed?',
      transitions: [
        { to: 'breathing', condition: { answerIn: ['high', 'very high'] } },
        { to: 'reflection', condition: { answerIn: ['low', 'medium'] } },
      ],
    },
    { id: 'breathing', type: 'task', transitions: [{ to: 'reflection' }, { to: 'bonus' }] },
    { id: 'bonus', type: 'task', transitions: [{ to: 'reflection' }] },
    { id: 'reflection', type: 'checkpoint', end: true },
  ],
};

/** Published programs, fresh users and enrollments of creator A, moves, and the badge job's awards. */
export function flowFixtures(api: ApiHarness) {
  const { mutate, one } = api;
  let seq = 0;
  async function publishedProgram(
    flow: Json = QUIZ,
    settings: Json = {},
  ): Promise<{ id: string; uuid: string; version: number }> {
    const created = await mutate('asCreatorA', CREATE, 'createProgram', {
      input: { name: `Flow ${++seq}`, flowDefinition: flow, settings },
    });
    const published = await mutate('asCreatorA', PUBLISH, 'publishProgram', { id: created.data.id });
    expect(published.__typename).toBe('PublishProgramSuccess');
    return { id: created.data.id, uuid: uuidOf(created.data.id), version: published.data.version };
  }
  async function freshUser(actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA'): Promise<string> {
    const r = await mutate(
      actor,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { ... on CreateUserSuccess { data { id } } } }`,
      'createUser',
      { input: { externalId: `flow-${++seq}-${Date.now()}`, channel: 'WEB' } },
    );
    return r.data.id;
  }
  async function enroll(programId: string, userId: string): Promise<Json> {
    const r = await mutate('asCreatorA', ENROLL, 'enrollUser', { p: programId, u: userId });
    expect(r.__typename).toBe('EnrollUserSuccess');
    return r.data;
  }
  /** Waits (generously) until no badge evaluation is queued or running. */
  const evaluationsSettled = () => badgeEvaluationsSettled(api);
  /** The award of a badge to a user, waited for (generously) from the evaluate_badges job. */
  async function awardOf(userId: string, badgeId: string): Promise<Json> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const award = await one(`SELECT criteria_met FROM user_badges WHERE user_id = $1 AND badge_id = $2`, [
        userId,
        badgeId,
      ]);
      if (award) return award;
      if (Date.now() > deadline) throw new Error(`badge ${badgeId} was not awarded to ${userId} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const advance = (enrollmentId: string, input: Json, actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA') =>
    mutate(actor, ADVANCE, 'advanceEnrollment', { id: enrollmentId, input });
  return { publishedProgram, freshUser, enroll, evaluationsSettled, awardOf, advance };
}
