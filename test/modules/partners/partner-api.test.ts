// Partner integrations end to end, over real HTTP: creator A issues keys; asPartner calls the
// persisted operations by hash (POST and GET, all three hash forms) and is refused everything
// else; the key never reaches creator B's data; every call lands in api_usage_logs.
import crypto from 'node:crypto';
import http from 'node:http';
import { connect } from '../../helpers/fixtures';
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { callAsPartner, manifest, operation, type PartnerCall } from '../../helpers/partner';

const api = useApiHarness();
const { mutate, query, sql, one, count } = api;

const KEY_FIELDS = `id name prefix scopes allowedOperations status lastUsedAt expiresAt revokedAt createdAt`;
const CREATE_KEY = /* GraphQL */ `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret apiKey { ${KEY_FIELDS} } } } ${ERRORS} }
}`;
const REVOKE_KEY = /* GraphQL */ `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { __typename ... on RevokeApiKeySuccess { data { ${KEY_FIELDS} } } ${ERRORS} } }`;

interface IssuedKey {
  secret: string;
  id: string;
  uuid: string;
}

async function issueKey(actor: 'asCreatorA' | 'asCreatorB', input: Json = {}): Promise<IssuedKey> {
  const result = await mutate(actor, CREATE_KEY, 'createApiKey', {
    input: { name: 'integration', scopes: ['READ', 'WRITE'], ...input },
  });
  expect(result.__typename).toBe('CreateApiKeySuccess');
  return { secret: result.data.secret, id: result.data.apiKey.id, uuid: uuidOf(result.data.apiKey.id) };
}

const call = (key: string | undefined, name: string | undefined, variables: Json = {}, options: PartnerCall = {}) =>
  callAsPartner(api.server.url, key, name, variables, options);

/** A call that must succeed: HTTP 200, no errors; returns data. */
async function asPartner(key: string, name: string, variables: Json = {}, options: PartnerCall = {}): Promise<Json> {
  const response = await call(key, name, variables, options);
  expect(response.body.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.body.data;
}

function expectRefused(response: { status: number; body: Json }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors[0].extensions.code).toBe(code);
  expect(response.body.errors[0].message).toEqual(expect.any(String));
}

