// README, "Using your own PostgreSQL": its SQL block, run as written by a superuser on a fresh
// PostgreSQL server (a throwaway cluster of the embedded binaries: no app_user, no roles but the
// superuser, as on a reader's new server), the `npm run db:migrate` step its comment names, run
// with the variables the comment names, and then the server started on those roles.
//
// Substituted: only the passwords, written '...' in the README (the test's password instead).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { binaryDir } from '../../src/db/embedded-process';
import { freePort } from '../helpers/ports';
import { startTestServer, type TestServer } from '../helpers/server';
import { ROOT, readmeSnippets, runnerOf } from './readme';

jest.setTimeout(180_000);

const PASSWORD = `readme-${crypto.randomBytes(12).toString('hex')}`;
const SUPER_PASSWORD = crypto.randomBytes(16).toString('hex');

interface Cluster {
  dir: string;
  port: number;
  url(user: string, password: string, database: string): string;
  stop(): void;
}

/** As root, PostgreSQL must run as an unprivileged OS user: `postgres`, as src/db/embedded-process.ts does. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  try {
    id('-u');
  } catch {
    // Not created yet when the suite runs against TEST_DATABASE_URL instead of its embedded cluster.
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      { stdio: 'ignore' },
    );
  }
  return { uid: id('-u'), gid: id('-g') };
}

/** A fresh cluster: initdb with a superuser `postgres`, started with pg_ctl on a free port. */
async function freshCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-readme-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const as = runAs();
  fs.mkdirSync(data, { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'pw'), `${SUPER_PASSWORD}\n`, { mode: 0o600 });
  if (as.uid !== undefined) for (const p of [dir, data, path.join(dir, 'pw')]) fs.chownSync(p, as.uid, as.gid!);
  const options = { ...as, stdio: 'pipe' as const, env: { ...process.env, LC_ALL: 'C' } };
  execFileSync(
    path.join(binaryDir(), 'initdb'),
    [
      `--pgdata=${data}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${path.join(dir, 'pw')}`,
      '--encoding=UTF8',
      '--no-locale',
      '--no-instructions',
    ],
    options,
  );
  const port = await freePort();
  execFileSync(
    path.join(binaryDir(), 'pg_ctl'),
    [
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      'start',
    ],
    options,
  );
  return {
    dir,
    port,
    url: (user, password, database) =>
      `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop() {
      try {
        execFileSync(path.join(binaryDir(), 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], options);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The block's steps in order: SQL statements, and the commands its `--` comments say to run. */
function steps(code: string): ({ sql: string } | { command: string; comment: string })[] {
  const out: ({ sql: string } | { command: string; comment: string })[] = [];
  let statement = '';
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const comment = /^\s*--\s*(.*)$/.exec(line);
    if (comment) {
      // A comment may go on over the next comment lines; the command is in backticks.
      let text = comment[1]!;
      while (i + 1 < lines.length && /^\s*--/.test(lines[i + 1]!)) text += ` ${lines[++i]!.replace(/^\s*--\s*/, '')}`;
      const command = /`([^`]+)`/.exec(text);
      if (command) out.push({ command: command[1]!, comment: text });
      continue;
    }
    statement += `${line}\n`;
    if (/;\s*(--.*)?$/.test(line)) {
      out.push({ sql: statement.trim() });
      statement = '';
    }
  }
  if (statement.trim()) out.push({ sql: statement.trim() });
  return out;
}

/** Runs a shell command in the checkout, as a reader's shell would (no test NODE_ENV). */
function shell(command: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const base = { ...process.env };
  delete base.NODE_ENV;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', command], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const blocks = readmeSnippets().filter((s) => runnerOf(s) === 'sql');

let cluster: Cluster | undefined;
let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
  cluster?.stop();
});

test('the README has the "Using your own PostgreSQL" SQL block', () => {
  expect(blocks.length).toBeGreaterThan(0);
});

test.each(blocks.map((s) => [`README.md:${s.line}`, s] as const))(
  '%s sets up a fresh PostgreSQL that the server then starts on',
  async (_name, snippet) => {
    cluster = await freshCluster();
    const code = snippet.code.replace(/'\.\.\.'/g, `'${PASSWORD}'`);
    // The roles and database the block creates, for the URLs its comment names.
    const database = /CREATE DATABASE (\w+)/i.exec(code)?.[1];
    expect(database).toEqual(expect.any(String));
    const roleUrl = (role: string) => cluster!.url(role, PASSWORD, database!);
    const admin = new pg.Client({ connectionString: cluster.url('postgres', SUPER_PASSWORD, 'postgres') });
    await admin.connect();
    const env: Record<string, string> = {};
    try {
      for (const step of steps(code)) {
        if ('sql' in step) {
          await admin.query(step.sql).catch((error: Error) => {
            throw new Error(`${step.sql}\n  failed: ${error.message}`);
          });
          continue;
        }
        // "with DATABASE_OWNER_URL pointing at creatorgraph_owner and DATABASE_URL at ...".
        for (const [, name, role] of step.comment.matchAll(/\b(DATABASE_\w*URL)\b(?: pointing)? at (\w+)/g))
          env[name!] = roleUrl(role!);
        const result = await shell(step.command, env);
        if (result.code !== 0)
          throw new Error(
            `\`${step.command}\` with ${Object.keys(env).join(', ') || 'no variables'} set exited ${result.code}:\n${result.output.slice(-2_000)}`,
          );
      }
    } finally {
      await admin.end();
    }
    // The server starts on those roles (its start-up checks refuse an owner, a BYPASSRLS role,
    // or a role outside app_user) without migrating anything itself, and serves.
    expect(Object.keys(env).sort()).toEqual(['DATABASE_OWNER_URL', 'DATABASE_URL']);
    server = await startTestServer({ appUrl: env.DATABASE_URL!, ownerUrl: env.DATABASE_OWNER_URL! } as never, {
      MIGRATE_ON_START: 'false',
    });
    const ready = await fetch(server.url.replace(/\/graphql$/, '/readyz'));
    expect(ready.status).toBe(200);
    const signUp = await server.gql<{ signUp: { __typename: string } }>(
      `mutation { signUp(input: { email: "reader@example.com", password: "a-long-enough-password" }) { __typename } }`,
    );
    expect(signUp.body).toEqual({ data: { signUp: { __typename: 'AuthPayload' } } });
  },
);
