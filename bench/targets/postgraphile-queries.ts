// Target (B), PostGraphile 5: the GraphQL documents for Q0-Q6 and the requests that send them
// (bench/targets/postgraphile-canonical.ts maps PostGraphile's responses to the canonical shape
// both targets are compared in).
//
// Field names are PostGraphile 5's own with the Amber preset (no inflection changes): a
// table's primary key is `rowId` (`id` is the global Node ID), single rows are
// `<table>ByRowId`, lists `all<Tables>`, and relations, which in our schema are composite
// foreign keys (creator_id, <parent>_id), are named after both columns
// (`userBadgesByCreatorIdAndUserId`, `badgeByCreatorIdAndBadgeId`, ...). The day summary and
// pointsTotal come from bench/targets/postgraphile.sql (schema postgraphile_bench, hence the
// `postgraphileBench` prefix on the query field).

export type QueryId = 'Q0' | 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'Q5' | 'Q6';

export interface QueryParams {
  Q0: Record<string, never>;
  Q1: { programId: string };
  Q2: Record<string, never>;
  Q3: { programId: string };
  Q4: { date: string };
  /** Sent with X-Api-Key (a partner), not a JWT. */
  Q5: { userId: string };
  Q6: Record<string, never>;
}

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

export const DOCUMENTS: Record<QueryId, string> = {
  Q0: /* GraphQL */ `
    query Q0 {
      __typename
    }
  `,

  Q1: /* GraphQL */ `
    query Q1($id: UUID!) {
      programByRowId(rowId: $id) {
        rowId
        name
        description
        status
        version
        createdAt
      }
    }
  `,

  Q2: /* GraphQL */ `
    query Q2 {
      allUsers(first: 20, orderBy: [CREATED_AT_DESC, ROW_ID_ASC]) {
        totalCount
        pageInfo {
          hasNextPage
        }
        nodes {
          rowId
          externalId
          displayName
          channel
          createdAt
        }
      }
    }
  `,

  Q3: /* GraphQL */ `
    query Q3($id: UUID!) {
      programByRowId(rowId: $id) {
        rowId
        name
        programEnrollmentsByCreatorIdAndProgramId(first: 20, orderBy: [ENROLLED_AT_DESC, ROW_ID_ASC]) {
          nodes {
            rowId
            status
            progress
            enrolledAt
            userByCreatorIdAndUserId {
              rowId
              externalId
              userBadgesByCreatorIdAndUserId(first: 5, orderBy: [EARNED_AT_DESC, ROW_ID_ASC]) {
                nodes {
                  earnedAt
                  badgeByCreatorIdAndBadgeId {
                    rowId
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  `,

  Q4: /* GraphQL */ `
    query Q4($day: Date!) {
      postgraphileBenchDashboardSummary(day: $day) {
        date
        newUsers
        activeUsers
        messages
        conversationsEscalated
        badgesAwarded
        enrollmentsCompleted
      }
    }
  `,

  Q5: /* GraphQL */ `
    query Q5($id: UUID!) {
      userByRowId(rowId: $id) {
        rowId
        externalId
        pointsTotal
        userBadgesByCreatorIdAndUserId(first: 50, orderBy: [EARNED_AT_DESC, ROW_ID_ASC]) {
          totalCount
          nodes {
            rowId
            earnedAt
            badgeByCreatorIdAndBadgeId {
              rowId
              name
              description
            }
          }
        }
        achievementsByCreatorIdAndUserId(first: 50, orderBy: [EARNED_AT_DESC, ROW_ID_ASC]) {
          totalCount
          nodes {
            rowId
            achievementType
            points
            earnedAt
          }
        }
      }
    }
  `,

  Q6: /* GraphQL */ `
    query Q6 {
      allPrograms(first: 5, orderBy: [CREATED_AT_DESC, ROW_ID_ASC]) {
        nodes {
          rowId
          name
          programEnrollmentsByCreatorIdAndProgramId(first: 10, orderBy: [ENROLLED_AT_DESC, ROW_ID_ASC]) {
            totalCount
            nodes {
              rowId
              status
              userByCreatorIdAndUserId {
                rowId
                externalId
                userBadgesByCreatorIdAndUserId(first: 3, orderBy: [EARNED_AT_DESC, ROW_ID_ASC]) {
                  nodes {
                    earnedAt
                    badgeByCreatorIdAndBadgeId {
                      rowId
                      name
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  `,
};

export const postgraphileQueries: { [K in QueryId]: (params: QueryParams[K]) => GraphQLRequest } = {
  Q0: () => ({ query: DOCUMENTS.Q0, variables: {} }),
  Q1: (p) => ({ query: DOCUMENTS.Q1, variables: { id: p.programId } }),
  Q2: () => ({ query: DOCUMENTS.Q2, variables: {} }),
  Q3: (p) => ({ query: DOCUMENTS.Q3, variables: { id: p.programId } }),
  Q4: (p) => ({ query: DOCUMENTS.Q4, variables: { day: p.date } }),
  Q5: (p) => ({ query: DOCUMENTS.Q5, variables: { id: p.userId } }),
  Q6: () => ({ query: DOCUMENTS.Q6, variables: {} }),
};
