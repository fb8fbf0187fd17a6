// What the users test files share: the users module's documents, and reads of what is really
// stored (through the owner role, which bypasses row-level security).
import { ERRORS, PAGE, type Json, type ApiHarness } from '../../helpers/api';

export const iso = (d: Date) => d.toISOString();
export const USER_FIELDS = `id externalId channel displayName email timezone language isActive lastActiveAt createdAt updatedAt profileData preferences`;

export const USERS = /* GraphQL */ `query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String, $last: Int, $before: String) {
  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
export const INTERACTIONS = /* GraphQL */ `query Interactions($filter: InteractionFilter, $first: Int, $after: String, $last: Int, $before: String) {
  interactions(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;

export const CREATE_USER = /* GraphQL */ `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { __typename ... on CreateUserSuccess { data { ${USER_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_USER = /* GraphQL */ `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { __typename ... on UpdateUserSuccess { data { ${USER_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_USER = /* GraphQL */ `mutation DeleteUser($id: ID!) {
  deleteUser(id: $id) { __typename ... on DeleteUserSuccess { data } ${ERRORS} }
}`;
export const UPSERT_PROFILE = /* GraphQL */ `mutation UpsertProfile($userId: ID!, $input: UpsertUserProfileInput!) {
  upsertUserProfile(userId: $userId, input: $input) {
    __typename
    ... on UpsertUserProfileSuccess { data { id interests goals preferences behaviorPatterns engagementScore updatedAt user { id } } }
    ${ERRORS}
  }
}`;
export const RECORD_INTERACTION = /* GraphQL */ `mutation RecordInteraction($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename
    ... on RecordInteractionSuccess { data { id interactionType interactionData channel createdAt user { id lastActiveAt } program { id } session { id } message { id } } }
    ${ERRORS}
  }
}`;
export const DELETE_INTERACTION = /* GraphQL */ `mutation DeleteInteraction($id: ID!) {
  deleteInteraction(id: $id) { __typename ... on DeleteInteractionSuccess { data } ${ERRORS} }
}`;

/** Row counts of the users' tables, and the first stored user of a creator (matching `extra`). */
export function usersFixtures(api: ApiHarness) {
  const { one, tableCounts } = api;
  const counts = () =>
    tableCounts({
      users: 'users',
      profiles: 'user_profiles',
      interactions: 'user_interactions',
      enrollments: 'program_enrollments',
      conversations: 'conversations',
      messages: 'messages',
    });

  async function aUserOf(creatorId: string, extra = 'TRUE'): Promise<Json> {
    return (await one(`SELECT * FROM users WHERE creator_id = $1 AND ${extra} ORDER BY created_at, id LIMIT 1`, [
      creatorId,
    ]))!;
  }
  return { counts, aUserOf };
}
