// Every code block in README.md is run, against a real server with the demo data, as a reader
// would run it: shell blocks in bash (curl), GraphQL blocks over HTTP as the demo creator Ada,
// JavaScript blocks in a child `node` of the version running the tests. Only what readme.ts's
// SUBSTITUTIONS lists is changed. SQL blocks run in own-postgres.test.ts, on a cluster of their
// own. A block that is neither run nor listed in NOT_RUN (with its reason) fails the first test,
// so a new snippet cannot slip in untested.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Json } from '../helpers/api';
import { useDatabase, useServer } from '../helpers/harness';
import { operation } from '../helpers/partner';
import {
  NOT_RUN,
  ROOT,
  SUBSTITUTIONS,
  jsonValues,
  notRunReason,
  readmeSnippets,
  runnerOf,
  substitute,
  type Snippet,
  type Substitutions,
} from './readme';

jest.setTimeout(120_000);

const snippets = readmeSnippets();
const runnable = (runner: string) => snippets.filter((s) => runnerOf(s) === runner && notRunReason(s) === undefined);

/**
 * What a JavaScript block must print (the text around it promises it), by what the block does.
 * A block with no entry here fails: say what it should print.
 */
const PRINTS: { when: RegExp; stdout: RegExp; what: string }[] = [
  {
    when: /subscription \{ dashboardSummary \{ newUsers activeUsers messages \} \}/,
    stdout: /dashboardSummary: \{\s*newUsers: \d+,\s*activeUsers: \d+,\s*messages: \d+\s*\}/,
    what: "today's dashboard summary, pushed when the subscription starts",
  },
];

const api = useServer(useDatabase());
let subs: Substitutions;
let apiKey: string;
const used = new Set<RegExp>();

beforeAll(async () => {
  const { server } = api;
  const token = server.tokenFor(api.tenants.creatorA);
  subs = { host: new URL(server.url).host, token, partnerHash: (name) => operation(name).hash };
  const key = await server.gql<Json>(
    `mutation { createApiKey(input: { name: "readme", scopes: [READ] }) { ... on CreateApiKeySuccess { data { secret } } ... on Error { code message } } }`,
    {},
    { token },
  );
  apiKey = key.body.data?.createApiKey?.data?.secret;
  if (!apiKey) throw new Error(`no API key for the partner snippets: ${JSON.stringify(key.body)}`);
});

/** Runs a command to its end (or until `stdoutDone` matches, then ends it); resolves with its output. */
function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; stdoutDone?: RegExp; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      // A subscription never ends by itself: once it printed what it promises, end it.
      if (options.stdoutDone?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** The union members in a result that are errors (they have a `code`), with their paths. */
function typedErrors(value: unknown, at = 'data'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => typedErrors(v, `${at}.${i}`));
  if (value === null || typeof value !== 'object') return [];
  const object = value as Json;
  if (typeof object.code === 'string') return [`${at}: ${object.code} ${object.message ?? ''}`];
  return Object.entries(object).flatMap(([k, v]) => typedErrors(v, `${at}.${k}`));
}

const where = (s: Snippet) => `README.md:${s.line} (${s.lang || 'no language'})`;

test('every code block in the README is run by a test, or listed with the reason it cannot be', () => {
  expect(snippets.length).toBeGreaterThan(0);
  const unaccounted = snippets
    .filter((s) => runnerOf(s) === undefined && notRunReason(s) === undefined)
    .map((s) => `${where(s)}: ${s.code.split('\n')[0]}`);
  expect(unaccounted).toEqual([]);
  // A NOT_RUN entry that matches no block is stale: the block it excused changed or went away.
  const stale = NOT_RUN.filter((entry) => !snippets.some((s) => notRunReason(s) === entry.why)).map((entry) =>
    String(entry.code),
  );
  expect(stale).toEqual([]);
  // Every JavaScript block says what it prints.
  const silent = runnable('node').filter((s) => !PRINTS.some((p) => p.when.test(s.code)));
  expect(silent.map(where)).toEqual([]);
});

const shell = runnable('shell');
if (shell.length > 0) {
  test.each(shell.map((s) => [where(s), s] as const))(
    '%s runs in bash, and every response it prints has data and no errors',
    async (_name, snippet) => {
      const code = substitute(snippet.code, subs, used);
      const result = await run('bash', ['-e', '-o', 'pipefail', '-c', code], { env: { KEY: apiKey } });
      expect({ exit: result.code, stderr: result.stderr }).toEqual({ exit: 0, stderr: '' });
      const responses = jsonValues(result.stdout) as Json[];
      // One response per curl command in the block.
      expect(responses).toHaveLength(snippet.code.split('\n').filter((l) => /^\s*curl\s/.test(l)).length);
      for (const response of responses) {
        expect(response.errors).toBeUndefined();
        expect(response.data).toEqual(expect.any(Object));
        expect(typedErrors(response.data)).toEqual([]);
      }
    },
  );
}

const graphql = runnable('graphql');
if (graphql.length > 0) {
  test.each(graphql.map((s) => [where(s), s] as const))(
    '%s answers the demo creator with no error',
    async (_name, snippet) => {
      const response = await api.server.gql<Json>(substitute(snippet.code, subs, used), {}, { token: subs.token });
      expect(response.body.errors).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual(expect.any(Object));
      expect(typedErrors(response.body.data)).toEqual([]);
    },
  );
}

const node = runnable('node');
if (node.length > 0) {
  test.each(node.map((s) => [where(s), s] as const))(
    `%s runs in node ${process.version} and prints what the README says`,
    async (_name, snippet) => {
      const expected = PRINTS.find((p) => p.when.test(snippet.code))!;
      // Written under node_modules/.cache, so that its imports resolve to this checkout's packages
      // as they would in a reader's project, and nothing appears in git status.
      const dir = path.join(ROOT, 'node_modules', '.cache', 'readme-snippets');
      fs.mkdirSync(dir, { recursive: true });
      const typescript = /^(ts|typescript)$/.test(snippet.lang);
      const file = path.join(dir, `line-${snippet.line}-${process.pid}.${typescript ? 'mts' : 'mjs'}`);
      fs.writeFileSync(file, substitute(snippet.code, subs, used));
      try {
        const result = await run(process.execPath, [...(typescript ? ['--import', 'tsx'] : []), file], {
          stdoutDone: expected.stdout,
        });
        expect({ stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut }).toEqual({
          stdout: expect.stringMatching(expected.stdout),
          stderr: '',
          timedOut: false,
        });
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  );
}

test('every substitution is used by some block (the table lists only what it needs)', () => {
  const unused = SUBSTITUTIONS.filter((s) => !used.has(s.find)).map((s) => String(s.find));
  expect(unused).toEqual([]);
});
