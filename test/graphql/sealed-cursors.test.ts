// Cursors are opaque and authenticated: every cursor the API hands out is sealed to the
// tenant and to the list it came from, and any `after`/`before` the API did not issue for that
// tenant and list is BAD_USER_INPUT naming the argument, never INTERNAL_SERVER_ERROR and never
// silently ignored. The change feed (userChanges) shows nothing of PostgreSQL's global
// transaction ids. Over real HTTP, as creators, an admin acting on one, and a partner key.
import crypto from 'node:crypto';
import { useApiHarness, uuids, ERRORS, type Json } from '../helpers/api';
import { callAsPartner } from '../helpers/partner';

const api = useApiHarness();
const { send, query, sql, one } = api;

const PAGE = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } nodes { id }`;
const USERS = /* GraphQL */ `query Users($first: Int, $after: String, $last: Int, $before: String) {
  users(first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const PROGRAMS = /* GraphQL */ `query Programs($first: Int, $after: String) { programs(first: $first, after: $after) { ${PAGE} } }`;
const MY_USERS = /* GraphQL */ `query MyUsers($first: Int, $after: String, $last: Int, $before: String) {
  me { users(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }
}`;
const FEED = /* GraphQL */ `
  query Feed($after: String, $first: Int) {
    userChanges(after: $after, first: $first) {
      cursor
      hasMore
      users {
        id
      }
    }
  }
`;
const CREATE_KEY = /* GraphQL */ `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret } } ${ERRORS} }
}`;

/** The response refuses `argument` as a cursor, with nothing else answered. */
function expectBadCursor(
  body: { data?: Json | null; errors?: { message: string; extensions?: Json }[] },
  argument: 'after' | 'before',
) {
  expect(body.errors).toHaveLength(1);
  expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  expect(body.errors![0]!.message).toMatch(new RegExp(`^${argument} is not a cursor`));
  expect(JSON.stringify(body.data ?? null)).not.toMatch(/"id"/);
}

/** A cursor with one character changed in its middle, still base64url. */
function tamper(cursor: string): string {
  const i = Math.floor(cursor.length / 2);
  return cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
}

const usersOfA = async () =>
  (await sql(`SELECT id FROM users WHERE creator_id = $1`, [api.tenants.creatorA])).map((r) => r.id as string).sort();
const usersTable = async () => JSON.stringify(await sql(`SELECT id, updated_at, change_xid FROM users ORDER BY id`));

describe('connection cursors are sealed', () => {
  test('asCreatorA: a cursor is opaque (no Pothos prefix, no row id), fresh each time, and endCursor is the last edge cursor', async () => {
    const first = (await query('asCreatorA', USERS, { first: 3 })).users;
    const again = (await query('asCreatorA', USERS, { first: 3 })).users;
    expect(first.nodes).toEqual(again.nodes);
    expect(first.pageInfo.endCursor).toBe(first.edges[2].cursor);
    expect(first.pageInfo.startCursor).toBe(first.edges[0].cursor);
    expect(first.pageInfo.endCursor).not.toBe(again.pageInfo.endCursor);
    for (const cursor of [first.pageInfo.endCursor, ...first.edges.map((e: Json) => e.cursor)]) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      for (const encoding of ['base64url', 'base64'] as const) {
        const text = Buffer.from(cursor, encoding).toString('latin1');
        expect(text).not.toContain('GPC');
        for (const id of uuids(first.nodes)) expect(text).not.toContain(id);
      }
    }
  });

  test('asCreatorA walks every page of a root and a nested connection forwards and backwards: no row twice, none missing', async () => {
    const expected = await usersOfA();
    expect(expected.length).toBeGreaterThan(6);
    for (const [document, pick] of [
      [USERS, (d: Json) => d.users],
      [MY_USERS, (d: Json) => d.me.users],
    ] as const) {
      const forwards: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const conn: Json = pick(await query('asCreatorA', document, { first: 4, after }));
        forwards.push(...uuids(conn.nodes));
        expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(new Set(forwards).size).toBe(forwards.length);
      expect([...forwards].sort()).toEqual(expected);

      const backwards: string[] = [];
      let before: string | null = null;
      for (let page = 0; page < 50; page++) {
        const conn: Json = pick(await query('asCreatorA', document, { last: 4, before }));
        backwards.unshift(...uuids(conn.nodes));
        if (!conn.pageInfo.hasPreviousPage) break;
        before = conn.pageInfo.startCursor;
      }
      expect(backwards).toEqual(forwards);
    }
  });

  test('asCreatorA: garbage, truncated or tampered `after`/`before` on a root connection is BAD_USER_INPUT', async () => {
    const real = (await query('asCreatorA', USERS, { first: 2 })).users.pageInfo.endCursor as string;
    for (const bad of [
      'garbage',
      '',
      'R1BDOlM6bm9wZQ==',
      real.slice(0, -6),
      real.slice(0, 10),
      tamper(real),
      `${real}A`,
    ]) {
      expectBadCursor((await send('asCreatorA', USERS, { first: 2, after: bad })).body, 'after');
      expectBadCursor((await send('asCreatorA', USERS, { last: 2, before: bad })).body, 'before');
    }
  });

  test('asCreatorA: garbage, truncated or tampered `after` on a nested connection is BAD_USER_INPUT', async () => {
    const real = (await query('asCreatorA', MY_USERS, { first: 2 })).me.users.pageInfo.endCursor as string;
    for (const bad of ['garbage', real.slice(0, -6), tamper(real)]) {
      expectBadCursor((await send('asCreatorA', MY_USERS, { first: 2, after: bad })).body, 'after');
    }
    // Inline, not a variable: the nested connection's arguments are read while its parent plans its query.
    expectBadCursor(
      (await send('asCreatorA', `{ me { users(first: 2, after: "${tamper(real)}") { nodes { id } } } }`)).body,
      'after',
    );
  });

  test("asCreatorB replaying creator A's cursors is BAD_USER_INPUT, and sees nothing of A's", async () => {
    const root = (await query('asCreatorA', USERS, { first: 2 })).users.pageInfo.endCursor;
    const nested = (await query('asCreatorA', MY_USERS, { first: 2 })).me.users.pageInfo.endCursor;
    expectBadCursor((await send('asCreatorB', USERS, { first: 2, after: root })).body, 'after');
    expectBadCursor((await send('asCreatorB', USERS, { last: 2, before: root })).body, 'before');
    expectBadCursor((await send('asCreatorB', MY_USERS, { first: 2, after: nested })).body, 'after');
  });

  test('a cursor of one connection is BAD_USER_INPUT on another, even over the same rows', async () => {
    const nested = (await query('asCreatorA', MY_USERS, { first: 2 })).me.users.pageInfo.endCursor;
    const root = (await query('asCreatorA', USERS, { first: 2 })).users.pageInfo.endCursor;
    const program = (await query('asCreatorA', PROGRAMS, { first: 1 })).programs.pageInfo.endCursor;
    expectBadCursor((await send('asCreatorA', USERS, { first: 2, after: nested })).body, 'after');
    expectBadCursor((await send('asCreatorA', MY_USERS, { first: 2, after: root })).body, 'after');
    expectBadCursor((await send('asCreatorA', USERS, { first: 2, after: program })).body, 'after');
  });

  test("an admin acting on creator A pages with A's cursors; acting on B it is refused", async () => {
    const token = api.server.tokenFor(crypto.randomUUID(), 'admin');
    const actingOn = (creatorId: string) => ({
      token,
      headers: { 'x-act-as-creator': creatorId, 'x-admin-reason': 'cursor test' },
    });
    const page1 = (await query('asCreatorA', USERS, { first: 2 })).users;
    const asAdmin = await api.server.gql<Json>(
      USERS,
      { first: 2, after: page1.pageInfo.endCursor },
      actingOn(api.tenants.creatorA),
    );
    expect(asAdmin.body.errors).toBeUndefined();
    const page2 = (await query('asCreatorA', USERS, { first: 2, after: page1.pageInfo.endCursor })).users;
    expect(asAdmin.body.data!.users.nodes).toEqual(page2.nodes);
    expectBadCursor(
      (await api.server.gql<Json>(USERS, { first: 2, after: page1.pageInfo.endCursor }, actingOn(api.tenants.creatorB)))
        .body,
      'after',
    );
  });
});

describe('the change feed (userChanges)', () => {
  // The format the feed used to hand out: base64url JSON of [global transaction id, user id].
  const legacy = (xid: string, id: string) => Buffer.from(JSON.stringify([xid, id])).toString('base64url');

  test('asCreatorA: the cursor is opaque and shows no global transaction id: two cursors for the same state differ', async () => {
    const one1 = (await query('asCreatorA', FEED, { first: 500 })).userChanges;
    const one2 = (await query('asCreatorA', FEED, { first: 500 })).userChanges;
    expect(one1.users).toEqual(one2.users);
    expect(one1.cursor).not.toBe(one2.cursor);
    expect(one1.cursor.length).toBe(one2.cursor.length);
    // The transaction id the feed's position is made of, in decimal and as 8 bytes: neither shows.
    // (Matching a prefix of it could not be relied on: in a fresh database it is a few digits,
    // which random ciphertext contains by chance.)
    const xid = (await one(`SELECT max(change_xid)::text AS xid FROM users`))!.xid as string;
    const xidBytes = Buffer.alloc(8);
    xidBytes.writeBigInt64BE(BigInt(xid));
    for (const cursor of [one1.cursor, one2.cursor]) {
      const bytes = Buffer.from(cursor, 'base64url');
      expect(() => JSON.parse(bytes.toString('utf8'))).toThrow();
      expect(bytes.toString('latin1')).not.toContain(xid);
      expect(bytes.includes(xidBytes)).toBe(false);
      for (const id of uuids(one1.users)) expect(bytes.toString('latin1')).not.toContain(id);
    }
    // Caught up, the cursor it was given comes back: it still resumes from the same place.
    const idle = (await query('asCreatorA', FEED, { after: one1.cursor })).userChanges;
    expect(idle).toEqual({ cursor: one1.cursor, hasMore: false, users: [] });
  });

  test('asCreatorA: a malformed, truncated, tampered or out-of-range cursor is BAD_USER_INPUT, and nothing is written', async () => {
    const before = await usersTable();
    const real = (await query('asCreatorA', FEED, { first: 1 })).userChanges.cursor as string;
    const user = (await usersOfA())[0]!;
    for (const bad of [
      'garbage',
      real.slice(0, -4),
      tamper(real),
      legacy('9999999999999999999', user),
      legacy('1', '------------------------------------'),
      legacy('0', user),
    ]) {
      expectBadCursor((await send('asCreatorA', FEED, { after: bad })).body, 'after');
    }
    expect(await usersTable()).toBe(before);
  });

  test("asCreatorB using creator A's feed cursor is BAD_USER_INPUT and sees none of A's users", async () => {
    const cursor = (await query('asCreatorA', FEED, { first: 1 })).userChanges.cursor;
    expectBadCursor((await send('asCreatorB', FEED, { after: cursor })).body, 'after');
  });

  describe('asPartner (PartnerUserChanges, by hash)', () => {
    const keyOf = async (actor: 'asCreatorA' | 'asCreatorB') =>
      (await query(actor, CREATE_KEY, { input: { name: 'feed', scopes: ['READ', 'WRITE'] } })).createApiKey.data
        .secret as string;
    const feed = (key: string, variables: Json) => callAsPartner(api.server.url, key, 'PartnerUserChanges', variables);

    test("a malformed, out-of-range or other tenant's cursor is BAD_USER_INPUT; its own pages on", async () => {
      const keyA = await keyOf('asCreatorA');
      const keyB = await keyOf('asCreatorB');
      const before = await usersTable();
      const page = await feed(keyA, { first: 2 });
      expect(page.body.errors).toBeUndefined();
      const cursor = page.body.data.userChanges.cursor as string;
      const next = await feed(keyA, { first: 2, after: cursor });
      expect(next.body.errors).toBeUndefined();
      expect(next.body.data.userChanges.users).not.toContainEqual(page.body.data.userChanges.users[0]);
      const user = (await usersOfA())[0]!;
      for (const bad of [
        'garbage',
        tamper(cursor),
        legacy('9999999999999999999', user),
        legacy('1', '------------------------------------'),
      ]) {
        expectBadCursor((await feed(keyA, { after: bad })).body, 'after');
      }
      expectBadCursor((await feed(keyB, { after: cursor })).body, 'after');
      // A creator's own cursor works for its key (same tenant), not for the other tenant's.
      const creatorCursor = (await query('asCreatorB', FEED, { first: 1 })).userChanges.cursor;
      expect((await feed(keyB, { after: creatorCursor })).body.errors).toBeUndefined();
      expectBadCursor((await feed(keyA, { after: creatorCursor })).body, 'after');
      expect(await usersTable()).toBe(before);
    });
  });
});
