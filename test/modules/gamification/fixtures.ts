// What the gamification test files share: the documents, each tenant's seeded rows, and reads of
// what is really stored (through the owner role, which bypasses row-level security).
import { ERRORS, type ApiHarness } from '../../helpers/api';

/** Seeded rows of each tenant, looked up once. */
export interface TenantRows {
  badges: Map<string, string>;
  users: string[];
  programs: string[];
}
export const BADGE_FIELDS = `id name description criteria design isActive awardedCount createdAt`;
export const BADGES = /* GraphQL */ `query Badges($filter: BadgeFilter, $first: Int, $after: String) {
  badges(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ${BADGE_FIELDS} } }
    nodes { id }
  }
}`;
export const CREATE_BADGE = /* GraphQL */ `mutation CreateBadge($input: BadgeInput!) {
  createBadge(input: $input) { __typename ... on CreateBadgeSuccess { data { ${BADGE_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_BADGE = /* GraphQL */ `mutation UpdateBadge($id: ID!, $input: BadgeInput!) {
  updateBadge(id: $id, input: $input) { __typename ... on UpdateBadgeSuccess { data { ${BADGE_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_BADGE = /* GraphQL */ `mutation DeleteBadge($id: ID!) {
  deleteBadge(id: $id) { __typename ... on DeleteBadgeSuccess { data } ${ERRORS} }
}`;
export const AWARD_BADGE = /* GraphQL */ `mutation AwardBadge($userId: ID!, $badgeId: ID!, $reason: String) {
  awardBadge(userId: $userId, badgeId: $badgeId, reason: $reason) {
    __typename
    ... on AwardBadgeSuccess { data { id earnedAt criteriaMet notified user { id } badge { id awardedCount } } }
    ${ERRORS}
  }
}`;
export const REVOKE_BADGE = /* GraphQL */ `mutation RevokeBadge($userId: ID!, $badgeId: ID!) {
  revokeBadge(userId: $userId, badgeId: $badgeId) { __typename ... on RevokeBadgeSuccess { data } ${ERRORS} }
}`;
export const USER_BADGES = /* GraphQL */ `
  query UserBadges($filter: UserBadgeFilter, $first: Int) {
    userBadges(filter: $filter, first: $first) {
      totalCount
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        earnedAt
        user {
          id
        }
        badge {
          id
        }
      }
    }
  }
`;
export const ACHIEVEMENTS = /* GraphQL */ `
  query Achievements($filter: AchievementFilter, $first: Int, $after: String) {
    achievements(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        achievementType
        points
        earnedAt
        achievementData
        user {
          id
        }
        program {
          id
        }
      }
    }
  }
`;
export const GRANT = /* GraphQL */ `mutation Grant($input: GrantAchievementInput!) {
  grantAchievement(input: $input) {
    __typename
    ... on GrantAchievementSuccess { data { id achievementType points achievementData earnedAt user { id pointsTotal } program { id } } }
    ${ERRORS}
  }
}`;
export const DELETE_ACHIEVEMENT = /* GraphQL */ `mutation DeleteAchievement($id: ID!) {
  deleteAchievement(id: $id) { __typename ... on DeleteAchievementSuccess { data } ${ERRORS} }
}`;
export const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Badge {
        name
        awardedCount
        awards(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
      }
      ... on UserBadge {
        earnedAt
        user {
          id
          displayName
        }
        badge {
          id
          name
        }
      }
      ... on Achievement {
        points
        user {
          id
        }
        program {
          id
        }
      }
      ... on User {
        pointsTotal
        badges(first: 100) {
          totalCount
          nodes {
            id
            badge {
              id
              name
            }
          }
        }
        achievements(first: 100) {
          totalCount
          nodes {
            id
            points
          }
        }
      }
    }
  }
`;

/** A stored badge, every gamification row, and every page of achievements. */
export function gamificationFixtures(api: ApiHarness) {
  const { rowOf, snapshot } = api;
  const { readAll } = api.withTokens;
  const badgeRow = (id: string) => rowOf('badges', id);
  /** Every row of the gamification tables, for "the database is unchanged" checks. */
  const gamificationState = () =>
    snapshot({ badges: 'badges', userBadges: 'user_badges', achievements: 'achievements' });
  /** All pages of achievements (the server caps a page at 100). */
  const allAchievements = (token: string, filter: Record<string, unknown> = {}) =>
    readAll(token, ACHIEVEMENTS, 'achievements', filter);
  return { badgeRow, gamificationState, allAchievements };
}

/**
 * Each tenant's seeded rows, looked up once, and A's retired badge, inserted for the filter and
 * award tests. Call it in the file's beforeAll.
 */
export async function gamificationRows(
  api: ApiHarness,
): Promise<{ A: TenantRows; B: TenantRows; retiredBadgeA: string }> {
  const rowsOf = async (creatorId: string): Promise<TenantRows> => {
    const badges = await api.owner.query<{ id: string; name: string }>(
      `SELECT id, name FROM badges WHERE creator_id = $1`,
      [creatorId],
    );
    const users = await api.owner.query<{ id: string }>(
      `SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at, id`,
      [creatorId],
    );
    const programs = await api.owner.query<{ id: string }>(
      `SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at, id`,
      [creatorId],
    );
    return {
      badges: new Map(badges.rows.map((r) => [r.name, r.id])),
      users: users.rows.map((r) => r.id),
      programs: programs.rows.map((r) => r.id),
    };
  };
  const A = await rowsOf(api.tenants.creatorA);
  const B = await rowsOf(api.tenants.creatorB);
  const { rows } = await api.owner.query<{ id: string }>(
    `INSERT INTO badges (creator_id, name, description, is_active) VALUES ($1, 'Retired Relic', 'No longer awarded.', false) RETURNING id`,
    [api.tenants.creatorA],
  );
  return { A, B, retiredBadgeA: rows[0]!.id };
}
