// Target (B), PostGraphile 5: the mapping of PostGraphile's responses to the documents of
// bench/targets/postgraphile-queries.ts to the canonical shape both targets are compared in.
import type { QueryId } from './postgraphile-queries';

// PostGraphile's response types, as far as its documents (postgraphile-queries.ts) select them.
type Ts = string; // Datetime, e.g. "2026-11-01T10:00:00+00:00"
interface PProgram {
  rowId: string;
  name: string;
  description: string | null;
  status: string;
  version: number;
  createdAt: Ts;
}
interface PUser {
  rowId: string;
  externalId: string;
  displayName: string | null;
  channel: string;
  createdAt: Ts;
}
interface PBadge {
  rowId: string;
  name: string;
  description?: string | null;
}
interface PQ3 {
  programByRowId: {
    rowId: string;
    name: string;
    programEnrollmentsByCreatorIdAndProgramId: {
      nodes: {
        rowId: string;
        status: string;
        progress: number;
        enrolledAt: Ts;
        userByCreatorIdAndUserId: {
          rowId: string;
          externalId: string;
          userBadgesByCreatorIdAndUserId: { nodes: { earnedAt: Ts; badgeByCreatorIdAndBadgeId: PBadge | null }[] };
        } | null;
      }[];
    };
  } | null;
}
interface PUserWithBadges {
  rowId: string;
  externalId: string;
  userBadgesByCreatorIdAndUserId: { nodes: { earnedAt: Ts; badgeByCreatorIdAndBadgeId: PBadge | null }[] };
}
interface PQ6 {
  allPrograms: {
    nodes: {
      rowId: string;
      name: string;
      programEnrollmentsByCreatorIdAndProgramId: {
        totalCount: number;
        nodes: { rowId: string; status: string; userByCreatorIdAndUserId: PUserWithBadges | null }[];
      };
    }[];
  };
}
interface PQ4 {
  postgraphileBenchDashboardSummary: {
    date: string;
    newUsers: number;
    activeUsers: number;
    messages: number;
    conversationsEscalated: number;
    badgesAwarded: number;
    enrollmentsCompleted: number;
  } | null;
}
interface PQ5 {
  userByRowId: {
    rowId: string;
    externalId: string;
    pointsTotal: number | null;
    userBadgesByCreatorIdAndUserId: {
      totalCount: number;
      nodes: { rowId: string; earnedAt: Ts; badgeByCreatorIdAndBadgeId: PBadge | null }[];
    };
    achievementsByCreatorIdAndUserId: {
      totalCount: number;
      nodes: { rowId: string; achievementType: string; points: number; earnedAt: Ts }[];
    };
  } | null;
}

const iso = (value: string) => new Date(value).toISOString();
const lower = (value: string) => value.toLowerCase();
const num = (value: number | string) => Number(value);
const badge = (b: PBadge | null) => (b ? { id: b.rowId, name: b.name } : null);
const userWithBadges = (u: PUserWithBadges) => ({
  id: u.rowId,
  externalId: u.externalId,
  badges: u.userBadgesByCreatorIdAndUserId.nodes.map((ub) => ({
    earnedAt: iso(ub.earnedAt),
    badge: badge(ub.badgeByCreatorIdAndBadgeId),
  })),
});

/**
 * PostGraphile's response (the parsed JSON body) in the canonical shape of `queryId`. Throws if
 * the response carries `errors` or no `data`. A row that is not visible (another tenant's, or
 * no tenant) maps to null.
 */
