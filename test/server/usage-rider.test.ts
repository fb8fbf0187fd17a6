// The usage log's rows riding on a key lookup (src/server/usage-log.ts, src/auth/partner-auth.ts),
// against the real database with row-level security: a row the table refuses never fails the call
// that carries it, and a creator's lookup carries only that creator's rows. The timer is set far
// out (flushIntervalMs) and flushed by hand, so nothing here depends on how fast the machine is.
const NO_TIMER = { flushIntervalMs: 60_000, rideAfterMs: 0 };
import { Writable } from 'node:stream';
import { issueApiKey } from '../../src/auth/api-keys';
import { createApiKeyAuthenticator } from '../../src/auth/partner-auth';
import { openDatabase, type Database } from '../../src/db/database';
import { setSqlReads } from '../../src/db/sql-read/read';
import { createLogger } from '../../src/logger';
import { createUsageRecorder, type UsageEntry, type UsageRecorder } from '../../src/server/usage-log';
import { useDatabase } from '../helpers/harness';

const harness = useDatabase();
let db: Database;
const warnings: string[] = [];
const log = createLogger(
  'warn',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(String(JSON.parse(chunk.toString()).msg));
      done();
    },
  }),
);
beforeAll(() => {
  db = openDatabase({ app: harness.db.appUrl, owner: harness.db.ownerUrl }, { poolMax: 2, log });
});
afterAll(() => db?.close());

async function keyOf(creatorId: string) {
  const key = issueApiKey(creatorId);
  const { rows } = await harness.owner.query<{ id: string }>(
    `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'rider', $2, $3, '{read}') RETURNING id`,
    [creatorId, key.prefix, key.hash],
  );
  return { ...key, id: rows[0]!.id };
}

const entry = (creatorId: string, apiKeyId: string, requestSizeBytes: number): UsageEntry => ({
  creatorId,
  apiKeyId,
  operationName: 'PartnerPrograms',
  operationHash: null,
  statusCode: 200,
  errorCode: null,
  durationMs: 3,
  requestSizeBytes,
  responseSizeBytes: 10,
  ipAddress: '127.0.0.1',
  createdAt: new Date(),
});

const sizesOf = async (keyId: string) =>
  (
    await harness.owner.query<{ request_size_bytes: number }>(
      `SELECT request_size_bytes FROM api_usage_logs WHERE api_key_id = $1 ORDER BY request_size_bytes`,
      [keyId],
    )
  ).rows.map((r) => r.request_size_bytes);

/** A usage recorder and an authenticator riding on it; the recorder is stopped after the test. */
const running: UsageRecorder[] = [];
afterEach(async () => {
  for (const usage of running.splice(0)) await usage.stop();
});
function recorder(options: Parameters<typeof createUsageRecorder>[2] = NO_TIMER) {
  const usage = createUsageRecorder(db, log, options);
  running.push(usage);
  return { usage, authenticate: createApiKeyAuthenticator(db, log, usage) };
}

test('asPartner: a waiting row the table refuses does not fail the call carrying it; no later call carries it again; the good rows are written, the bad one is dropped and logged', async () => {
  const A = harness.tenants.creatorA;
  const key = await keyOf(A);
  const { usage, authenticate } = recorder();
  const riderFailures = () =>
    warnings.filter((w) => w === 'a write riding on a key lookup failed; the key is read alone');
  usage.record(entry(A, key.id, 11));
  usage.record(entry(A, key.id, -1)); // violates api_usage_logs_sizes_check
  usage.record(entry(A, key.id, 12));
  const { viewer } = await authenticate(key.secret);
  expect(viewer).toMatchObject({ kind: 'partner', creatorId: A, keyId: key.id });
  expect(riderFailures()).toHaveLength(1);
  expect(await sizesOf(key.id)).toEqual([]);
  // The next call carries nothing: the failed rows are the timer's now.
  await authenticate(key.secret);
  expect(riderFailures()).toHaveLength(1);
  expect(usage.waiting).toBe(3);
  // The timer's write (here by hand): the batch fails, then row by row the two good rows land.
  await usage.flush();
  expect(await sizesOf(key.id)).toEqual([11, 12]);
  expect(usage.waiting).toBe(0);
  expect(warnings).toContain('could not write API usage logs');
});

test("asCreatorB: B's key lookup never carries A's rows; A's are written in A's scope", async () => {
  const A = harness.tenants.creatorA;
  const B = harness.tenants.creatorB;
  const [keyA, keyB] = [await keyOf(A), await keyOf(B)];
  // A fresh authenticator: the one above paused riding after its failure.
  const { usage, authenticate } = recorder();
  usage.record(entry(A, keyA.id, 21));
  usage.record(entry(B, keyB.id, 22));
  await authenticate(keyB.secret);
  // B's row went with B's lookup; A's still waits.
  expect(await sizesOf(keyB.id)).toEqual([22]);
  expect(await sizesOf(keyA.id)).toEqual([]);
  expect(usage.waiting).toBe(1);
  // A row naming another creator's key, recorded under B, cannot reach A's key or A's rows:
  // it is written as B's (creator_id is B's setting), without a key B cannot see.
  usage.record(entry(B, keyA.id, 23));
  await authenticate(keyB.secret);
  const { rows } = await harness.owner.query<{ creator_id: string; api_key_id: string | null }>(
    `SELECT creator_id, api_key_id FROM api_usage_logs WHERE request_size_bytes = 23`,
  );
  expect(rows).toEqual([{ creator_id: B, api_key_id: null }]);
  await usage.flush();
  expect(await sizesOf(keyA.id)).toEqual([21]);
  const { rows: owners } = await harness.owner.query<{ creator_id: string }>(
    `SELECT creator_id FROM api_usage_logs WHERE api_key_id = $1`,
    [keyA.id],
  );
  expect(owners).toEqual([{ creator_id: A }]);
});

test('asPartner: rows younger than rideAfterMs stay for a later call or the timer; the lookup stays a plain read', async () => {
  const A = harness.tenants.creatorA;
  const key = await keyOf(A);
  const { usage, authenticate } = recorder({ flushIntervalMs: 60_000, rideAfterMs: 60_000 });
  usage.record(entry(A, key.id, 31));
  await authenticate(key.secret);
  expect(usage.waiting).toBe(1);
  expect(await sizesOf(key.id)).toEqual([]);
  await usage.stop();
  expect(await sizesOf(key.id)).toEqual([31]);
});

test('asPartner: 500 waiting rows of one creator are written at once, without a call or the timer', async () => {
  const A = harness.tenants.creatorA;
  const key = await keyOf(A);
  const { usage } = recorder();
  for (let i = 0; i < 499; i++) usage.record(entry(A, key.id, 1000 + i));
  expect(usage.waiting).toBe(499);
  usage.record(entry(A, key.id, 1499));
  for (let i = 0; i < 100 && usage.waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(usage.waiting).toBe(0);
  expect(await sizesOf(key.id)).toHaveLength(500);
});

test('asPartner: with compiled reads off (SQL_READS=off), rows ride through Prisma the same way', async () => {
  const A = harness.tenants.creatorA;
  const key = await keyOf(A);
  const { usage, authenticate } = recorder();
  const failures = warnings.length;
  setSqlReads(false);
  try {
    usage.record(entry(A, key.id, 41));
    usage.record(entry(A, key.id, 42));
    await authenticate(key.secret);
    expect(await sizesOf(key.id)).toEqual([41, 42]);
    expect(usage.waiting).toBe(0);
    expect(warnings.slice(failures)).toEqual([]);
  } finally {
    setSqlReads(true);
  }
});
