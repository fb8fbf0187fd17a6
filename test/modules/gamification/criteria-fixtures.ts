// What the badge-rule test files share: the documents, new badges and users made through the API,
// the awards as stored, and a wait for the evaluate_badges jobs the writes queue (the servers of
// these files run their jobs).
import { uuidOf, ERRORS, type Json, type ApiHarness } from '../../helpers/api';
import { badgeEvaluationsSettled } from '../../helpers/badge-jobs';

export const CREATE_BADGE = /* GraphQL */ `mutation CreateBadge($input: BadgeInput!) {
  createBadge(input: $input) { __typename ... on CreateBadgeSuccess { data { id criteria awardedCount } } ${ERRORS} }
}`;
export const EVALUATE = /* GraphQL */ `mutation Evaluate($userId: ID!) {
  evaluateBadges(userId: $userId) { __typename ... on EvaluateBadgesSuccess { data { id criteriaMet badge { id name } user { id } } } ${ERRORS} }
}`;
export const RECORD = /* GraphQL */ `mutation Record($input: RecordInteractionInput!) { recordInteraction(input: $input) { __typename ${ERRORS} } }`;
export const SEND = /* GraphQL */ `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${ERRORS} } }`;
export const GRANT = /* GraphQL */ `mutation Grant($input: GrantAchievementInput!) { grantAchievement(input: $input) { __typename ${ERRORS} } }`;

/** New badges and users, awards as stored, and a wait until no badge evaluation is queued. */
export function criteriaFixtures(api: ApiHarness) {
  const { mutate, sql, one } = api;
  let seq = 0;
  async function badge(actor: 'asCreatorA' | 'asCreatorB', criteria: Json): Promise<{ id: string; uuid: string }> {
    const result = await mutate(actor, CREATE_BADGE, 'createBadge', { input: { name: `Rule ${++seq}`, criteria } });
    expect(result.__typename).toBe('CreateBadgeSuccess');
    return { id: result.data.id, uuid: uuidOf(result.data.id) };
  }

  /** A fresh user of creator A (nothing earned yet), by the API. */
  async function freshUser(
    actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA',
    timezone = 'UTC',
  ): Promise<{ id: string; uuid: string }> {
    const result = await mutate(
      actor,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ${ERRORS} } }`,
      'createUser',
      {
        input: { externalId: `rules-${++seq}-${Date.now()}`, channel: 'WEB', timezone },
      },
    );
    return { id: result.data.id, uuid: uuidOf(result.data.id) };
  }

  /** Waits (generously) until no badge evaluation is queued or running. */
  const evaluationsSettled = (timeoutMs?: number) => badgeEvaluationsSettled(api, timeoutMs);

  const awardsOf = (badgeUuid: string) =>
    sql(`SELECT user_id, criteria_met FROM user_badges WHERE badge_id = $1`, [badgeUuid]);
  const awardedCount = async (badgeUuid: string) =>
    (await one(`SELECT awarded_count FROM badges WHERE id = $1`, [badgeUuid]))!.awarded_count as number;
  return { badge, freshUser, evaluationsSettled, awardsOf, awardedCount };
}
