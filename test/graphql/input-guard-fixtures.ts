// What the input-guard test files share: the mutations that write, the bad text values, row counts
// for "nothing is written", and a query's top-level error.
import { ERRORS } from '../helpers/api';
import type { ApiHarness } from '../helpers/api';

export const NUL = 'a\u0000b';
export const LONE = 'a\ud800b';
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ${ERRORS} } }`;
export const CREATE_PROGRAM = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ${ERRORS} } }`;
export const SEND_MESSAGE = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${ERRORS} } }`;
export const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ${ERRORS} } }`;
export const RECORD_METRIC = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename ${ERRORS} } }`;

/** A top-level error of a query: its code and the field paths it names. */
export function topError(body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  expect(body.errors).toHaveLength(1);
  const error = body.errors![0]!;
  return {
    code: error.extensions?.code,
    message: error.message,
    paths: ((error.extensions?.fields as { path: string }[] | undefined) ?? []).map((f) => f.path),
  };
}

/** Row counts of the tables these tests write. */
export function inputGuardFixtures(api: ApiHarness) {
  const { tableCounts } = api;
  const counts = () =>
    tableCounts({
      users: 'users',
      programs: 'programs',
      messages: 'messages',
      creators: 'creators',
      metrics: 'engagement_metrics',
    });
  return { counts };
}
