// What the authentication test files share: a server whose per-source limits are raised (every
// call comes from one address; test/auth/auth-guard-limits.test.ts tests them and the per-account
// throttle), the documents, the auth mutations as calls, and reads of what is really stored
// (through the owner role, which bypasses row-level security).
import crypto from 'node:crypto';
import type pg from 'pg';
import { DEMO_ADMIN } from '../../../src/db/seed/seed';
import type { TestDatabase } from '../../helpers/database';
import type { TwoTenants } from '../../helpers/fixtures';
import { useDatabase, useServer } from '../../helpers/harness';
import type { TestServer } from '../../helpers/server';

export const ADA = { email: 'ada@demo.creatorgraph.dev', password: 'demo-password-ada' };
export const GRACE = { email: 'grace@demo.creatorgraph.dev', password: 'demo-password-grace' };
export const SESSION_FIELDS = /* GraphQL */ `
  __typename
  ... on AuthPayload { accessToken refreshToken accessTokenExpiresAt creator { id email } }
  ... on Error { code message }
  ... on ValidationError { fields { path message } }
`;

export const SIGN_UP = /* GraphQL */ `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${SESSION_FIELDS} } }`;
export const LOG_IN = /* GraphQL */ `mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { ${SESSION_FIELDS} }
}`;
export const REFRESH = /* GraphQL */ `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION_FIELDS} } }`;
export const LOG_OUT = /* GraphQL */ `
  mutation LogOut($refreshToken: String!) {
    logOut(refreshToken: $refreshToken)
  }
`;
export const ADMIN_LOG_IN = /* GraphQL */ `
  mutation AdminLogIn($email: String!, $password: String!) {
    adminLogIn(email: $email, password: $password) {
      __typename
      ... on AdminAuthPayload {
        accessToken
        accessTokenExpiresAt
      }
      ... on Error {
        code
        message
      }
      ... on ValidationError {
        fields {
          path
          message
        }
      }
    }
  }
`;
export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
    }
  }
`;
export const CREATORS = /* GraphQL */ `
  query Creators {
    creators(first: 10) {
      totalCount
      edges {
        node {
          email
        }
      }
    }
  }
