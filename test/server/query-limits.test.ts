// Query limits (depth, aliases, cost) hold over HTTP and WebSocket alike, and let every shipped
// operation through.
import fs from 'node:fs';
import path from 'node:path';
import { parse, specifiedRules, validate } from 'graphql';
import { loadConfig } from '../../src/config';
import { schema } from '../../src/graphql/schema';
import { limitRules } from '../../src/server/limits';
import { costRefusal, operationCost } from '../../src/server/operation-cost';
import type { TwoTenants } from '../helpers/fixtures';
import type { TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { limitsFixtures } from './limits-fixtures';

const harness = useServer(useDatabase());

const { overWebSocket } = limitsFixtures(harness);
let server: TestServer;
let tenants: TwoTenants;
beforeAll(() => ({ server, tenants } = harness));

const limits = loadConfig({ NODE_ENV: 'test' }).limits;
function operationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? operationFiles(path.join(dir, e.name))
        : e.name.endsWith('.graphql')
          ? [path.join(dir, e.name)]
          : [],
    );
}

test('every operation in operations/ is within the default limits (with the largest page sizes)', () => {
  const files = operationFiles(path.resolve(__dirname, '../../operations'));
  expect(files.length).toBeGreaterThan(3);
  for (const file of files) {
    const document = parse(fs.readFileSync(file, 'utf8'));
    expect({
      file,
      errors: validate(schema, document, [...specifiedRules, ...limitRules(limits)]).map((e) => e.message),
    }).toEqual({ file, errors: [] });
    const largest = { first: 100, last: 100, programs: 100, enrollments: 100 };
    expect({
      file,
      cost: costRefusal(operationCost(schema, document, undefined, largest), limits.maxCost)?.message,
    }).toEqual({ file, cost: undefined });
  }
});

const DEEP = `{ me { programs { edges { node { ${'enrollments { edges { node { program { '.repeat(4)}id${' } } } }'.repeat(4)} } } } } }`;
const ALIASES = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
const COSTLY = `query($n: Int) { users(first: $n) { edges { node { enrollments(first: $n) { edges { node { user { badges(first: $n) { edges { node { id } } } } } } } } } } }`;
test.each([
  ['a query nested too deep', DEEP, {}, 'QUERY_TOO_DEEP'],
  ['a query with too many aliases', ALIASES, {}, 'TOO_MANY_ALIASES'],
  ['a query whose cost comes from page sizes in variables', COSTLY, { n: 100 }, 'QUERY_TOO_COSTLY'],
])(
  'asCreatorA: %s is refused with a 400 over HTTP, and the same code over WebSocket',
  async (_name, query, variables, code) => {
    const http = await server.gql(query, variables, { token: server.tokenFor(tenants.creatorA) });
    expect(http.status).toBe(400);
    expect(http.body.data).toBeUndefined();
    expect(http.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await overWebSocket(query, variables)).toContain(`"code":"${code}"`);
  },
);

test('asCreatorA: the same expensive shape with small pages runs, and the server stays up', async () => {
  const http = await server.gql(COSTLY, { n: 3 }, { token: server.tokenFor(tenants.creatorA) });
  expect(http.status).toBe(200);
  expect(http.body.errors).toBeUndefined();
  expect(await overWebSocket(COSTLY, { n: 3 })).toContain('"users"');
});