/** Waits for the usage log (written after the response, in batches) to hold `n` rows for a key. */
async function usageRows(keyUuid: string, n: number): Promise<Json[]> {
  for (let i = 0; i < 100; i++) {
    const rows = await sql(`SELECT * FROM api_usage_logs WHERE api_key_id = $1 ORDER BY created_at, id`, [keyUuid]);
    if (rows.length >= n) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  const rows = await sql(
    `SELECT status_code, error_code, request_size_bytes FROM api_usage_logs WHERE api_key_id = $1`,
    [keyUuid],
  );
  throw new Error(`expected ${n} usage rows for key ${keyUuid}, found ${JSON.stringify(rows)}`);
}

let full: IssuedKey;

beforeAll(async () => {
  full = await issueKey('asCreatorA', { name: 'full access' });
});

describe('the manifest', () => {
  test('is committed, maps each sha256 to its document, and holds the starter set', () => {
    for (const op of manifest.byHash.values())
      expect(crypto.createHash('sha256').update(op.document).digest('hex')).toBe(op.hash);
    expect([...manifest.byName.keys()].sort()).toEqual([
      'PartnerProgramEnrollments',
      'PartnerPrograms',
      'PartnerRecordInteraction',
      'PartnerUpsertUser',
      'PartnerUserChanges',
      'PartnerUserRewards',
    ]);
  });

  test('asCreatorA lists the operations keys can run', async () => {
    const data = await query('asCreatorA', `{ partnerOperations { name sha256Hash type document } }`);
    expect(data.partnerOperations).toHaveLength(manifest.byName.size);
    expect(data.partnerOperations.find((o: Json) => o.name === 'PartnerUpsertUser')).toEqual({
      name: 'PartnerUpsertUser',
      sha256Hash: operation('PartnerUpsertUser').hash,
      type: 'MUTATION',
      document: operation('PartnerUpsertUser').document,
    });
  });
});

describe('API keys (asCreatorA)', () => {
  test('createApiKey shows the secret once and stores only its hash and prefix', async () => {
    const { secret, uuid } = await issueKey('asCreatorA', { name: '  CRM sync  ', scopes: ['READ'] });
    const row = (await one(`SELECT * FROM api_keys WHERE id = $1`, [uuid]))!;
    expect(row.name).toBe('CRM sync');
    expect(row.key_hash).toBe(crypto.createHash('sha256').update(secret).digest('hex'));
    expect(secret.startsWith(`${row.key_prefix}_`)).toBe(true);
    expect(row.creator_id).toBe(api.tenants.creatorA);
    expect(row.scopes).toEqual(['read']);
    // The secret is nowhere in the database.
    expect(await count(`api_keys WHERE row_to_json(api_keys)::text LIKE '%' || $1 || '%'`, [secret.slice(-20)])).toBe(
      0,
    );
    expect(
      await count(`security_audit_logs WHERE event_type = 'api_key.issued' AND event_data->>'keyId' = $1`, [uuid]),
    ).toBe(1);
    // The list never shows it again.
    const listed = await query('asCreatorA', `{ apiKeys(first: 100) { totalCount nodes { id prefix name status } } }`);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(-20));
    expect(listed.apiKeys.nodes).toContainEqual({
      id: gid('ApiKey', uuid),
      prefix: row.key_prefix,
      name: 'CRM sync',
      status: 'ACTIVE',
    });
  });

  test('bad input is a VALIDATION_FAILED naming each field, and writes nothing', async () => {
    const before = await count('api_keys');
    const result = await mutate('asCreatorA', CREATE_KEY, 'createApiKey', {
      input: {
        name: ' ',
        scopes: ['READ'],
        allowedOperations: ['NoSuchOperation', 'PartnerUpsertUser'],
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(result.__typename).toBe('ValidationError');
    expect(result.fields.map((f: Json) => f.path).sort()).toEqual(['input.name']);
    const second = await mutate('asCreatorA', CREATE_KEY, 'createApiKey', {
      input: {
        name: 'x',
        scopes: ['READ'],
        allowedOperations: ['NoSuchOperation', 'PartnerUpsertUser'],
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(second.__typename).toBe('ValidationError');
    expect(second.fields.map((f: Json) => f.path).sort()).toEqual([
      'input.allowedOperations.0',
      'input.allowedOperations.1',
      'input.expiresAt',
    ]);
    expect(second.fields.find((f: Json) => f.path === 'input.allowedOperations.1').message).toMatch(/WRITE/);
    const noScopes = await mutate('asCreatorA', CREATE_KEY, 'createApiKey', { input: { name: 'x', scopes: [] } });
    expect(noScopes.fields.map((f: Json) => f.path)).toEqual(['input.scopes']);
    expect(await count('api_keys')).toBe(before);
  });

  test('rename, restrict, expire and un-expire with updateApiKey', async () => {
    const key = await issueKey('asCreatorA', { name: 'temp' });
    const UPDATE = `mutation($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { __typename ... on UpdateApiKeySuccess { data { ${KEY_FIELDS} } } ${ERRORS} } }`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const renamed = await mutate('asCreatorA', UPDATE, 'updateApiKey', {
      id: key.id,
      input: { name: 'renamed', allowedOperations: ['PartnerPrograms'], expiresAt },
    });
    expect(renamed.data).toEqual(
      expect.objectContaining({ name: 'renamed', allowedOperations: ['PartnerPrograms'], expiresAt, status: 'ACTIVE' }),
    );
    // Leaving expiresAt out keeps it; null clears it.
    expect(
      (await mutate('asCreatorA', UPDATE, 'updateApiKey', { id: key.id, input: { name: 'again' } })).data.expiresAt,
    ).toBe(expiresAt);
    expect(
      (await mutate('asCreatorA', UPDATE, 'updateApiKey', { id: key.id, input: { expiresAt: null } })).data.expiresAt,
    ).toBeNull();
    // Dropping WRITE while a write operation is allowed is refused.
    await mutate('asCreatorA', UPDATE, 'updateApiKey', {
      id: key.id,
      input: { allowedOperations: ['PartnerUpsertUser'] },
    });
    const refused = await mutate('asCreatorA', UPDATE, 'updateApiKey', { id: key.id, input: { scopes: ['READ'] } });
    expect(refused.__typename).toBe('ValidationError');
    expect((await one(`SELECT scopes FROM api_keys WHERE id = $1`, [key.uuid]))!.scopes).toEqual(['read', 'write']);
    expect(
      await count(`security_audit_logs WHERE event_type = 'api_key.updated' AND event_data->>'keyId' = $1`, [key.uuid]),
    ).toBe(4);
  });

  test("asCreatorB cannot see, change or revoke creator A's keys", async () => {
    const key = await issueKey('asCreatorA', { name: 'A only' });
    const listB = await query('asCreatorB', `{ apiKeys(first: 100) { totalCount nodes { id } } }`);
    expect(listB.apiKeys.nodes.map((n: Json) => n.id)).not.toContain(key.id);
    expect((await query('asCreatorB', `query($id: ID!) { node(id: $id) { id } }`, { id: key.id })).node).toBeNull();
    const revoke = await mutate('asCreatorB', REVOKE_KEY, 'revokeApiKey', { id: key.id });
    expect(revoke.code).toBe('NOT_FOUND');
    const rename = await mutate(
      'asCreatorB',
      `mutation($id: ID!) { updateApiKey(id: $id, input: { name: "mine" }) { __typename ${ERRORS} } }`,
      'updateApiKey',
      { id: key.id },
    );
    expect(rename.code).toBe('NOT_FOUND');
    expect(await one(`SELECT name, revoked_at FROM api_keys WHERE id = $1`, [key.uuid])).toEqual({
      name: 'A only',
      revoked_at: null,
    });
    // The key still works, for creator A's partner.
    await asPartner(key.secret, 'PartnerPrograms');
  });

  test('asAnonymous cannot issue keys', async () => {
    await api.expectUnauthenticated(`mutation { createApiKey(input: { name: "x" }) { __typename } }`);
  });
});

describe('asPartner: persisted operations only', () => {
  test('a known hash works over POST and GET, in each of the three forms', async () => {
    const programs = await sql(`SELECT id FROM programs WHERE creator_id = $1`, [api.tenants.creatorA]);
    for (const method of ['POST', 'GET'] as const) {
      for (const form of ['extensions', 'documentId', 'doc_id'] as const) {
        const data = await asPartner(full.secret, 'PartnerPrograms', { first: 100 }, { method, form });
        expect(data.programs.nodes.map((n: Json) => uuidOf(n.id)).sort()).toEqual(programs.map((p) => p.id).sort());
      }
    }
    // documentId may carry the algorithm, as the GraphQL-over-HTTP draft writes it.
    await asPartner(
      full.secret,
      'PartnerPrograms',
      {},
      { form: 'documentId', hash: `sha256:${operation('PartnerPrograms').hash}` },
    );
  });

  test('query text is refused, with or without a hash (no APQ registration)', async () => {
    const before = await count('programs');
    expectRefused(
      await call(full.secret, undefined, {}, { extra: { query: '{ programs(first: 1) { nodes { id } } }' } }),
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    );
    expectRefused(
      await call(full.secret, undefined, {}, { method: 'GET', extra: { query: '{ __typename }' } }),
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    );
    // The APQ registration form: the text and its own hash.
    const text = 'mutation { createProgram(input: { name: "sneaky" }) { __typename } }';
    const textHash = crypto.createHash('sha256').update(text).digest('hex');
    expectRefused(
      await call(full.secret, undefined, {}, { hash: textHash, extra: { query: text } }),
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    );
    // Nothing was registered: the first-party store does not know the hash either.
    const lookup = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.asCreatorA()}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: textHash } } }),
    });
    expect(((await lookup.json()) as Json).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Even a manifest document sent as text is refused: partners name operations, never send them.
    expectRefused(
      await call(full.secret, 'PartnerPrograms', {}, { extra: { query: operation('PartnerPrograms').document } }),
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    );
    expect(await count('programs')).toBe(before);
  });

  test('an unknown hash, no hash, or a mismatched operationName is refused', async () => {
    expectRefused(await call(full.secret, undefined, {}, { hash: 'f'.repeat(64) }), 400, 'PERSISTED_QUERY_NOT_FOUND');
    expectRefused(
      await call(full.secret, undefined, {}, { method: 'GET', form: 'documentId', hash: 'f'.repeat(64) }),
      400,
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expectRefused(await call(full.secret, undefined, {}), 400, 'PERSISTED_QUERY_NOT_ALLOWED');
    expectRefused(
      await call(full.secret, 'PartnerPrograms', {}, { extra: { operationName: 'PartnerUserRewards' } }),
      400,
      'BAD_REQUEST',
    );
  });

  test("an operation outside the key's allowed list is FORBIDDEN", async () => {
    const key = await issueKey('asCreatorA', { allowedOperations: ['PartnerPrograms'] });
    await asPartner(key.secret, 'PartnerPrograms');
    expectRefused(await call(key.secret, 'PartnerUserChanges'), 403, 'FORBIDDEN');
    expectRefused(
      await call(key.secret, 'PartnerUserChanges', {}, { method: 'GET', form: 'documentId' }),
      403,
      'FORBIDDEN',
    );
  });

  test('a READ key cannot run a mutation, and nothing is written', async () => {
    const key = await issueKey('asCreatorA', { scopes: ['READ'] });
    const before = await count('users');
    const response = await call(key.secret, 'PartnerUpsertUser', {
      input: { channel: 'WEB', externalId: 'read-only-attempt' },
    });
    expectRefused(response, 403, 'FORBIDDEN');
    expect(response.body.errors![0]!.message).toMatch(/WRITE/);
    expect(await count('users')).toBe(before);
    // Mutations are never run over GET either (Apollo refuses them there).
    const get = await call(
      full.secret,
      'PartnerUpsertUser',
      { input: { channel: 'WEB', externalId: 'via-get' } },
      { method: 'GET' },
    );
    expect(get.status).toBe(405);
    expect(await count('users')).toBe(before);
  });

  test('revoked, expired, malformed and forged keys are UNAUTHENTICATED', async () => {
    const key = await issueKey('asCreatorA');
    await asPartner(key.secret, 'PartnerPrograms');
    const revoked = await mutate('asCreatorA', REVOKE_KEY, 'revokeApiKey', { id: key.id });
    expect(revoked.data.status).toBe('REVOKED');
    // Revoking again is harmless and logs once.
    expect((await mutate('asCreatorA', REVOKE_KEY, 'revokeApiKey', { id: key.id })).data.revokedAt).toBe(
      revoked.data.revokedAt,
    );
    expect(
      await count(`security_audit_logs WHERE event_type = 'api_key.revoked' AND event_data->>'keyId' = $1`, [key.uuid]),
    ).toBe(1);
    const refused = await call(key.secret, 'PartnerPrograms');
    expectRefused(refused, 401, 'UNAUTHENTICATED');
    expect(refused.body.errors![0]!.message).toBe('API key revoked');

    const expiring = await issueKey('asCreatorA');
    await sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.uuid]);
    expectRefused(await call(expiring.secret, 'PartnerPrograms'), 401, 'UNAUTHENTICATED');
    expect(
      (await query('asCreatorA', `query($id: ID!) { node(id: $id) { ... on ApiKey { status } } }`, { id: expiring.id }))
        .node.status,
    ).toBe('EXPIRED');

    expectRefused(await call('not-a-key', 'PartnerPrograms'), 401, 'UNAUTHENTICATED');
    expectRefused(
      await call(`${full.secret.slice(0, -1)}${full.secret.endsWith('A') ? 'B' : 'A'}`, 'PartnerPrograms'),
      401,
      'UNAUTHENTICATED',
    );
    // A key whose hash is stored under creator B but which names creator A: it is looked up
    // under A's policy, which hides B's row, so it is refused (it must not act as A, nor as B).
    const forged = `cgk_Forged01_${api.tenants.creatorA.replace(/-/g, '')}_${crypto.randomBytes(32).toString('base64url')}`;
    await sql(
      `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'planted', 'cgk_Forged01', $2, '{read,write}')`,
      [api.tenants.creatorB, crypto.createHash('sha256').update(forged).digest('hex')],
    );
    expectRefused(await call(forged, 'PartnerPrograms'), 401, 'UNAUTHENTICATED');
    // The same planted row, named with B's id, does work: the refusal above came from the policy.
    const asB = forged.replace(api.tenants.creatorA.replace(/-/g, ''), api.tenants.creatorB.replace(/-/g, ''));
    await sql(`UPDATE api_keys SET key_hash = $1 WHERE key_prefix = 'cgk_Forged01'`, [
      crypto.createHash('sha256').update(asB).digest('hex'),
    ]);
    const programsB = await asPartner(asB, 'PartnerPrograms', { first: 100 });
    expect(
      await sql(`SELECT DISTINCT creator_id FROM programs WHERE id = ANY($1::uuid[])`, [
        programsB.programs.nodes.map((p: Json) => uuidOf(p.id)),
      ]),
    ).toEqual([{ creator_id: api.tenants.creatorB }]);
    await sql(`DELETE FROM api_keys WHERE key_prefix = 'cgk_Forged01'`);
    // A key and a token together are ambiguous.
    expectRefused(
      await call(full.secret, 'PartnerPrograms', {}, { headers: { authorization: `Bearer ${api.asCreatorB()}` } }),
      400,
      'BAD_REQUEST',
    );
  });

  test("a deactivated creator's keys stop working", async () => {
    const key = await issueKey('asCreatorB');
    await asPartner(key.secret, 'PartnerPrograms');
    await sql(`UPDATE creators SET is_active = false WHERE id = $1`, [api.tenants.creatorB]);
    try {
      expectRefused(await call(key.secret, 'PartnerPrograms'), 401, 'UNAUTHENTICATED');
    } finally {
      await sql(`UPDATE creators SET is_active = true WHERE id = $1`, [api.tenants.creatorB]);
    }
  });
});

