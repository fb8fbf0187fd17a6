// What the plan-quota test files share: the mutations that grow a tenant, and creator B on the free
// plan for the duration of a test.
import { ERRORS, type ApiHarness } from '../../helpers/api';
import { creatorBOnFreePlan } from '../../helpers/plans';

export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const CREATE_PROGRAM = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const CREATE_DOC = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;

/** Creator B's id, and creator B on the free plan while `fn` runs. */
export function quotaFixtures(api: ApiHarness) {
  const B = () => api.tenants.creatorB;
  /** Creator B on the free plan for the duration of a test. */
  const onFreePlan = <T>(fn: () => Promise<T>) => creatorBOnFreePlan(api, fn);
  return { B, onFreePlan };
}