`;

/** One member of a result union, as selected above. */
export interface Result {
  __typename: string;
  accessToken?: string;
  refreshToken?: string;
  accessTokenExpiresAt?: string;
  creator?: { id: string; email: string };
  code?: string;
  message?: string;
  fields?: { path: string; message: string }[];
}
/** A request id the server accepts and stores in event_data.requestId: finds a request's log rows. */
export const newRequestId = () => `auth-test-${crypto.randomUUID()}`;
export const uniqueEmail = (prefix = 'creator') => `${prefix}-${crypto.randomBytes(6).toString('hex')}@example.com`;
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
export const hexOf = (uuid: string) => uuid.replace(/-/g, '');
export const REFRESH_TOKEN = /^crt_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;
export interface CreatorRow {
  id: string;
  email: string;
  password_hash: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  failed_login_attempts: number;
  locked_until: Date | null;
  last_login_at: Date | null;
}
export interface TokenRow {
  id: string;
  creator_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
  replaced_by_id: string | null;
  created_at: Date;
}
export interface LogRow {
  id: string;
  creator_id: string | null;
  event_type: string;
  severity: string;
  event_data: Record<string, unknown>;
  created_at: Date;
}
export const expectInvalidCredentials = (result: Result) =>
  expect(result).toEqual(
    expect.objectContaining({
      __typename: 'InvalidCredentialsError',
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
    }),
  );

/**
 * A fresh database with the two demo tenants and a real server on it, with the per-source auth
 * limits raised; `adminId` is the demo platform admin's id. The values work once beforeAll ran.
 */
export function useAuthHarness() {
  const harness = useServer(useDatabase(), {
    env: { AUTH_RATE_PER_SOURCE: '1000000', SIGNUP_RATE_PER_SOURCE: '1000000' },
  });
  let adminId: string | undefined;
  beforeAll(async () => {
    const { rows } = await harness.owner.query<{ id: string }>(`SELECT id FROM platform_admins WHERE email = $1`, [
      DEMO_ADMIN.email,
    ]);
    adminId = rows[0]!.id;
  });
  return {
    get db(): TestDatabase {
      return harness.db;
    },
    get server(): TestServer {
      return harness.server;
    },
    get tenants(): TwoTenants {
      return harness.tenants;
    },
    get owner(): pg.Client {
      return harness.owner;
    },
    get adminId(): string {
      if (adminId === undefined) throw new Error('test harness: adminId is only available once beforeAll has run');
      return adminId;
    },
  };
}

export type AuthHarness = ReturnType<typeof useAuthHarness>;

/** The auth mutations as calls, a fresh creator, and the stored creators, tokens and security log. */
export function authFixtures(auth: AuthHarness) {
  async function mutate(
    document: string,
    field: string,
    variables: Record<string, unknown>,
    options: { token?: string; requestId?: string } = {},
  ) {
    const headers: Record<string, string> = options.requestId ? { 'x-request-id': options.requestId } : {};
    const response = await auth.server.gql<Record<string, Result>>(document, variables, {
      token: options.token,
      headers,
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.status).toBe(200);
    return response.body.data![field]!;
  }

  const signUp = (input: Record<string, unknown>, requestId?: string) =>
    mutate(SIGN_UP, 'signUp', { input }, { requestId });
  const logIn = (email: string, password: string, requestId?: string) =>
    mutate(LOG_IN, 'logIn', { email, password }, { requestId });
  const refresh = (refreshToken: string, requestId?: string) =>
    mutate(REFRESH, 'refreshSession', { refreshToken }, { requestId });
  const adminLogIn = (email: string, password: string, requestId?: string) =>
    mutate(ADMIN_LOG_IN, 'adminLogIn', { email, password }, { requestId });
  async function logOut(refreshToken: string): Promise<boolean> {
    const { status, body } = await auth.server.gql<{ logOut: boolean }>(LOG_OUT, { refreshToken });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    return body.data!.logOut;
  }

  /** A creator of its own (signed up through the API), for tests that change its state. */
  async function freshCreator(password = 'a-fresh-password-1') {
    const email = uniqueEmail('fresh');
    const session = await signUp({ email, password });
    expect(session.__typename).toBe('AuthPayload');
    const id = (await creatorRow(email))!.id;
    return { id, email, password, session };
  }
  async function creatorRow(email: string): Promise<CreatorRow | undefined> {
    const { rows } = await auth.owner.query<CreatorRow>(`SELECT * FROM creators WHERE email = $1`, [email]);
    return rows[0];
  }
  async function creatorById(id: string): Promise<CreatorRow> {
    const { rows } = await auth.owner.query<CreatorRow>(`SELECT * FROM creators WHERE id = $1`, [id]);
    return rows[0]!;
  }
  async function tokenRow(refreshToken: string): Promise<TokenRow | undefined> {
    const { rows } = await auth.owner.query<TokenRow>(`SELECT * FROM creator_refresh_tokens WHERE token_hash = $1`, [
      sha256(refreshToken),
    ]);
    return rows[0];
  }
  async function familyRows(familyId: string): Promise<TokenRow[]> {
    const { rows } = await auth.owner.query<TokenRow>(
      `SELECT * FROM creator_refresh_tokens WHERE family_id = $1 ORDER BY created_at`,
      [familyId],
    );
    return rows;
  }
  /** Security log rows written while serving one request (matched by its request id). */
  async function logsOfRequest(requestId: string): Promise<LogRow[]> {
    const { rows } = await auth.owner.query<LogRow>(
      `SELECT * FROM security_audit_logs WHERE event_data->>'requestId' = $1 ORDER BY created_at, event_type`,
      [requestId],
    );
    return rows;
  }
  async function logsOf(creatorId: string, eventType: string): Promise<LogRow[]> {
    const { rows } = await auth.owner.query<LogRow>(
      `SELECT * FROM security_audit_logs WHERE creator_id = $1 AND event_type = $2 ORDER BY created_at`,
      [creatorId, eventType],
    );
    return rows;
  }

  async function counts() {
    const { rows } = await auth.owner.query<{ creators: number; tokens: number; logs: number }>(
      `SELECT (SELECT count(*) FROM creators)::int AS creators,
            (SELECT count(*) FROM creator_refresh_tokens)::int AS tokens,
            (SELECT count(*) FROM security_audit_logs)::int AS logs`,
    );
    return rows[0]!;
  }
  return {
    mutate,
    signUp,
    logIn,
    refresh,
    adminLogIn,
    logOut,
    freshCreator,
    creatorRow,
    creatorById,
    tokenRow,
    familyRows,
    logsOfRequest,
    logsOf,
    counts,
  };
}