describe('asPartner: the starter set', () => {
  test('PartnerUpsertUser creates, updates, and changes nothing when nothing differs', async () => {
    const input = {
      channel: 'WHATSAPP',
      externalId: '+15550001111',
      displayName: 'Lin',
      email: 'LIN@example.com',
      profileData: { plan: 'gold' },
    };
    const created = (await asPartner(full.secret, 'PartnerUpsertUser', { input })).upsertUserByExternalId;
    expect(created.__typename).toBe('UpsertUserByExternalIdSuccess');
    expect(created.data.created).toBe(true);
    expect(created.data.user).toEqual(
      expect.objectContaining({
        channel: 'WHATSAPP',
        externalId: '+15550001111',
        displayName: 'Lin',
        email: 'lin@example.com',
        timezone: 'UTC',
        isActive: true,
      }),
    );
    const id = uuidOf(created.data.user.id);
    const row = (await one(`SELECT * FROM users WHERE id = $1`, [id]))!;
    expect(row.creator_id).toBe(api.tenants.creatorA);

    const updated = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', timezone: 'Europe/Paris' },
      })
    ).upsertUserByExternalId;
    expect(updated.data).toEqual({
      created: false,
      user: expect.objectContaining({ id: created.data.user.id, displayName: 'Lin', timezone: 'Europe/Paris' }),
    });
    const afterUpdate = (await one(`SELECT updated_at, profile_data FROM users WHERE id = $1`, [id]))!;
    expect(afterUpdate.profile_data).toEqual({ plan: 'gold' });

    const same = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', displayName: 'Lin' },
      })
    ).upsertUserByExternalId;
    expect(same.data.created).toBe(false);
    expect((await one(`SELECT updated_at FROM users WHERE id = $1`, [id]))!.updated_at).toEqual(afterUpdate.updated_at);
    expect(await count(`users WHERE external_id = '+15550001111'`)).toBe(1);

    // null clears the optional fields; the others keep their value.
    const cleared = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WHATSAPP', externalId: '+15550001111', email: null, timezone: null },
      })
    ).upsertUserByExternalId;
    expect(cleared.data.user).toEqual(
      expect.objectContaining({ displayName: 'Lin', email: null, timezone: 'Europe/Paris' }),
    );
  });

  test('PartnerUpsertUser: concurrent upserts of one user create it once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        asPartner(full.secret, 'PartnerUpsertUser', {
          input: { channel: 'TELEGRAM', externalId: 'tg-race', displayName: `n${i % 2}` },
        }),
      ),
    );
    expect(results.filter((r) => r.upsertUserByExternalId.data.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.upsertUserByExternalId.data.user.id)).size).toBe(1);
    expect(await count(`users WHERE external_id = 'tg-race'`)).toBe(1);
  });

  test('PartnerUpsertUser: bad input names the fields and writes nothing', async () => {
    const before = await count('users');
    const result = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: 'WEB', externalId: ' ', email: 'nope', timezone: 'Mars/Base' },
      })
    ).upsertUserByExternalId;
    expect(result.__typename).toBe('ValidationError');
    expect(result.fields.map((f: Json) => f.path).sort()).toEqual([
      'input.email',
      'input.externalId',
      'input.timezone',
    ]);
    expect(await count('users')).toBe(before);
  });

  test('PartnerUserChanges pages through changes from a cursor, and resumes after new ones', async () => {
    // Drain the feed as it stands.
    let cursor: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 100; page++) {
      const feed: Json = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor, first: 7 })).userChanges;
      seen.push(...feed.users.map((u: Json) => uuidOf(u.id)));
      cursor = feed.cursor;
      if (!feed.hasMore) break;
      expect(feed.users).toHaveLength(7);
    }
    const aUsers = await sql(`SELECT id FROM users WHERE creator_id = $1 ORDER BY updated_at, id`, [
      api.tenants.creatorA,
    ]);
    expect(seen).toEqual(aUsers.map((u) => u.id));

    // Nothing new: the same cursor comes back, with no users.
    const idle = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
    expect(idle).toEqual({ cursor, hasMore: false, users: [] });

    // One update and one new user later, the feed has exactly those two, oldest change first.
    const changed = aUsers[0]!.id as string;
    await sql(`UPDATE users SET display_name = 'Renamed' WHERE id = $1`, [changed]);
    const fresh = (
      await asPartner(full.secret, 'PartnerUpsertUser', { input: { channel: 'WEB', externalId: 'feed-new' } })
    ).upsertUserByExternalId.data.user.id;
    const next = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
    expect(next.users.map((u: Json) => u.id)).toEqual([gid('User', changed), fresh]);
    expect(next.users[0].displayName).toBe('Renamed');

    const bad = await call(full.secret, 'PartnerUserChanges', { after: 'garbage' });
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const tooMany = await call(full.secret, 'PartnerUserChanges', { first: 501 });
    expect(tooMany.body.errors![0]!.extensions!.code).toBe('VALIDATION_FAILED');
  });

  test('PartnerUserChanges never skips a change a slow transaction commits behind the cursor', async () => {
    let cursor: string = (await asPartner(full.secret, 'PartnerUserChanges', { first: 500 })).userChanges.cursor;
    for (let more = true; more;) {
      const feed: Json = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor, first: 500 }))
        .userChanges;
      cursor = feed.cursor;
      more = feed.hasMore;
    }
    const [slowUser, fastUser] = (
      await sql(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 2`, [api.tenants.creatorA])
    ).map((u) => u.id as string);
    // A writer that started first and commits last (a job, a long import)...
    const slow = await connect(api.db.ownerUrl);
    try {
      await slow.query('BEGIN');
      await slow.query(`UPDATE users SET display_name = 'slow writer' WHERE id = $1`, [slowUser]);
      // ...while a quick change commits and the partner polls.
      await sql(`UPDATE users SET display_name = 'fast writer' WHERE id = $1`, [fastUser]);
      const during = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
      // The quick change waits: listing it now would move the cursor past the slow one.
      expect(during.users).toEqual([]);
      expect(during.cursor).toBe(cursor);
      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    const after = (await asPartner(full.secret, 'PartnerUserChanges', { after: cursor })).userChanges;
    expect(after.users.map((u: Json) => [uuidOf(u.id), u.displayName])).toEqual([
      [slowUser, 'slow writer'],
      [fastUser, 'fast writer'],
    ]);
  });

  test('PartnerUserChanges on a tenant with no users returns a start cursor it accepts back', async () => {
    const emptyCreator = (await one(
      `INSERT INTO creators (email, password_hash, first_name) VALUES ('empty-feed@example.com', 'x', 'E') RETURNING id`,
    ))!.id as string;
    await sql(
      `INSERT INTO subscriptions (creator_id, tier, status, current_period_start, current_period_end) VALUES ($1, 'free', 'active', now(), now() + interval '30 days')`,
      [emptyCreator],
    ).catch(() => undefined);
    const token = api.server.tokenFor(emptyCreator);
    const created = (
      await api.withTokens.read<Json>(token, CREATE_KEY, { input: { name: 'empty', scopes: ['READ', 'WRITE'] } })
    ).createApiKey;
    const key = created.data.secret as string;
    const first = (await asPartner(key, 'PartnerUserChanges')).userChanges;
    expect(first.users).toEqual([]);
    expect(first.hasMore).toBe(false);
    const again = (await asPartner(key, 'PartnerUserChanges', { after: first.cursor })).userChanges;
    expect(again).toEqual(first);
    const user = (await asPartner(key, 'PartnerUpsertUser', { input: { channel: 'MOBILE', externalId: 'device-1' } }))
      .upsertUserByExternalId.data.user;
    const later = (await asPartner(key, 'PartnerUserChanges', { after: first.cursor })).userChanges;
    expect(later.users.map((u: Json) => u.id)).toEqual([user.id]);
  });

  test('PartnerRecordInteraction records it and marks the user active', async () => {
    const user = (await one(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 1`, [api.tenants.creatorA]))!;
    const before = await count(`user_interactions WHERE user_id = $1`, [user.id]);
    const result = (
      await asPartner(full.secret, 'PartnerRecordInteraction', {
        input: { userId: gid('User', user.id), interactionType: 'crm_call', interactionData: { minutes: 12 } },
      })
    ).recordInteraction;
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ interactionType: 'crm_call', interactionData: { minutes: 12 } }),
    );
    expect(await count(`user_interactions WHERE user_id = $1`, [user.id])).toBe(before + 1);
    expect(Date.now() - Date.parse(result.data.user.lastActiveAt)).toBeLessThan(60_000);
  });

  test('PartnerUserRewards reads points, badges and achievements', async () => {
    const user = (await one(
      `SELECT u.id, (SELECT coalesce(sum(points), 0)::text FROM achievements a WHERE a.user_id = u.id) AS points,
              (SELECT count(*)::int FROM user_badges b WHERE b.user_id = u.id) AS badges,
              (SELECT count(*)::int FROM achievements a WHERE a.user_id = u.id) AS achievements
       FROM users u WHERE u.creator_id = $1 AND EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id)
         AND EXISTS (SELECT 1 FROM achievements a WHERE a.user_id = u.id) LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const data = await asPartner(full.secret, 'PartnerUserRewards', { userId: gid('User', user.id) });
    expect(data.user.pointsTotal).toBe(user.points);
    expect(data.user.badges.totalCount).toBe(user.badges);
    expect(data.user.achievements.totalCount).toBe(user.achievements);
    expect(data.user.badges.nodes[0].badge.name).toEqual(expect.any(String));
  });

  test("PartnerProgramEnrollments lists a program's enrollments", async () => {
    const program = (await one(
      `SELECT program_id AS id, count(*)::int AS n FROM program_enrollments WHERE creator_id = $1 GROUP BY program_id ORDER BY n DESC LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const data = await asPartner(full.secret, 'PartnerProgramEnrollments', {
      programId: gid('Program', program.id),
      first: 100,
    });
    expect(data.enrollments.totalCount).toBe(program.n);
    expect(data.enrollments.nodes).toHaveLength(program.n);
    expect(data.enrollments.nodes[0]).toEqual(
      expect.objectContaining({
        status: expect.any(String),
        progress: expect.any(Number),
        user: expect.objectContaining({ externalId: expect.any(String) }),
      }),
    );
  });
});

