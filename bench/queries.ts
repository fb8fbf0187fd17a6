// The benchmark's queries, as each target is asked them, and the canonical form their answers
// are compared in (bench/targets/postgraphile-queries.ts and postgraphile-canonical.ts have
// PostGraphile's side).
//
//   Q0 __typename                                   (the GraphQL layer alone)
//   Q1 one program by id                            (the admin app's detail page)
//   Q2 a page of 20 users with totalCount           (the admin app's list)
//   Q3 program -> 20 enrollments -> user -> 5 badges (a nested page)
//   Q4 the dashboard summary of a day               (the analytics dashboard)
//   Q5 a partner's persisted operation, by API key  (PartnerUserRewards)
//   Q6 5 programs -> 10 enrollments (totalCount) -> user -> 3 badges (4 levels, 2 nested connections)
//
// Canonical form: raw lowercase uuids, ISO timestamps in milliseconds, enum-like values in
// lower case, numbers as numbers.
import { encodeGlobalID, decodeGlobalID } from '@pothos/plugin-relay';
import persisted from '../src/generated/partner/persisted-documents.json';
import { canonicalB } from './targets/postgraphile-canonical';
import { postgraphileQueries, type QueryId } from './targets/postgraphile-queries';

export const QUERY_IDS: readonly QueryId[] = ['Q0', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6'];
export type { QueryId };

export const QUERY_TITLES: Record<QueryId, string> = {
  Q0: '`{ __typename }`',
  Q1: 'one program by id',
  Q2: 'a page of 20 users',
  Q3: 'program → 20 enrollments → user → badges',
  Q4: 'dashboard summary',
  Q5: 'partner persisted operation (API key)',
  Q6: '5 programs → 10 enrollments → user → badges',
};

/** What one request of a query needs: the tenant's credentials and the ids it names. */
export interface Sample {
  creatorId: string;
  token: string;
  apiKey: string;
  programId: string;
  userId: string;
  date: string;
}

export interface HttpRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const A_DOCUMENTS: Record<Exclude<QueryId, 'Q5'>, string> = {
  Q0: `query Q0 { __typename }`,
  Q1: `query Q1($id: ID!) { node(id: $id) { ... on Program { id name description status version createdAt } } }`,
  Q2: `query Q2 { users(first: 20) { totalCount pageInfo { hasNextPage } nodes { id externalId displayName channel createdAt } } }`,
  Q3: `query Q3($id: ID!) { node(id: $id) { ... on Program { id name enrollments(first: 20) { nodes { id status progress enrolledAt user { id externalId badges(first: 5) { nodes { earnedAt badge { id name } } } } } } } } }`,
  Q4: `query Q4($date: Date!) { dashboardSummary(date: $date) { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`,
  Q6: `query Q6 { programs(first: 5) { nodes { id name enrollments(first: 10) { totalCount nodes { id status user { id externalId badges(first: 3) { nodes { earnedAt badge { id name } } } } } } } } }`,
};

const PARTNER_USER_REWARDS = Object.entries(persisted as Record<string, string>).find(([, text]) =>
  text.startsWith('query PartnerUserRewards'),
);
if (!PARTNER_USER_REWARDS)
  throw new Error('PartnerUserRewards is missing from the persisted-operation manifest (npm run codegen)');
const PARTNER_USER_REWARDS_HASH = PARTNER_USER_REWARDS[0].replace(/^sha256:/, '');

const json = { 'content-type': 'application/json' };

/** (A) this server: GraphQL over HTTP; Q5 as a persisted operation with an API key. */
export function requestA(q: QueryId, s: Sample): HttpRequest {
  if (q === 'Q5') {
    return {
      path: '/graphql',
      headers: { ...json, 'x-api-key': s.apiKey },
      body: JSON.stringify({
        operationName: 'PartnerUserRewards',
        variables: { userId: encodeGlobalID('User', s.userId) },
        extensions: { persistedQuery: { version: 1, sha256Hash: PARTNER_USER_REWARDS_HASH } },
      }),
    };
  }
  const variables =
    q === 'Q1' || q === 'Q3' ? { id: encodeGlobalID('Program', s.programId) } : q === 'Q4' ? { date: s.date } : {};
  return {
    path: '/graphql',
    headers: { ...json, authorization: `Bearer ${s.token}` },
    body: JSON.stringify({ query: A_DOCUMENTS[q], variables }),
  };
}

/** (B) PostGraphile 5. */
export function requestB(q: QueryId, s: Sample): HttpRequest {
  const req =
    q === 'Q1' || q === 'Q3'
      ? postgraphileQueries[q]({ programId: s.programId })
      : q === 'Q4'
        ? postgraphileQueries.Q4({ date: s.date })
        : q === 'Q5'
          ? postgraphileQueries.Q5({ userId: s.userId })
          : postgraphileQueries[q]({});
  const auth: Record<string, string> = q === 'Q5' ? { 'x-api-key': s.apiKey } : { authorization: `Bearer ${s.token}` };
  return { path: '/graphql', headers: { ...json, ...auth }, body: JSON.stringify(req) };
}

/** (C) the raw baseline. */
export function requestC(q: QueryId, s: Sample): HttpRequest {
  const variables =
    q === 'Q1' || q === 'Q3'
      ? { programId: s.programId }
      : q === 'Q4'
        ? { date: s.date }
        : q === 'Q5'
          ? { userId: s.userId }
          : {};
  const auth: Record<string, string> = q === 'Q5' ? { 'x-api-key': s.apiKey } : { authorization: `Bearer ${s.token}` };
  return { path: `/q/${q}`, headers: { ...json, ...auth }, body: JSON.stringify(variables) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function data(q: QueryId, response: unknown): Record<string, Json> {
  const r = response as { data?: Record<string, Json> | null; errors?: { message: string }[] };
  if (r?.errors?.length) throw new Error(`${q}: ${r.errors.map((e) => e.message).join('; ')}`);
  if (!r?.data) throw new Error(`${q}: no data`);
  return r.data;
}

const rawId = (id: string): string => (/^[0-9a-f-]{36}$/i.test(id) ? id : decodeGlobalID(id).id);
type Obj = Record<string, Json>;
const nodes = (c: Json | undefined) => (c as Obj).nodes as Obj[];

/** (A)'s response in the canonical form. */
export function canonicalA(q: QueryId, response: unknown): unknown {
  const d = data(q, response);
  switch (q) {
    case 'Q0':
      return { typename: d.__typename };
    case 'Q1':
      return d.node;
    case 'Q2': {
      const u = d.users as Obj;
      return { totalCount: u.totalCount, hasNextPage: (u.pageInfo as Obj).hasNextPage, nodes: nodes(u) };
    }
    case 'Q3': {
      const p = d.node as Obj | null;
      if (!p) return null;
      return {
        id: p.id,
        name: p.name,
        enrollments: nodes(p.enrollments).map((e) => {
          const u = e.user as Obj;
          return { ...e, user: { id: u.id, externalId: u.externalId, badges: nodes(u.badges) } };
        }),
      };
    }
    case 'Q4':
      return d.dashboardSummary;
    case 'Q6':
      return nodes(d.programs).map((p) => {
        const enrollments = p.enrollments as Obj;
        return {
          id: p.id,
          name: p.name,
          enrollments: {
            totalCount: enrollments.totalCount,
            nodes: nodes(enrollments).map((e) => {
              const u = e.user as Obj;
              return { ...e, user: { id: u.id, externalId: u.externalId, badges: nodes(u.badges) } };
            }),
          },
        };
      });
    case 'Q5': {
      const u = d.user as Obj | null;
      if (!u) return null;
      const badges = u.badges as Obj;
      const achievements = u.achievements as Obj;
      return {
        ...u,
        // BigInt: a decimal string, as PostGraphile sends it (canonicalB takes both to numbers).
        pointsTotal: Number(u.pointsTotal),
        badges: { totalCount: badges.totalCount, nodes: nodes(badges) },
        achievements: { totalCount: achievements.totalCount, nodes: nodes(achievements) },
      };
    }
  }
}

/** (C)'s response: already canonical JSON, but for PostgreSQL's timestamp format. */
export function canonicalC(q: QueryId, response: unknown): unknown {
  const d = data(q, response);
  return q === 'Q0' ? { typename: d.__typename } : d;
}

export { canonicalB };

/** The last normalisation every target's answer goes through before comparing. */
export function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, normalise((value as Record<string, unknown>)[k], k)]),
    );
  }
  if (typeof value === 'string') {
    if (key === 'id') return rawId(value).toLowerCase();
    if (key.endsWith('At')) return new Date(value).toISOString();
    if (key === 'date') return value.slice(0, 10);
    if (key === 'status' || key === 'channel') return value.toLowerCase();
  }
  return value;
}

export function canonical(target: 'A' | 'B' | 'C', q: QueryId, response: unknown): unknown {
  return normalise(
    target === 'A' ? canonicalA(q, response) : target === 'B' ? canonicalB(q, response) : canonicalC(q, response),
  );
}
