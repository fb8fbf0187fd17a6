// What the plan-quota test files share: the mutations that grow a tenant, and creator B on the free
// plan for the duration of a test.
import { ERRORS, type ApiHarness } from '../../helpers/api';

export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const CREATE_PROGRAM = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const CREATE_DOC = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;

/** Creator B's id, and creator B on the free plan while `fn` runs. */
export function quotaFixtures(api: ApiHarness) {
  const { sql } = api;
  const B = () => api.tenants.creatorB;
  /** Creator B on the free plan for the duration of a test. */
  async function onFreePlan<T>(fn: () => Promise<T>): Promise<T> {
    const [live] = await sql(
      `SELECT id, tier FROM subscriptions WHERE creator_id = $1 AND status IN ('active','trialing','past_due')`,
      [B()],
    );
    await sql(`UPDATE subscriptions SET tier = 'free' WHERE id = $1`, [live!.id]);
    try {
      return await fn();
    } finally {
      await sql(`UPDATE subscriptions SET tier = $2 WHERE id = $1`, [live!.id, live!.tier]);
    }
  }
  return { B, onFreePlan };
}
