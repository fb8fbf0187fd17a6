// Start-up checks come first and speak plainly: the real entry point (src/main.ts, embedded
// PostgreSQL mode) with a port in use, a bad DATA_DIR or a bad setting exits 1 with ONE line on
// stderr that names the setting and the fix (no stack), before any PostgreSQL starts.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { baseEnv, portOpen, runEntry } from './entry';
import { freePort, freeQuietPort } from '../helpers/ports';
import type { TestDatabase } from '../helpers/database';
import { useDatabase } from '../helpers/harness';

jest.setTimeout(120_000);

let tmp: string;
let pgPort: number;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-preflight-'));
  fs.chmodSync(tmp, 0o755);
  pgPort = await freeQuietPort();
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The entry in development mode with the embedded database, plus `env`. */
async function start(env: Record<string, string>, options: { uid?: number; gid?: number } = {}) {
  return runEntry(
    {
      ...baseEnv(),
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(pgPort),
      ...env,
    },
    options,
  );
}

/** Exit code 1, exactly one line on stderr, nothing on stdout, no PostgreSQL anywhere. */
async function expectRefusal(
  result: { code: number | null; stdout: string; stderr: string },
  line: RegExp,
  dataDir?: string,
) {
  expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({
    code: 1,
    stderr: expect.stringMatching(line),
    stdout: '',
  });
  expect(result.stderr.split('\n')).toHaveLength(2); // one line and its newline
  expect(result.stderr).not.toMatch(/^\s+at /m);
  if (dataDir && fs.existsSync(dataDir) && fs.statSync(dataDir).isDirectory())
    expect(fs.readdirSync(dataDir)).not.toContain('pg');
  expect(await portOpen(pgPort)).toBe(false);
}

test('PORT in use: refused before PostgreSQL starts, naming PORT and the fix', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const dataDir = path.join(tmp, 'port-in-use');
  try {
    const result = await start({ PORT: String(port), DATA_DIR: dataDir });
    await expectRefusal(
      result,
      new RegExp(
        `^PORT ${port} on 127\\.0\\.0\\.1 is in use by another process: stop it, or set PORT to a free port\\n$`,
      ),
      dataDir,
    );
  } finally {
    blocker.close();
  }
});

test('HOST that is not an address of this machine: refused, naming HOST', async () => {
  // 192.0.2.0/24 is reserved for documentation (TEST-NET-1): never a local address.
  const result = await start({ HOST: '192.0.2.7', DATA_DIR: path.join(tmp, 'bad-host') });
  await expectRefusal(
    result,
    /^HOST 192\.0\.2\.7 is not an address of this machine: set HOST to one of its addresses/,
    path.join(tmp, 'bad-host'),
  );
});

test('DATA_DIR that is a file: refused, naming DATA_DIR', async () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'not a directory');
  await expectRefusal(
    await start({ DATA_DIR: file }),
    new RegExp(`^DATA_DIR ${file} is a file, not a directory: remove it, or set DATA_DIR to a directory`),
  );
  expect(fs.readFileSync(file, 'utf8')).toBe('not a directory');
});

test('DATA_DIR below a file (ENOTDIR): refused, naming DATA_DIR and the file in the way', async () => {
  const file = path.join(tmp, 'in-the-way');
  fs.writeFileSync(file, '');
  const dataDir = path.join(file, 'data');
  await expectRefusal(
    await start({ DATA_DIR: dataDir }),
    new RegExp(`^DATA_DIR ${dataDir} cannot be created: ${file} is a file, not a directory: set DATA_DIR`),
  );
});

test('DATA_DIR this user cannot write (EACCES): refused, naming DATA_DIR', async () => {
  const dataDir = path.join(tmp, 'not-yours');
  fs.mkdirSync(dataDir, { mode: 0o755 });
  // Root writes anywhere, so as root the server runs as `nobody` (uid 65534); as anyone else,
  // the directory is made read-only to its owner.
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) fs.chmodSync(dataDir, 0o555);
  const result = await start({ DATA_DIR: dataDir }, asRoot ? { uid: 65534, gid: 65534 } : {});
  await expectRefusal(
    result,
    new RegExp(
      `^DATA_DIR ${dataDir} is not writable by this user \\(permission denied\\): change its owner or mode, or set DATA_DIR`,
    ),
    dataDir,
  );
  expect(fs.readdirSync(dataDir)).toEqual([]);
});