export function canonicalB(queryId: QueryId, responseJson: unknown): unknown {
  const response = responseJson as { data?: unknown; errors?: { message?: string }[] } | null;
  if (!response || typeof response !== 'object') throw new Error(`${queryId}: response is not a JSON object`);
  if (response.errors && response.errors.length > 0) {
    throw new Error(
      `${queryId}: GraphQL errors: ${response.errors.map((e) => e.message ?? JSON.stringify(e)).join('; ')}`,
    );
  }
  if (response.data == null) throw new Error(`${queryId}: response has no data`);
  const data = response.data as Record<string, unknown>;

  switch (queryId) {
    case 'Q0':
      return { typename: data.__typename };

    case 'Q1': {
      const p = data.programByRowId as PProgram | null;
      return p
        ? {
            id: p.rowId,
            name: p.name,
            description: p.description,
            status: lower(p.status),
            version: num(p.version),
            createdAt: iso(p.createdAt),
          }
        : null;
    }

    case 'Q2': {
      const c = data.allUsers as { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: PUser[] };
      return {
        totalCount: num(c.totalCount),
        hasNextPage: c.pageInfo.hasNextPage,
        nodes: c.nodes.map((u) => ({
          id: u.rowId,
          externalId: u.externalId,
          displayName: u.displayName,
          channel: lower(u.channel),
          createdAt: iso(u.createdAt),
        })),
      };
    }

    case 'Q3': {
      const p = (data as unknown as PQ3).programByRowId;
      if (!p) return null;
      return {
        id: p.rowId,
        name: p.name,
        enrollments: p.programEnrollmentsByCreatorIdAndProgramId.nodes.map((e) => {
          const u = e.userByCreatorIdAndUserId;
          return {
            id: e.rowId,
            status: lower(e.status),
            progress: num(e.progress),
            enrolledAt: iso(e.enrolledAt),
            user: u
              ? {
                  id: u.rowId,
                  externalId: u.externalId,
                  badges: u.userBadgesByCreatorIdAndUserId.nodes.map((ub) => ({
                    earnedAt: iso(ub.earnedAt),
                    badge: badge(ub.badgeByCreatorIdAndBadgeId),
                  })),
                }
              : null,
          };
        }),
      };
    }

    case 'Q4': {
      const s = (data as unknown as PQ4).postgraphileBenchDashboardSummary;
      if (!s) return null;
      return {
        date: s.date.slice(0, 10),
        newUsers: num(s.newUsers),
        activeUsers: num(s.activeUsers),
        messages: num(s.messages),
        conversationsEscalated: num(s.conversationsEscalated),
        badgesAwarded: num(s.badgesAwarded),
        enrollmentsCompleted: num(s.enrollmentsCompleted),
      };
    }

    case 'Q5': {
      const u = (data as unknown as PQ5).userByRowId;
      if (!u) return null;
      return {
        id: u.rowId,
        externalId: u.externalId,
        pointsTotal: num(u.pointsTotal ?? 0),
        badges: {
          totalCount: num(u.userBadgesByCreatorIdAndUserId.totalCount),
          nodes: u.userBadgesByCreatorIdAndUserId.nodes.map((ub) => ({
            id: ub.rowId,
            earnedAt: iso(ub.earnedAt),
            badge: ub.badgeByCreatorIdAndBadgeId
              ? {
                  id: ub.badgeByCreatorIdAndBadgeId.rowId,
                  name: ub.badgeByCreatorIdAndBadgeId.name,
                  description: ub.badgeByCreatorIdAndBadgeId.description ?? null,
                }
              : null,
          })),
        },
        achievements: {
          totalCount: num(u.achievementsByCreatorIdAndUserId.totalCount),
          nodes: u.achievementsByCreatorIdAndUserId.nodes.map((a) => ({
            id: a.rowId,
            achievementType: a.achievementType,
            points: num(a.points),
            earnedAt: iso(a.earnedAt),
          })),
        },
      };
    }

    case 'Q6':
      return (data as unknown as PQ6).allPrograms.nodes.map((p) => ({
        id: p.rowId,
        name: p.name,
        enrollments: {
          totalCount: num(p.programEnrollmentsByCreatorIdAndProgramId.totalCount),
          nodes: p.programEnrollmentsByCreatorIdAndProgramId.nodes.map((e) => ({
            id: e.rowId,
            status: lower(e.status),
            user: e.userByCreatorIdAndUserId ? userWithBadges(e.userByCreatorIdAndUserId) : null,
          })),
        },
      }));

    default: {
      const never: never = queryId;
      throw new Error(`unknown query id ${String(never)}`);
    }
  }
}
