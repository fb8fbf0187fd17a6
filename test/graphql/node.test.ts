// Relay's node(id) and nodes(ids) over the real server: every entity type resolves for its
// owner (with its parent relations), is null for the other tenant and for anonymous callers,
// and ids that are malformed, of a type that does not exist, or of a type that is not a Node
// give null or a clean client error -- never an internal server error.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { useApiHarness, gid, NODES } from '../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, asCreatorB } = api;
const { read } = api.withTokens;

/** Every Node type, the table its rows live in, and a parent relation to follow (GraphQL field -> typename). */
const NODE_TYPES: Record<string, { table: string; parent?: [field: string, type: string, column: string] }> = {
  Creator: { table: 'creators' },
  User: { table: 'users' },
  UserProfile: { table: 'user_profiles', parent: ['user', 'User', 'user_id'] },
  UserSession: { table: 'user_sessions', parent: ['user', 'User', 'user_id'] },
  UserInteraction: { table: 'user_interactions', parent: ['user', 'User', 'user_id'] },
  Program: { table: 'programs' },
  ProgramEnrollment: { table: 'program_enrollments', parent: ['program', 'Program', 'program_id'] },
  Conversation: { table: 'conversations', parent: ['user', 'User', 'user_id'] },
  Message: { table: 'messages', parent: ['conversation', 'Conversation', 'conversation_id'] },
  Badge: { table: 'badges' },
  UserBadge: { table: 'user_badges', parent: ['badge', 'Badge', 'badge_id'] },
  Achievement: { table: 'achievements', parent: ['user', 'User', 'user_id'] },
  EngagementMetric: { table: 'engagement_metrics' },
  ProgramAnalytic: { table: 'program_analytics', parent: ['program', 'Program', 'program_id'] },
  KnowledgeBase: { table: 'knowledge_bases' },
  Document: { table: 'documents', parent: ['knowledgeBase', 'KnowledgeBase', 'knowledge_base_id'] },
  DocumentChunk: { table: 'document_chunks', parent: ['document', 'Document', 'document_id'] },
  Channel: { table: 'channels' },
  WidgetConfig: { table: 'widget_configs' },
  BillingSubscription: { table: 'subscriptions' },
  UsageRecord: { table: 'usage_tracking' },
  AuditLog: { table: 'audit_log' },
  SecurityAuditLog: { table: 'security_audit_logs' },
  ApiUsageLog: { table: 'api_usage_logs', parent: ['apiKey', 'ApiKey', 'api_key_id'] },
  ApiKey: { table: 'api_keys' },
};
const TYPES = Object.keys(NODE_TYPES).sort();

/** For each type, one row of each tenant: { id, parentId }. */
type Sample = { id: string; parentId?: string };
const samples: Record<'A' | 'B', Record<string, Sample>> = { A: {}, B: {} };

beforeAll(async () => {
  for (const [who, creatorId] of [
    ['A', api.tenants.creatorA],
    ['B', api.tenants.creatorB],
  ] as const) {
    for (const [type, { table, parent }] of Object.entries(NODE_TYPES)) {
      const tenantColumn = table === 'creators' ? 'id' : 'creator_id';
      const { rows } = await api.owner.query(
        `SELECT id${parent ? `, ${parent[2]} AS parent_id` : ''} FROM ${table} WHERE ${tenantColumn} = $1 ORDER BY id LIMIT 1`,
        [creatorId],
      );
      expect(rows).toHaveLength(1);
      samples[who][type] = { id: rows[0].id, parentId: rows[0].parent_id ?? undefined };
    }
  }
});

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** One fragment per type that has a parent relation: the parent's id. */
const PARENT_FRAGMENTS = Object.entries(NODE_TYPES)
  .filter(([, t]) => t.parent)
  .map(([type, t]) => `... on ${type} { ${t.parent![0]} { __typename id } }`)
  .join('\n');
const NODE = /* GraphQL */ `query Node($id: ID!) { node(id: $id) { __typename id ${PARENT_FRAGMENTS} } }`;

const globalIdOf = (who: 'A' | 'B', type: string) => gid(type, samples[who][type]!.id);

// ------------------------------------------------------------------------------------------
// Coverage of the schema
// ------------------------------------------------------------------------------------------

