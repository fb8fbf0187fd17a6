// asPartner over real HTTP, rate limits on: the key, its creator and, when this instance has
// none fresh for the creator, the plan's rates are one statement (src/auth/partner-auth.ts); the
// rate limiter takes the rates from there and sends nothing of its own. The key is still read
// on every call, so a revoked key fails on its very next call. The usage log writes a
// creator's calls as one INSERT behind the tenant settings: no BEGIN/COMMIT.
import { issueApiKey } from '../../../src/auth/api-keys';
import { useDatabase, useServer } from '../../helpers/harness';
import { callAsPartner } from '../../helpers/partner';
import { captureStatements, type StatementCapture } from '../../helpers/statements';

const api = useServer(useDatabase(), { env: { RATE_LIMITS: 'on' } });
let capture: StatementCapture;
beforeAll(() => {
  capture = captureStatements(new URL(api.db.appUrl).username, { skipApplicationName: 'creatorgraph-listener' });
});
afterAll(() => capture?.uninstall());

/** The statements of the calls since the last reset, without the usage log written after them. */
const sentByCalls = () => capture.without(/\bapi_usage_logs\b/).filter((s) => !/\bapi_usage_logs\b/.test(s.text));
/** The key lookups among them (not last_used_at, written once a minute, not awaited). */
const keyLookups = () => sentByCalls().filter((s) => /\bapi_keys\b/.test(s.text) && !/^\s*UPDATE\b/i.test(s.text));

test('asPartner: the key and the plan rates are read in one statement, then the key alone; a revoked key fails on the next call', async () => {
  const A = api.tenants.creatorA;
  const key = issueApiKey(A);
  await api.owner.query(
    `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'round trip', $2, $3, '{read}')`,
    [A, key.prefix, key.hash],
  );
  const programs = () => callAsPartner(api.server.url, key.secret, 'PartnerPrograms', { first: 2 });

  capture.reset();
  const first = await programs();
  expect(first.status).toBe(200);
  expect(first.body.errors).toBeUndefined();
  let sent = sentByCalls();
  // The key's statement carries the rates; no other statement reads them.
  expect(sent.filter((s) => /\bapp\.plan_limit\b/.test(s.text)).map((s) => /\bapi_keys\b/.test(s.text))).toEqual([
    true,
  ]);
  expect(keyLookups()).toHaveLength(1);
  for (const s of sent) expect({ settings: s.settings, tenant: s.tenant }).toEqual({ settings: true, tenant: A });

  capture.reset();
  const second = await programs();
  expect(second.status).toBe(200);
  sent = sentByCalls();
  expect(sent.filter((s) => /\bapp\.plan_limit\b/.test(s.text))).toEqual([]);
  const lookups = keyLookups();
  expect(lookups).toHaveLength(1);
  expect(lookups[0]!.settings).toBe(true);

  await api.owner.query(`UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1`, [key.hash]);
  const revoked = await programs();
  expect(revoked.status).toBe(401);
  expect(revoked.body.errors![0]!.message).toBe('API key revoked');
});

test('asPartner: the rates read with the key are enforced, for the tenant and its JWT requests alike', async () => {
  const B = api.tenants.creatorB;
  const { rows } = await api.owner.query<{ tier: string }>(
    `SELECT coalesce((SELECT tier FROM subscriptions WHERE creator_id = $1 AND status IN ('active','trialing','past_due') LIMIT 1), 'free') AS tier`,
    [B],
  );
  const tier = rows[0]!.tier;
  const before = (
    await api.owner.query<{ r: number | null }>(
      `SELECT api_requests_per_minute AS r FROM plan_limits WHERE tier = $1`,
      [tier],
    )
  ).rows[0]!.r;
  await api.owner.query(`UPDATE plan_limits SET api_requests_per_minute = 3 WHERE tier = $1`, [tier]);
  try {
    const key = issueApiKey(B);
    await api.owner.query(
      `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'rates', $2, $3, '{read}')`,
      [B, key.prefix, key.hash],
    );
    // B's first request of this server is a partner call: its rates come with the key.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await callAsPartner(api.server.url, key.secret, 'PartnerPrograms', { first: 1 })).status);
    const jwt = await api.server.gql(`{ me { id } }`, {}, { token: api.server.tokenFor(B) });
    expect([...statuses, jwt.status]).toEqual([200, 200, 200, 429]);
  } finally {
    await api.owner.query(`UPDATE plan_limits SET api_requests_per_minute = $2 WHERE tier = $1`, [tier, before]);
  }
});

test('asPartner: the usage log of calls in one flush interval is one INSERT behind the tenant settings, no transaction', async () => {
  const A = api.tenants.creatorA;
  const key = issueApiKey(A);
  await api.owner.query(
    `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'usage', $2, $3, '{read}')`,
    [A, key.prefix, key.hash],
  );
  capture.reset();
  const answers = await Promise.all(
    Array.from({ length: 3 }, () => callAsPartner(api.server.url, key.secret, 'PartnerPrograms', { first: 1 })),
  );
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  for (let i = 0; i < 100; i++) {
    const { rows } = await api.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_usage_logs l JOIN api_keys k ON k.id = l.api_key_id WHERE k.key_hash = $1`,
      [key.hash],
    );
    if (rows[0]!.n === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const writes = capture.sent.filter((s) => /\bapi_usage_logs\b/.test(s.text));
  expect(writes.map((s) => ({ insert: /^\s*INSERT\b/i.test(s.text), settings: s.settings, tenant: s.tenant }))).toEqual(
    [{ insert: true, settings: true, tenant: A }],
  );
  expect(capture.sent.filter((s) => s.transaction !== undefined)).toEqual([]);
});
