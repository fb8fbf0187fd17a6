// A platform admin acting on a creator (X-Act-As-Creator, X-Admin-Reason) over the real server,
// and what the creators list never shows.
import crypto from 'node:crypto';
import { DEMO_ADMIN } from '../../../src/db/seed/seed';
import type { TwoTenants } from '../../helpers/fixtures';
import type { TestServer } from '../../helpers/server';
import { useAuthHarness, ADA, GRACE, newRequestId, authFixtures } from './auth-fixtures';

const auth = useAuthHarness();

const { logIn, adminLogIn, logsOfRequest } = authFixtures(auth);
let server: TestServer;
let tenants: TwoTenants;
let adminId: string;
beforeAll(() => ({ server, tenants, adminId } = auth));

describe('an admin acting on a creator (X-Act-As-Creator, X-Admin-Reason)', () => {
  let adminToken: string;
  beforeAll(async () => {
    adminToken = (await adminLogIn(DEMO_ADMIN.email, DEMO_ADMIN.password)).accessToken!;
  });

  const actingOn = (creatorId: string, reason?: string, requestId = newRequestId()) => ({
    'x-act-as-creator': creatorId,
    ...(reason === undefined ? {} : { 'x-admin-reason': reason }),
    'x-request-id': requestId,
  });

  test('asAdmin acting on Ada: `me` is Ada, and the act is logged with the admin and the reason', async () => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorA, 'support ticket 42', requestId) },
    );
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: { email: ADA.email } } });
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: tenants.creatorA,
        event_type: 'admin.acted_as_creator',
        event_data: expect.objectContaining({ adminId, reason: 'support ticket 42' }),
      }),
    ]);
  });

  test('asAdmin acting on Grace sees Grace, not Ada', async () => {
    const { body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorB, 'support ticket 43') },
    );
    expect(body).toEqual({ data: { me: { email: GRACE.email } } });
  });

  test.each([
    ['no reason', undefined],
    ['an empty reason', ''],
    ['a blank reason', '     '],
    ['a too-short reason', 'ok'],
    ['a too-long reason', 'x'.repeat(501)],
  ])('asAdmin acting on Ada with %s: HTTP 400 VALIDATION_FAILED, no data, nothing logged', async (_name, reason) => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorA, reason, requestId) },
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asAdmin acting on something that is not a creator id: HTTP 400 VALIDATION_FAILED', async () => {
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(`${tenants.creatorA}' OR '1'='1`, 'support ticket 42') },
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  test('asAdmin acting on a creator that does not exist: HTTP 404 NOT_FOUND, nothing logged', async () => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(crypto.randomUUID(), 'support ticket 42', requestId) },
    );
    expect(status).toBe(404);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asCreatorA sending X-Act-As-Creator (Grace): HTTP 403 FORBIDDEN, no data, nothing logged', async () => {
    const ada = await logIn(ADA.email, ADA.password);
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: ada.accessToken, headers: actingOn(tenants.creatorB, 'support ticket 42', requestId) },
    );
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(body)).not.toContain(GRACE.email);
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asAnonymous sending X-Act-As-Creator: HTTP 403 FORBIDDEN, no data', async () => {
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { headers: actingOn(tenants.creatorA, 'support ticket 42') },
    );
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('asAdmin without X-Act-As-Creator: `me` is FORBIDDEN', async () => {
    const { body } = await server.gql(`{ me { email } }`, {}, { token: adminToken });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.data?.me ?? null).toBeNull();
  });
});

describe('asAdmin: the creators list shows accounts, never what they own', () => {
  test('nested data of a creator is not reachable from the list, and the list writes no act-as record', async () => {
    const login = await server.gql<Record<string, any>>(
      `mutation { adminLogIn(email: "admin@demo.creatorgraph.dev", password: "demo-password-admin") { ... on AdminAuthPayload { accessToken } } }`,
    );
    const token = login.body.data!.adminLogIn.accessToken as string;
    const nested = await server.gql(
      `{ creators(first: 5) { nodes { email programs(first: 2) { nodes { name } } users(first: 2) { nodes { email } } } } }`,
      {},
      { token },
    );
    expect(nested.status).toBe(400);
    expect(nested.body.data).toBeUndefined();
    expect(nested.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const list = await server.gql<Record<string, any>>(
      `{ creators(first: 5, search: "ada@") { totalCount nodes { id email companyName subscriptionTier } } }`,
      {},
      { token },
    );
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data!.creators).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: tenants.creatorA,
          email: 'ada@demo.creatorgraph.dev',
          companyName: 'Analytical Wellness',
          subscriptionTier: 'PRO',
        },
      ],
    });
  });
});
