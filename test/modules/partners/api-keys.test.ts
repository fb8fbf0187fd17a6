// Partner integrations over real HTTP: the committed manifest of persisted operations, and the API
// keys creator A issues, changes and revokes (creator B and anonymous callers cannot).
import crypto from 'node:crypto';
import { useApiHarness, gid, ERRORS, type Json } from '../../helpers/api';
import { manifest, operation } from '../../helpers/partner';
import { KEY_FIELDS, CREATE_KEY, REVOKE_KEY, partnerFixtures } from './fixtures';

const api = useApiHarness();
const { mutate, query, one, count } = api;

const { issueKey, asPartner } = partnerFixtures(api);

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
