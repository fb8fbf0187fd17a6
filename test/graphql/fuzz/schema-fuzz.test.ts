// The schema-wide fuzz: every root field of Query, Mutation and Subscription, found by
// introspection of the running server, called with fast-check inputs (boundary values, NUL and
// other control characters, far dates, huge lists, malformed and other tenants' ids, real ids)
// by every actor: asCreatorA, asCreatorB aimed at A's rows, anonymous, asAdmin acting as A (or
// not), and asPartner through the persisted operations. No answer may be a 5xx, carry
// INTERNAL_SERVER_ERROR or an error without a code, or make the server log an error: a client's
// mistake always gets a typed answer. FUZZ_SEED, FUZZ_BUDGET_MS: see config.ts; a failure prints
// the seed and a reproduction. `npm run fuzz -- --minutes 10` runs it longer and writes a report.
import fc from 'fast-check';
import { parse, type OperationDefinitionNode } from 'graphql';
import { Sockets, callHttp } from './actors';
import { type Engine } from './calls';
import { judge } from './checks';
import { loadFuzzConfig } from './config';
import { fingerprintOf, startFuzzWorld, type FuzzWorld } from './harness';
import { argumentsArbitrary, buildOperation, rootSelection } from './operation';
import { FIELD_ACTORS, fieldPlan, keyOf, partnerPlan, requiredCoverage } from './plan';
import { emptyTypes, loadPools } from './pools';
import { findingsSummary, writeReport } from './report';
import { FuzzRun } from './runner';
import { introspect, printedRootKeys, rootFields, rootKey, type RootField } from './schema-model';
import { manifest } from '../../helpers/partner';
import type { PersistedOperation } from '../../../src/graphql/ports';

const config = loadFuzzConfig();
jest.setTimeout(config.budgetMs * 3 + 600_000);

let world: FuzzWorld;
let engine: Engine;
let run: FuzzRun;
let roots: RootField[];
const extraFindings: string[] = [];

const partnerFields = (op: PersistedOperation) => {
  const definition = parse(op.document).definitions[0] as OperationDefinitionNode;
  return definition.selectionSet.selections.map((s) =>
    rootKey(definition.operation, (s as { name: { value: string } }).name.value),
  );
};
const byKind = (...kinds: RootField['kind'][]) => roots.filter((r) => kinds.includes(r.kind));

beforeAll(async () => {
  world = await startFuzzWorld();
  const schema = await introspect(world.server.url, world.tokens.A);
  roots = rootFields(schema);
  const pools = await loadPools(world.owner, world.creators);
  const selections = new Map(roots.map((r) => [keyOf(r), rootSelection(schema, r, config.depth)]));
  engine = { world, schema, pools, sockets: new Sockets(world), selections, subscriptionWaitMs: 120 };
  run = new FuzzRun(engine, config, roots.length * FIELD_ACTORS.length + manifest.byHash.size);
  console.log(`schema fuzz: FUZZ_SEED=${config.seed} FUZZ_BUDGET_MS=${config.budgetMs}, ${roots.length} root fields`);
});

afterAll(async () => {
  if (run) {
    run.sweepLogs();
    if (config.reportPath)
      writeReport(config.reportPath, { run, minutes: config.budgetMs / 60_000, extraFindings, uncovered: uncovered() });
  }
  await engine?.sockets.close();
  await world?.stop();
});

/** Fails with every finding since `before`, each with its seed and reproduction. */
function expectNoNewFindings(before: Set<string>) {
  const found = [...run.findings.values()].filter((f) => !before.has(f.signature));
  if (found.length > 0)
    throw new Error(`FUZZ_SEED=${config.seed}: ${found.length} distinct failure(s):\n${findingsSummary(found)}`);
}
const known = () => new Set(run.findings.keys());

function uncovered(): string[] {
  return requiredCoverage(printedRootKeys(), manifest.byHash.values(), partnerFields).filter(
    (key) => (run.stats.get(key)?.valid ?? 0) < config.minCalls,
  );
}