test('this suite covers every type that implements Node in schema.graphql', () => {
  const schema = fs.readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8');
  const nodeTypes = [...schema.matchAll(/^type (\w+) implements ([\w &]+) \{/gm)]
    .filter((m) =>
      m[2]!
        .split('&')
        .map((s) => s.trim())
        .includes('Node'),
    )
    .map((m) => m[1]!);
  expect(nodeTypes.sort()).toEqual(TYPES);
});

// ------------------------------------------------------------------------------------------
// node(id)
// ------------------------------------------------------------------------------------------

describe('node(id)', () => {
  test.each(TYPES)("asCreatorA: A's %s resolves, with its parent relation", async (type) => {
    const id = globalIdOf('A', type);
    const data = await read(asCreatorA(), NODE, { id });
    expect(data.node).toEqual(expect.objectContaining({ __typename: type, id }));
    const parent = NODE_TYPES[type]!.parent;
    if (parent)
      expect(data.node[parent[0]]).toEqual({ __typename: parent[1], id: gid(parent[1], samples.A[type]!.parentId!) });
  });

  test.each(TYPES)("asCreatorB: A's %s is null", async (type) => {
    expect(await read(asCreatorB(), NODE, { id: globalIdOf('A', type) })).toEqual({ node: null });
  });

  test.each(TYPES)("asCreatorA: B's %s is null", async (type) => {
    expect(await read(asCreatorA(), NODE, { id: globalIdOf('B', type) })).toEqual({ node: null });
  });

  test.each(TYPES)("asAnonymous: A's %s is not revealed (null, or UNAUTHENTICATED)", async (type) => {
    const { body } = await api.server.gql<{ node: unknown }>(NODE, { id: globalIdOf('A', type) });
    expect(body.data?.node ?? null).toBeNull();
    for (const error of body.errors ?? []) expect(error.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('asCreatorA: an id of another type for the same uuid is null (the type in the id matters)', async () => {
    expect(await read(asCreatorA(), NODE, { id: gid('User', samples.A.Badge!.id) })).toEqual({ node: null });
    expect(await read(asCreatorA(), NODE, { id: gid('Program', samples.A.Badge!.id) })).toEqual({ node: null });
  });

  test('asCreatorA: a well-formed id of a row that does not exist is null', async () => {
    expect(await read(asCreatorA(), NODE, { id: gid('Badge', crypto.randomUUID()) })).toEqual({ node: null });
  });
});

// ------------------------------------------------------------------------------------------
// nodes(ids)
// ------------------------------------------------------------------------------------------

describe('nodes(ids)', () => {
  test("asCreatorA: every one of A's ids resolves, in order", async () => {
    const ids = TYPES.map((t) => globalIdOf('A', t));
    const data = await read(asCreatorA(), NODES, { ids });
    expect(data.nodes).toEqual(TYPES.map((t, i) => ({ __typename: t, id: ids[i] })));
  });

  test("asCreatorB: every one of A's ids is null, and B's own ids among them still resolve", async () => {
    const mixed = TYPES.flatMap((t) => [globalIdOf('A', t), globalIdOf('B', t)]);
    const data = await read(asCreatorB(), NODES, { ids: mixed });
    expect(data.nodes).toEqual(TYPES.flatMap((t) => [null, { __typename: t, id: globalIdOf('B', t) }]));
  });

  test('asCreatorA: more than 100 ids is a clean client error, not a server error', async () => {
    const ids = Array.from({ length: 101 }, () => globalIdOf('A', 'Badge'));
    const { status, body } = await api.server.gql(NODES, { ids }, { token: asCreatorA() });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const hundred = await read(asCreatorA(), NODES, { ids: ids.slice(0, 100) });
    expect(hundred.nodes).toHaveLength(100);
  });

  test('asAnonymous: nothing is revealed', async () => {
    const { body } = await api.server.gql<{ nodes: unknown[] | null }>(NODES, {
      ids: TYPES.map((t) => globalIdOf('A', t)),
    });
    for (const n of body.data?.nodes ?? []) expect(n).toBeNull();
    for (const error of body.errors ?? []) expect(error.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// ------------------------------------------------------------------------------------------
// Ids that are not ids
// ------------------------------------------------------------------------------------------

describe('malformed ids and ids of types that do not exist', () => {
  const cases: [string, () => string][] = [
    ['not base64 at all', () => 'not-a-global-id!!'],
    ['base64 without a type separator', () => b64('garbage')],
    ['an empty string', () => ''],
    ['a raw uuid (not a global id)', () => samples.A.Badge!.id],
    ['a Node type with an id that is not a uuid', () => b64('Badge:123')],
    ['a Node type with an SQL-looking id', () => b64("Badge:1' OR '1'='1")],
    ['a type that does not exist', () => gid('Nope', samples.A.Badge!.id)],
    ['a type that exists but is not a Node (WidgetConfig)', () => gid('WidgetConfig', samples.A.Badge!.id)],
    ['a root type (Query)', () => gid('Query', samples.A.Badge!.id)],
  ];

  // An id that does not decode to a Node type and a uuid names nothing: null, not an error.
  test.each(cases)('asCreatorA: node(%s) is null, with no error', async (_name, makeId) => {
    const { status, body } = await api.server.gql<{ node: unknown }>(NODE, { id: makeId() }, { token: asCreatorA() });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { node: null } });
  });

  test.each(cases)(
    'asCreatorA: nodes([valid, %s]) resolves the valid id and gives null for the other, with no error',
    async (_name, makeId) => {
      const valid = globalIdOf('A', 'Badge');
      const { status, body } = await api.server.gql<{ nodes: unknown[] }>(
        NODES,
        { ids: [valid, makeId()] },
        { token: asCreatorA() },
      );
      expect(status).toBe(200);
      expect(body).toEqual({ data: { nodes: [{ __typename: 'Badge', id: valid }, null] } });
    },
  );

  test('asCreatorA: an error for a bad id does not leak internals (SQL, stack, Prisma)', async () => {
    for (const [, makeId] of cases) {
      const { body } = await api.server.gql(NODE, { id: makeId() }, { token: asCreatorA() });
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/prisma|stacktrace|SELECT |invalid input syntax|\bat \w+ \(/i);
    }
  });
});
