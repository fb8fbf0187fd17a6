// An admin acting on a creator (X-Act-As-Creator with X-Admin-Reason) works inside that
// creator's account for one request, and is recorded doing so. It must not leave with lasting
// credentials for it: issuing an API key or changing one (a later expiry, wider scopes) is
// FORBIDDEN, and nothing is written, neither the key nor its audit record. Revoking stays allowed:
// taking access away is what support is for. Odd act-as headers get typed answers too.
import crypto from 'node:crypto';
import { useApiHarness, ERRORS, uuidOf, type Json } from '../helpers/api';
import { DEMO_CREATORS } from '../../src/db/seed/demo-content';
import { DEMO_ADMIN } from '../../src/db/seed/seed';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { sql, count } = api;

const KEY_FIELDS = `id name scopes allowedOperations status expiresAt revokedAt`;
const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret apiKey { ${KEY_FIELDS} } } } ${ERRORS} } }`;
const UPDATE_KEY = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { __typename ... on UpdateApiKeySuccess { data { ${KEY_FIELDS} } } ${ERRORS} } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on RevokeApiKeySuccess { data { ${KEY_FIELDS} } } ${ERRORS} } }`;

let adminToken: string;
beforeAll(async () => {
  const [admin] = await sql<{ id: string }>(`SELECT id FROM platform_admins ORDER BY created_at LIMIT 1`);
  adminToken = api.server.tokenFor(admin!.id, 'admin');
});

const acting = (creatorId: string, requestId = `act-as-${crypto.randomUUID()}`) => ({
  'x-act-as-creator': creatorId,
  'x-admin-reason': 'support ticket 1701',
  'x-request-id': requestId,
});

/** A request as the admin acting on creator A. */
async function asAdminActingOnA(document: string, variables: Json = {}, requestId?: string) {
  const { status, body } = await api.server.gql<Json>(document, variables, {
    token: adminToken,
    headers: acting(api.tenants.creatorA, requestId),
  });
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  return body.data!;
}

const keysOfA = () =>
  sql(
    `SELECT id, name, scopes, allowed_operations, expires_at, revoked_at FROM api_keys WHERE creator_id = $1 ORDER BY id`,
    [api.tenants.creatorA],
  );
const keyEventsOfA = () =>
  count(`security_audit_logs WHERE creator_id = $1 AND event_type LIKE 'api_key.%'`, [api.tenants.creatorA]);

function expectForbidden(result: Json) {
  expect(result).toEqual(
    expect.objectContaining({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
      message: expect.stringMatching(/acting/i),
    }),
  );
}

describe('asAdmin acting on creator A', () => {
  test('createApiKey (a non-expiring read-write key) is FORBIDDEN: no key, no key event, only the act itself is recorded', async () => {
    const keys = await keysOfA();
    const events = await keyEventsOfA();
    const requestId = `act-as-create-${crypto.randomUUID()}`;
    const data = await asAdminActingOnA(
      CREATE_KEY,
      { input: { name: 'admin backdoor', scopes: ['READ', 'WRITE'] } },
      requestId,
    );
    expectForbidden(data.createApiKey);
    expect(await keysOfA()).toEqual(keys);
    expect(await keyEventsOfA()).toBe(events);
    const recorded = await sql(`SELECT event_type FROM security_audit_logs WHERE event_data->>'requestId' = $1`, [
      requestId,
    ]);
    expect(recorded).toEqual([{ event_type: 'admin.acted_as_creator' }]);
  });

  describe('with a key creator A issued', () => {
    let key: { id: string; uuid: string };
    beforeAll(async () => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const created = await api.mutate('asCreatorA', CREATE_KEY, 'createApiKey', {
        input: { name: 'crm', scopes: ['READ'], allowedOperations: ['PartnerPrograms'], expiresAt },
      });
      expect(created.__typename).toBe('CreateApiKeySuccess');
      key = { id: created.data.apiKey.id, uuid: uuidOf(created.data.apiKey.id) };
    });

    test.each([
      ['extending its expiry to never', { expiresAt: null }],
      ['extending its expiry by a year', { expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString() }],
      ['widening its scopes', { scopes: ['READ', 'WRITE'] }],
      ['widening its operations to all', { allowedOperations: [] }],
      ['renaming it', { name: 'renamed by admin' }],
    ])('updateApiKey %s is FORBIDDEN, and the key is unchanged', async (_label, input) => {
      const keys = await keysOfA();
      const events = await keyEventsOfA();
      const data = await asAdminActingOnA(UPDATE_KEY, { id: key.id, input });
      expectForbidden(data.updateApiKey);
      expect(await keysOfA()).toEqual(keys);
      expect(await keyEventsOfA()).toBe(events);
    });

    test('reading the keys and revoking one stay allowed', async () => {
      const list = await asAdminActingOnA(`{ apiKeys(first: 10) { nodes { id status } } }`);
      expect(list.apiKeys.nodes).toEqual(expect.arrayContaining([{ id: key.id, status: 'ACTIVE' }]));
      const revoked = await asAdminActingOnA(REVOKE_KEY, { id: key.id });
      expect(revoked.revokeApiKey).toEqual(
        expect.objectContaining({
          __typename: 'RevokeApiKeySuccess',
          data: expect.objectContaining({ status: 'REVOKED' }),
        }),
      );
      expect(
        await count(`security_audit_logs WHERE event_type = 'api_key.revoked' AND event_data->>'keyId' = $1`, [
          key.uuid,
        ]),
      ).toBe(1);
    });
  });

  test('creator A itself still issues and changes keys', async () => {
    const created = await api.mutate('asCreatorA', CREATE_KEY, 'createApiKey', {
      input: { name: 'own key', scopes: ['READ'] },
    });
    expect(created.__typename).toBe('CreateApiKeySuccess');
    const updated = await api.mutate('asCreatorA', UPDATE_KEY, 'updateApiKey', {
      id: created.data.apiKey.id,
      input: { scopes: ['READ', 'WRITE'] },
    });
    expect(updated.__typename).toBe('UpdateApiKeySuccess');
  });
});