test('the judge flags a 5xx, INTERNAL_SERVER_ERROR, an error without a code, an internal close and an error log (so that a silent run means something)', () => {
  const kinds = (answer: Parameters<typeof judge>[0], lines: Parameters<typeof judge>[1] = []) =>
    judge(answer, lines).problems.map((p) => p.kind);
  expect(kinds({ status: 500, body: {} })).toEqual(['http-5xx']);
  expect(
    kinds({
      status: 200,
      body: {
        data: null,
        errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      },
    }),
  ).toEqual(['internal-error']);
  expect(kinds({ status: 200, body: { errors: [{ message: 'oops', path: ['x'] }] } })).toEqual(['untyped-error']);
  expect(kinds({ body: [{ errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }] })).toEqual([
    'internal-error',
  ]);
  expect(kinds({ body: [], close: { code: 4500, reason: 'boom' } })).toEqual(['ws-internal-close']);
  expect(kinds({ status: 200, body: { data: { x: 1 } } }, [{ level: 'error', msg: 'unexpected error' }])).toEqual([
    'error-log',
  ]);
  expect(
    kinds({ status: 400, body: { errors: [{ message: 'no', extensions: { code: 'VALIDATION_FAILED' } }] } }),
  ).toEqual([]);
  expect(
    judge(
      { status: 400, body: { errors: [{ message: 'bad', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } },
      [],
    ).valid,
  ).toBe(false);
});

test('the fixtures give both tenants a row of every Node type to aim at', () => {
  expect(emptyTypes(engine.pools)).toEqual([]);
});

test("asCreatorB and anonymous: every root field, aimed at tenant A's rows, gets a typed answer and changes nothing of A's", async () => {
  const before = known();
  const fingerprint = await fingerprintOf(world.owner, world.creators.A);
  await run.runAll(fieldPlan(engine, roots, ['asCreatorB', 'anonymous']));
  expect(await fingerprintOf(world.owner, world.creators.A)).toEqual(fingerprint);
  expectNoNewFindings(before);
});

test('asPartner: the persisted operations with fuzzed variables get typed answers, and any other document is refused with a typed code', async () => {
  const before = known();
  await run.runAll(partnerPlan(engine, manifest.byHash.values()));
  // Documents a partner may not run: every root field's, sent as text.
  for (const root of byKind('query', 'mutation')) {
    const [args] = fc.sample(
      argumentsArbitrary(root.field.args, {
        pools: engine.pools,
        aim: { own: 'A', other: 'B', crossWeight: 10 },
        rootField: root.name,
      }),
      { seed: config.seed, numRuns: 1 },
    );
    const { document, variables } = buildOperation(root, engine.selections.get(keyOf(root))!, args!, 0);
    const answer = await callHttp(world, 'asPartner', { document, variables });
    const verdict = judge(answer, []);
    const body = answer.body as { data?: unknown };
    // Refused at the gate, or, for a body over the 1 MiB limit, before it (nothing read, nothing run).
    const refused =
      verdict.codes.includes('PERSISTED_QUERY_NOT_ALLOWED') ||
      (answer.status === 413 && verdict.codes.includes('PAYLOAD_TOO_LARGE'));
    if (verdict.problems.length > 0 || !refused || body.data != null) {
      extraFindings.push(
        `asPartner sent ${keyOf(root)} as text: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
    }
  }
  expect(extraFindings).toEqual([]);
  expectNoNewFindings(before);
});

test("asCreatorA and asAdmin: every root field, with A's own rows, B's rows and malformed ids, gets a typed answer", async () => {
  const before = known();
  // Subscriptions kept open while the mutations run: every event they push is checked too.
  const programId = engine.pools.ids.A.get('Program')![0];
  const listeners = byKind('subscription').map((root) => {
    const args = root.field.args.some((a) => a.name === 'programId') ? { programId } : {};
    const { document, variables } = buildOperation(root, engine.selections.get(keyOf(root))!, args, 0);
    return { root, ...engine.sockets.listen('asCreatorA', document, variables) };
  });
  await run.runAll(fieldPlan(engine, roots, ['asCreatorA', 'asAdmin']));
  for (const listener of listeners) {
    listener.stop();
    const verdict = judge({ body: listener.messages }, []);
    for (const problem of verdict.problems)
      extraFindings.push(
        `listener ${keyOf(listener.root)} as asCreatorA: ${problem.kind} ${problem.detail}: ${JSON.stringify(listener.messages).slice(0, 300)}`,
      );
  }
  run.sweepLogs();
  expectNoNewFindings(before);
});

test(`coverage: every root field of schema.graphql was called at least FUZZ_MIN_CALLS times by each applicable actor, with arguments that passed validation`, () => {
  expect(uncovered()).toEqual([]);
});

test('afterwards the server is alive: /healthz, /readyz, and asCreatorA reads its account', async () => {
  const base = world.server.url.replace(/\/graphql$/, '');
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const { status, body } = await world.server.gql<{ me: { id: string } }>(
    `{ me { id } }`,
    {},
    { token: world.tokens.A },
  );
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data?.me?.id).toEqual(expect.any(String));
});
