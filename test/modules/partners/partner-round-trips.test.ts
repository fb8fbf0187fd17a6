// asPartner over real HTTP, rate limits on: the key, its creator and, when this instance has
// none fresh for the creator, the plan's rates are one statement (src/auth/partner-auth.ts); the
// rate limiter takes the rates from there and sends nothing of its own. The key is still read
// on every call, so a revoked key fails on its very next call. The usage log rides on the
// creator's next key lookup (one statement, no round trip of its own); a quiet creator's rows are
// one INSERT behind its tenant settings: no BEGIN/COMMIT.
import { issueApiKey } from '../../../src/auth/api-keys';
import { useDatabase, useServer } from '../../helpers/harness';
import { callAsPartner } from '../../helpers/partner';
import { captureStatements, type StatementCapture } from '../../helpers/statements';

// A quiet creator's usage rows wait 3 s for its next call (USAGE_LOG_FLUSH_MS; 1 s by default), so
// that on a busy machine the calls below still find them waiting.
const api = useServer(useDatabase(), { env: { RATE_LIMITS: 'on', USAGE_LOG_FLUSH_MS: '3000' } });
let capture: StatementCapture;
beforeAll(() => {
  capture = captureStatements(new URL(api.db.appUrl).username, { skipApplicationName: 'creatorgraph-listener' });
});
afterAll(() => capture?.uninstall());

/** A usage log write of its own (the timer's), not one riding on a key lookup. */
const usageInsert = /^\s*INSERT INTO api_usage_logs\b/;
/** The statements of the calls since the last reset, without the usage log the timer writes after them. */
const sentByCalls = () => capture.without(usageInsert).filter((s) => !usageInsert.test(s.text));
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

  // The first call's usage row rides on the next lookup once it is 200 ms old (RIDE_AFTER_MS).
  await new Promise((r) => setTimeout(r, 300));
  capture.reset();
  const second = await programs();
  expect(second.status).toBe(200);
  sent = sentByCalls();
  expect(sent.filter((s) => /\bapp\.plan_limit\b/.test(s.text))).toEqual([]);
  // The key alone, with the first call's usage row riding along: still one statement, and the
  // call's two round trips (key, operation) are all it sends.
  const lookups = keyLookups();
  expect(lookups).toHaveLength(1);
  expect(lookups[0]!.settings).toBe(true);
  expect(lookups[0]!.text).toMatch(/^WITH ridden AS \(INSERT INTO api_usage_logs\b/);
  expect(sent).toHaveLength(2);

  await api.owner.query(`UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1`, [key.hash]);
  const revoked = await programs();
  expect(revoked.status).toBe(401);
  expect(revoked.body.errors![0]!.message).toBe('API key revoked');
});

test("asPartner: a call carries its creator's waiting usage rows in its key lookup; a quiet creator's are one INSERT behind its tenant settings, no transaction", async () => {
  const A = api.tenants.creatorA;
  // A creator of its own (creatorB's rates belong to the rates test below).
  const B = (
    await api.owner.query<{ id: string }>(
      `INSERT INTO creators (email, password_hash, first_name) VALUES ('usage-rider@example.com', 'x', 'U') RETURNING id`,
    )
  ).rows[0]!.id;
  const keyOf = async (creator: string, name: string) => {
    const key = issueApiKey(creator);
    await api.owner.query(
      `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, $2, $3, $4, '{read}')`,
      [creator, name, key.prefix, key.hash],
    );
    return key;
  };
  const [keyA, keyB] = [await keyOf(A, 'usage A'), await keyOf(B, 'usage B')];
  const rowsOf = async (hash: string) =>
    (
      await api.owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM api_usage_logs l JOIN api_keys k ON k.id = l.api_key_id WHERE k.key_hash = $1`,
        [hash],
      )
    ).rows[0]!.n;
  const call = (secret: string) => callAsPartner(api.server.url, secret, 'PartnerPrograms', { first: 1 });

  // B calls, then A calls twice: B's row waits for B (or the timer), never for A.
  expect((await call(keyB.secret)).status).toBe(200);
  expect((await call(keyA.secret)).status).toBe(200);
  // A row rides once it is 200 ms old (RIDE_AFTER_MS).
  await new Promise((r) => setTimeout(r, 300));
  capture.reset();
  expect((await call(keyA.secret)).status).toBe(200);
  // A's first row was written by A's second key lookup, before its answer: no statement of its own.
  expect(await rowsOf(keyA.hash)).toBe(1);
  const riders = capture.sent.filter((s) => /\bapi_usage_logs\b/.test(s.text));
  expect(
    riders.map((s) => ({ rides: /^WITH ridden AS/.test(s.text), settings: s.settings, tenant: s.tenant })),
  ).toEqual([{ rides: true, settings: true, tenant: A }]);

  // Nobody calls now: within two flush intervals (6 s here) the timer writes A's second row and B's row,
  // each one INSERT behind its own creator's settings, with no transaction.
  capture.reset();
  for (let i = 0; i < 150 && ((await rowsOf(keyA.hash)) < 2 || (await rowsOf(keyB.hash)) < 1); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect([await rowsOf(keyA.hash), await rowsOf(keyB.hash)]).toEqual([2, 1]);
  const writes = capture.sent.filter((s) => /\bapi_usage_logs\b/.test(s.text));
  expect(
    writes
      .map((s) => ({ insert: usageInsert.test(s.text), settings: s.settings, tenant: s.tenant }))
      .sort((x, y) => String(x.tenant).localeCompare(String(y.tenant))),
  ).toEqual(
    [
      { insert: true, settings: true, tenant: A },
      { insert: true, settings: true, tenant: B },
    ].sort((x, y) => x.tenant.localeCompare(y.tenant)),
  );
  expect(capture.sent.filter((s) => s.transaction !== undefined)).toEqual([]);
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