describe('asAdmin acting on creator A gets no session either', () => {
  const ada = DEMO_CREATORS.find((c) => c.email === 'ada@demo.creatorgraph.dev')!;
  const SESSION = `... on AuthPayload { accessToken refreshToken } ... on Error { code }`;
  const sessions = () => count(`creator_refresh_tokens`);

  test.each([
    [
      'logIn as the creator',
      `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { ${SESSION} } }`,
      () => ({ e: ada.email, p: ada.password }),
    ],
    [
      'signUp',
      `mutation($e: String!) { signUp(input: { email: $e, password: "long-enough-password" }) { ${SESSION} } }`,
      () => ({ e: `acting-${crypto.randomUUID()}@example.com` }),
    ],
    [
      'adminLogIn',
      `mutation($e: String!, $p: String!) { adminLogIn(email: $e, password: $p) { ... on AdminAuthPayload { accessToken } } }`,
      () => ({ e: DEMO_ADMIN.email, p: DEMO_ADMIN.password }),
    ],
  ])('%s is FORBIDDEN, and no session or account is created', async (_label, document, variables) => {
    const before = { sessions: await sessions(), creators: await count('creators') };
    const { status, body } = await api.server.gql<Json>(document, variables(), {
      token: adminToken,
      headers: acting(api.tenants.creatorA),
    });
    expect(status).toBe(200);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(body.data ?? {})).not.toMatch(/accessToken|refreshToken/);
    expect({ sessions: await sessions(), creators: await count('creators') }).toEqual(before);
  });

  test("refreshSession with the creator's refresh token is FORBIDDEN, and the token is not spent", async () => {
    const login = await api.server.gql<Json>(
      `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { ${SESSION} } }`,
      { e: ada.email, p: ada.password },
    );
    const refreshToken = login.body.data!.logIn.refreshToken as string;
    const refresh = `mutation($t: String!) { refreshSession(refreshToken: $t) { ${SESSION} } }`;
    const before = await sessions();
    const acted = await api.server.gql<Json>(
      refresh,
      { t: refreshToken },
      { token: adminToken, headers: acting(api.tenants.creatorA) },
    );
    expect(acted.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await sessions()).toBe(before);
    // The creator's own refresh still works: the refused call did not use the token up.
    const own = await api.server.gql<Json>(refresh, { t: refreshToken });
    expect(own.body.data!.refreshSession.accessToken).toEqual(expect.any(String));
  });
});

describe('asAdmin with odd act-as headers: typed answers, nothing recorded', () => {
  const me = (headers: Record<string, string>) =>
    api.server.gql<Json>(`{ me { email } }`, {}, { token: adminToken, headers });

  test.each([
    [
      'an id with spaces and quotes',
      { 'x-act-as-creator': `"; DROP TABLE creators; --`, 'x-admin-reason': 'support ticket 1' },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an 8 KiB id',
      { 'x-act-as-creator': 'a'.repeat(8192), 'x-admin-reason': 'support ticket 1' },
      400,
      'VALIDATION_FAILED',
    ],
    ['an 8 KiB reason', { 'x-admin-reason': 'r'.repeat(8192) }, 400, 'VALIDATION_FAILED'],
    ['a reason of control characters only', { 'x-admin-reason': '\t\t\t\t\t\t' }, 400, 'VALIDATION_FAILED'],
    [
      'an id nobody has',
      { 'x-act-as-creator': crypto.randomUUID(), 'x-admin-reason': 'support ticket 1' },
      404,
      'NOT_FOUND',
    ],
  ])('%s', async (_label, headers, status, code) => {
    const requestId = `odd-${crypto.randomUUID()}`;
    const answer = await me({ 'x-act-as-creator': api.tenants.creatorA, 'x-request-id': requestId, ...headers });
    expect({
      status: answer.status,
      code: answer.body.errors?.[0]?.extensions?.code,
      data: answer.body.data ?? null,
    }).toEqual({ status, code, data: null });
    expect(await count(`security_audit_logs WHERE event_data->>'requestId' = $1`, [requestId])).toBe(0);
  });

  test('a reason with Latin-1 characters is kept as sent', async () => {
    const requestId = `odd-${crypto.randomUUID()}`;
    // Header values travel as Latin-1: é and ÿ arrive as themselves.
    const answer = await me({ ...acting(api.tenants.creatorA, requestId), 'x-admin-reason': 'café ÿ ticket' });
    expect(answer.body).toEqual({ data: { me: { email: 'ada@demo.creatorgraph.dev' } } });
    expect(
      await sql(`SELECT event_data->>'reason' AS reason FROM security_audit_logs WHERE event_data->>'requestId' = $1`, [
        requestId,
      ]),
    ).toEqual([{ reason: 'café ÿ ticket' }]);
  });
});
