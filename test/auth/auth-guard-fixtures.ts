// What the auth-guard test files share: the per-source and per-account limits of their server
// (behind a proxy: TRUST_PROXY=1), the documents, requests from a given source, floods, and the
// security log and creators as stored.
import crypto from 'node:crypto';
import type { TestServer } from '../helpers/server';
import type { Json } from '../helpers/api';
import type { ServerHarness } from '../helpers/harness';

export const ADA = { email: 'ada@demo.creatorgraph.dev', password: 'demo-password-ada' };
// Refusals are answered at once here: holding them back (REFUSAL_DELAY_MS) has its own test, test/server/refusals.test.ts.
export const LIMITS = {
  AUTH_RATE_PER_SOURCE: '20',
  AUTH_RATE_PER_ACCOUNT: '5',
  SIGNUP_RATE_PER_SOURCE: '3',
  REFUSAL_DELAY_MS: '0',
};
export const ADMIN_LOG_IN = /* GraphQL */ `
  mutation AdminLogIn($email: String!, $password: String!) {
    adminLogIn(email: $email, password: $password) {
      __typename
      ... on AdminAuthPayload {
        accessToken
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
export const LOG_IN = /* GraphQL */ `
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) {
      __typename
      ... on AuthPayload {
        accessToken
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
export const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on AuthPayload {
        accessToken
        creator {
          id
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
export const ME = /* GraphQL */ `
  {
    me {
      email
    }
  }
`;

/** A request from `source` (X-Forwarded-For, believed only with TRUST_PROXY). */
export function from(
  server: TestServer,
  source: string | undefined,
  query: string,
  variables: Json = {},
  token?: string,
) {
  return server.gql<Json>(query, variables, { token, headers: source ? { 'x-forwarded-for': source } : {} });
}

export const uniqueEmail = (prefix: string) => `${prefix}-${crypto.randomBytes(6).toString('hex')}@example.com`;
/** Many requests, `width` at a time; their answers in order. */
export async function flood<T>(count: number, width: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await send(i);
      }
    }),
  );
  return results;
}

/**
 * The limits count in sliding minutes: a burst that straddles the turn of a minute can fit a
 * little more as the old minute slides out. Start bursts early in a minute so that each one is
 * counted against one window (waits at most half a minute; nothing is asserted on time).
 */
export async function earlyInAMinute() {
  const into = Date.now() % 60_000;
  if (into > 20_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

/** The security events of one type from one address, and the number of creators, as stored. */
export function authGuardFixtures(harness: ServerHarness) {
  async function securityEvents(eventType: string, ip: string): Promise<Json[]> {
    const { rows } = await harness.owner.query(
      `SELECT creator_id, event_type, event_data, host(ip_address) AS ip FROM security_audit_logs WHERE event_type = $1 AND host(ip_address) = $2`,
      [eventType, ip],
    );
    return rows;
  }

  async function creatorCount(): Promise<number> {
    return (await harness.owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM creators`)).rows[0]!.n;
  }
  return { securityEvents, creatorCount };
}