// Only root hands the cluster to the OS user `postgres`; anyone else runs it themselves.
const rootOnly = process.getuid?.() === 0 ? test : test.skip;

rootOnly(
  'as root, DATA_DIR inside a directory the postgres OS user cannot enter: refused, naming DATA_DIR and that directory',
  async () => {
    const closed = path.join(tmp, 'closed');
    fs.mkdirSync(closed, { mode: 0o700 });
    fs.chmodSync(closed, 0o700);
    const dataDir = path.join(closed, 'data');
    await expectRefusal(
      await start({ DATA_DIR: dataDir }),
      new RegExp(
        `^DATA_DIR ${dataDir} is inside ${closed}, which the postgres OS user cannot enter .*: chmod o\\+x ${closed}, or set DATA_DIR`,
      ),
    );
    expect(fs.existsSync(dataDir)).toBe(false);
  },
);

test('DATA_DIR under /proc: refused at once (it used to hang), naming DATA_DIR', async () => {
  await expectRefusal(
    await start({ DATA_DIR: '/proc/creatorgraph-data' }),
    /^DATA_DIR \/proc\/creatorgraph-data is under \/proc, a kernel file system: set DATA_DIR/,
  );
  await expectRefusal(
    await start({ DATA_DIR: '/sys/kernel/creatorgraph' }),
    /^DATA_DIR \/sys\/kernel\/creatorgraph is under \/sys, a kernel file system/,
  );
});

test('a bad setting (ConfigError): one line naming the variable', async () => {
  await expectRefusal(
    await start({ PORT: 'four-thousand', DATA_DIR: path.join(tmp, 'config') }),
    /^Invalid configuration: PORT must be a whole number \(got "four-thousand"\)\n$/,
  );
});

describe('an external database that does not answer as configured', () => {
  const database = useDatabase({ seed: false });
  let db: TestDatabase;
  beforeAll(() => ({ db } = database));

  const withPassword = (url: string, password: string) => Object.assign(new URL(url), { password }).toString();
  const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

  test.each([
    [
      'nothing listening at its port',
      () => ({
        DATABASE_OWNER_URL: `postgres://owner:pw@127.0.0.1:${pgPort}/x`,
        DATABASE_URL: `postgres://app:pw@127.0.0.1:${pgPort}/x`,
      }),
      /^DATABASE_OWNER_URL: nothing answers at 127\.0\.0\.1:\d+ \(ECONNREFUSED\): start PostgreSQL there, or fix the host and port in DATABASE_OWNER_URL\n$/,
    ],
    [
      'a wrong password for the server role',
      () => ({ DATABASE_OWNER_URL: db.ownerUrl, DATABASE_URL: withPassword(db.appUrl, 'wrong') }),
      /^DATABASE_URL: PostgreSQL at [\w.]+:\d+ refused creatorgraph_test_app \(28P01: password authentication failed for user "creatorgraph_test_app"\): fix the user or password in DATABASE_URL\n$/,
    ],
    [
      'a database that does not exist',
      () => ({
        DATABASE_OWNER_URL: withDatabase(db.ownerUrl, 'no_such_db'),
        DATABASE_URL: withDatabase(db.appUrl, 'no_such_db'),
      }),
      /^DATABASE_OWNER_URL: database "no_such_db" does not exist at [\w.]+:\d+: create it, or fix the database name in DATABASE_OWNER_URL\n$/,
    ],
  ])('%s: one line naming the variable and the fix, exit 1, no stack', async (_what, urls, line) => {
    await expectRefusal(
      await start({
        ...urls(),
        JWT_SECRET: 'a-test-secret-of-at-least-32-bytes-long',
        DATA_DIR: path.join(tmp, 'external'),
      }),
      line,
    );
  });
});
