// The data and documents of query-count.test.ts: the nested load and the waits it needs.

interface Queryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Ada gets 20 published programs with 10 enrollments each, and every user 3 badges. */
export async function seedNestedLoad(owner: Queryable, A: string): Promise<void> {
  await owner.query(
    `INSERT INTO programs (creator_id, name, status, published_at) SELECT $1, 'Load ' || g, 'published', now() FROM generate_series(1, 20) g`,
    [A],
  );
  await owner.query(
    `INSERT INTO program_enrollments (creator_id, program_id, user_id)
     SELECT $1, p.id, u.id FROM (SELECT id FROM programs WHERE creator_id = $1 AND name LIKE 'Load %') p
     CROSS JOIN LATERAL (SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 10) u`,
    [A],
  );
  await owner.query(
    `INSERT INTO user_badges (creator_id, user_id, badge_id)
     SELECT $1, u.id, b.id FROM users u CROSS JOIN (SELECT id FROM badges WHERE creator_id = $1 LIMIT 3) b WHERE u.creator_id = $1
     ON CONFLICT DO NOTHING`,
    [A],
  );
}

/** Waits (polling as the owner, whose statements are not captured) until `sql` returns true. */
export async function until(owner: Queryable, sql: string, params: unknown[], what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await owner.query<{ ok: boolean }>(sql, params)).rows[0]?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within 30 s: ${what}`);
}

export const NESTED = /* GraphQL */ `
  query Nested($programs: Int!, $enrollments: Int!) {
    me {
      programs(first: $programs) {
        totalCount
        edges {
          node {
            name
            enrollmentStats {
              total
              completed
            }
            enrollments(first: $enrollments) {
              edges {
                node {
                  status
                  user {
                    displayName
                    pointsTotal
                    badges(first: 10) {
                      edges {
                        node {
                          earnedAt
                          badge {
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
        }
      }
    }
  }
`;