describe('asPartner never reaches another tenant', () => {
  test("creator B's user, program and rows are invisible and untouchable to creator A's key", async () => {
    const bUser = (await one(
      `SELECT id FROM users u WHERE creator_id = $1 AND EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id) LIMIT 1`,
      [api.tenants.creatorB],
    ))!;
    const bProgram = (await one(`SELECT program_id AS id FROM program_enrollments WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorB,
    ]))!;
    expect((await asPartner(full.secret, 'PartnerUserRewards', { userId: gid('User', bUser.id) })).user).toBeNull();
    const enrollments = (
      await asPartner(full.secret, 'PartnerProgramEnrollments', { programId: gid('Program', bProgram.id) })
    ).enrollments;
    expect(enrollments).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));

    const before = await count(`user_interactions WHERE user_id = $1`, [bUser.id]);
    const record = (
      await asPartner(full.secret, 'PartnerRecordInteraction', {
        input: { userId: gid('User', bUser.id), interactionType: 'crm_call' },
      })
    ).recordInteraction;
    expect(record.code).toBe('NOT_FOUND');
    expect(await count(`user_interactions WHERE user_id = $1`, [bUser.id])).toBe(before);

    // The same (channel, external id) as a B user makes a new A user; B's is untouched.
    const bRow = (await one(`SELECT * FROM users WHERE id = $1`, [bUser.id]))!;
    const upsert = (
      await asPartner(full.secret, 'PartnerUpsertUser', {
        input: { channel: bRow.channel.toUpperCase(), externalId: bRow.external_id, displayName: 'Taken over?' },
      })
    ).upsertUserByExternalId;
    expect(upsert.data.created).toBe(true);
    expect(uuidOf(upsert.data.user.id)).not.toBe(bUser.id);
    expect(await one(`SELECT display_name, updated_at FROM users WHERE id = $1`, [bUser.id])).toEqual({
      display_name: bRow.display_name,
      updated_at: bRow.updated_at,
    });

    const feed = (await asPartner(full.secret, 'PartnerUserChanges', { first: 500 })).userChanges;
    const owners = await sql(`SELECT DISTINCT creator_id FROM users WHERE id = ANY($1::uuid[])`, [
      feed.users.map((u: Json) => uuidOf(u.id)),
    ]);
    expect(owners).toEqual([{ creator_id: api.tenants.creatorA }]);
    const programs = (await asPartner(full.secret, 'PartnerPrograms', { first: 100 })).programs.nodes;
    expect(
      await sql(`SELECT DISTINCT creator_id FROM programs WHERE id = ANY($1::uuid[])`, [
        programs.map((p: Json) => uuidOf(p.id)),
      ]),
    ).toEqual([{ creator_id: api.tenants.creatorA }]);
  });
});

describe('the usage log and last use', () => {
  test('every call of a key is logged with operation, status, error, duration and sizes', async () => {
    const key = await issueKey('asCreatorA', { allowedOperations: ['PartnerPrograms', 'PartnerUserRewards'] });
    await asPartner(key.secret, 'PartnerPrograms', { first: 3 });
    await asPartner(key.secret, 'PartnerPrograms', { first: 3 }, { method: 'GET', form: 'documentId' });
    await call(key.secret, 'PartnerUserChanges');
    await call(key.secret, undefined, {}, { hash: 'a'.repeat(64) });
    const rows = await usageRows(key.uuid, 4);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.creator_id).toBe(api.tenants.creatorA);
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
      expect(row.request_size_bytes).toBeGreaterThan(0);
      expect(row.response_size_bytes).toBeGreaterThan(0);
      expect(row.ip_address).toMatch(/127\.0\.0\.1/);
    }
    const summary = rows.map((r) => [r.operation_name, r.operation_hash, r.status_code, r.error_code]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['PartnerPrograms', operation('PartnerPrograms').hash, 200, null],
        ['PartnerPrograms', operation('PartnerPrograms').hash, 200, null],
        ['PartnerUserChanges', operation('PartnerUserChanges').hash, 403, 'FORBIDDEN'],
        [null, null, 400, 'PERSISTED_QUERY_NOT_FOUND'],
      ]),
    );
    // The creator reads its usage log, per key.
    const data = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on ApiKey { usage(first: 10) { totalCount nodes { operationName statusCode apiKey { id } } } } } }`,
      { id: key.id },
    );
    expect(data.node.usage.totalCount).toBe(4);
    expect(data.node.usage.nodes[0].apiKey.id).toBe(key.id);
    // Creator B sees none of it.
    const bLogs = await query('asCreatorB', `{ apiUsageLogs(first: 100) { nodes { apiKey { id } } } }`);
    expect(bLogs.apiUsageLogs.nodes.filter((n: Json) => n.apiKey?.id === key.id)).toEqual([]);
  });

  test('calls with a lying Content-Length, a malformed body, or a client that hangs up are logged too', async () => {
    const key = await issueKey('asCreatorA');
    await asPartner(key.secret, 'PartnerPrograms');
    // A claimed length far beyond what was sent, and what the column can hold.
    const lying = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        api.server.url,
        {
          method: 'POST',
          agent: false,
          headers: { 'x-api-key': key.secret, 'content-type': 'text/plain', 'content-length': '3000000000' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(lying).toBeGreaterThanOrEqual(400);
    const malformed = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'x-api-key': key.secret, 'content-type': 'application/json' },
      body: '{"documentId": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).errors[0].extensions.code).toBe('BAD_REQUEST');
    // A client that sends headers and part of a body, then goes away.
    await new Promise<void>((resolve) => {
      const req = http.request(api.server.url, {
        method: 'POST',
        agent: false,
        headers: { 'x-api-key': key.secret, 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"documentId":');
      req.on('socket', (socket) =>
        socket.on('connect', () =>
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 300),
        ),
      );
    });
    const rows = await usageRows(key.uuid, 4);
    expect(rows.map((r) => r.status_code).sort()).toEqual([200, 400, 499, lying].sort());
    expect(rows.find((r) => r.status_code === 499)!.error_code).toBe('CLIENT_CLOSED_REQUEST');
    for (const row of rows) expect(row.request_size_bytes).toBeLessThanOrEqual(1024 * 1024 + 1);
  });

  test("a refused key leaves no usage row (it is not known to be anyone's)", async () => {
    const before = await count('api_usage_logs');
    await call('cgk_AAAAAAAA_' + api.tenants.creatorA.replace(/-/g, '') + '_' + 'x'.repeat(43), 'PartnerPrograms');
    await new Promise((r) => setTimeout(r, 400));
    expect(await count('api_usage_logs')).toBe(before);
  });

  test('last_used_at is written on first use, then at most once a minute', async () => {
    const key = await issueKey('asCreatorA');
    expect((await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at).toBeNull();
    await asPartner(key.secret, 'PartnerPrograms');
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) {
      first = (await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at;
      if (!first) await new Promise((r) => setTimeout(r, 20));
    }
    expect(first).toBeInstanceOf(Date);
    await Promise.all(Array.from({ length: 5 }, () => asPartner(key.secret, 'PartnerPrograms')));
    await new Promise((r) => setTimeout(r, 200));
    expect((await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at).toEqual(first);
    expect(
      (await query('asCreatorA', `query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }`, { id: key.id }))
        .node.lastUsedAt,
    ).toBe(first!.toISOString());
  });
});
