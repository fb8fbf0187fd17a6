// asPartner over real HTTP runs persisted operations by hash only (POST and GET, all three hash
// forms) and is refused everything else: query text, unknown hashes, operations outside the key's
// list, writes with a READ key, and revoked, expired, malformed or forged keys.
import crypto from 'node:crypto';
import { useApiHarness, uuidOf, type Json } from '../../helpers/api';
import { operation } from '../../helpers/partner';
import { REVOKE_KEY, expectRefused, partnerFixtures, type IssuedKey } from './fixtures';

const api = useApiHarness();
const { mutate, query, sql, count } = api;

const { issueKey, call, asPartner } = partnerFixtures(api);
let full: IssuedKey;
beforeAll(async () => {
  full = await issueKey('asCreatorA', { name: 'full access' });
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
