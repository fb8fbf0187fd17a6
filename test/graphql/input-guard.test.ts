// Client mistakes at the edge: text PostgreSQL cannot store (NUL, unpaired surrogates) is the
// client's mistake, so each gets a typed answer naming the argument (never INTERNAL_SERVER_ERROR),
// and nothing is written. Clean values near the edges still work end to end.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useApiHarness, gid, expectValidation, ERRORS, type Json } from '../helpers/api';
import {
  NUL,
  LONE,
  CREATE_USER,
  CREATE_PROGRAM,
  SEND_MESSAGE,
  SIGN_UP,
  topError,
  inputGuardFixtures,
} from './input-guard-fixtures';

const api = useApiHarness();
const { send, mutate, one } = api;

const { counts } = inputGuardFixtures(api);

describe('text PostgreSQL cannot store', () => {
  test.each([
    ['a NUL in a name', { channel: 'WEB', externalId: 'nul-1', displayName: NUL }, ['input.displayName']],
    [
      'a NUL in a JSON value, deep down',
      { channel: 'WEB', externalId: 'nul-2', profileData: { a: [{ b: NUL }] } },
      ['input.profileData.a.0.b'],
    ],
    [
      'a NUL in a JSON key',
      { channel: 'WEB', externalId: 'nul-3', preferences: { nested: { ['k\u0000']: 1 } } },
      ['input.preferences.nested'],
    ],
    [
      'an unpaired surrogate in a name (it would be stored as U+FFFD)',
      { channel: 'WEB', externalId: 'lone-1', displayName: LONE },
      ['input.displayName'],
    ],
    [
      'an unpaired surrogate in a JSON value',
      { channel: 'WEB', externalId: 'lone-2', profileData: { a: LONE } },
      ['input.profileData.a'],
    ],
    [
      'NULs in two fields at once',
      { channel: 'WEB', externalId: NUL, email: `x${NUL}@example.com` },
      ['input.externalId', 'input.email'],
    ],
  ])(
    'asCreatorA: createUser with %s is a ValidationError naming the field; nothing is written',
    async (_what, input, paths) => {
      const before = await counts();
      expectValidation(await mutate('asCreatorA', CREATE_USER, 'createUser', { input }), paths);
      expect(await counts()).toEqual(before);
    },
  );

  test('asCreatorA: a JSON number past the double range (1e999, stored as null before) is refused; nothing is written', async () => {
    const before = await counts();
    const document = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ${ERRORS} } }`;
    // Sent as raw JSON: JSON.stringify cannot write 1e999, and JSON.parse reads it as Infinity.
    const response = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.asCreatorA()}` },
      body: `{"query":${JSON.stringify(document)},"variables":{"input":{"channel":"WEB","externalId":"inf-1","profileData":{"a":[1e999]}}}}`,
    });
    expectValidation(((await response.json()) as Json).data.createUser, ['input.profileData.a.0']);
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['null', '{"context":{"__proto__":null}}'],
    ['an object, deep down', '{"context":{"a":[{"__proto__":{"polluted":true}}]}}'],
  ])(
    'asCreatorA: a JSON key "__proto__" (%s) is refused naming the object; nothing is written (Prisma turned it into a 500)',
    async (_what, input) => {
      const conversation = (await one(`SELECT id, context::text FROM conversations WHERE creator_id = $1 LIMIT 1`, [
        api.tenants.creatorA,
      ]))!;
      const result = await mutate(
        'asCreatorA',
        `mutation($id: ID!, $input: UpdateConversationInput!) { updateConversation(id: $id, input: $input) { __typename ${ERRORS} } }`,
        'updateConversation',
        { id: gid('Conversation', conversation.id), input: JSON.parse(input) },
      );
      expectValidation(result, [input.includes('"a"') ? 'input.context.a.0' : 'input.context']);
      expect((await one(`SELECT context::text FROM conversations WHERE id = $1`, [conversation.id]))!.context).toBe(
        conversation.context,
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  test('asCreatorA: a surrogate pair (an emoji) is fine', async () => {
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { channel: 'WEB', externalId: 'emoji-1', displayName: 'Ana 😀', profileData: { '😀': '😀' } },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    expect((await one(`SELECT display_name FROM users WHERE external_id = 'emoji-1'`))!.display_name).toBe('Ana 😀');
  });

  test('asCreatorA: a NUL in a program name, written as a literal in the document, is refused; nothing is written', async () => {
    const before = await counts();
    const { body } = await send(
      'asCreatorA',
      `mutation { createProgram(input: { name: "x\\u0000y" }) { __typename ${ERRORS} } }`,
    );
    expectValidation((body.data as Json).createProgram, ['input.name']);
    expectValidation(
      await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input: { name: 'ok', settings: { [NUL]: true } } }),
      ['input.settings'],
    );
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: a NUL in message content is refused; nothing is written', async () => {
    const conversation = (await one(`SELECT id FROM conversations WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!.id as string;
    const before = await counts();
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation), content: `hello ${NUL}` },
    });
    expectValidation(result, ['input.content']);
    expect(await counts()).toEqual(before);
  });

  test('anonymous: signUp with a NUL in the company name is refused; no creator is made', async () => {
    const before = await counts();
    const result = await mutate('asAnonymous', SIGN_UP, 'signUp', {
      input: { email: 'nul-company@example.com', password: 'long enough password', companyName: `Acme${NUL}` },
    });
    expectValidation(result, ['input.companyName']);
    expect(await counts()).toEqual(before);
    expect(await one(`SELECT id FROM creators WHERE email = 'nul-company@example.com'`)).toBeUndefined();
  });

  test('asCreatorA: a NUL in a search string or in JSON dimensions of a query is VALIDATION_FAILED naming the argument', async () => {
    const search = await send('asCreatorA', `query($f: UserFilter) { users(filter: $f) { totalCount } }`, {
      f: { search: NUL },
    });
    expect(topError(search.body)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['filter.search'] });
    const series = await send(
      'asCreatorA',
      `query($d: JSONObject) { engagementSeries(metricType: "x", from: "2026-01-01", to: "2026-01-02", dimensions: $d) { value } }`,
      { d: { a: NUL } },
    );
    expect(topError(series.body)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['dimensions.a'] });
  });

  test('asCreatorA: a subscription whose argument holds a NUL is refused with VALIDATION_FAILED over WebSocket', async () => {
    const client = createClient({
      url: api.server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorA()}` },
      retryAttempts: 0,
    });
    try {
      const answer = await new Promise<unknown>((resolve) => {
        // Only a bound on a missing answer (well inside the test's own 30 s): a busy machine
        // may take seconds to connect and answer.
        const timer = setTimeout(() => resolve('no answer'), 20_000);
        client.subscribe(
          {
            query: `subscription($t: String) { engagementMetricUpdated(metricType: $t) { id } }`,
            variables: { t: NUL },
          },
          {
            next: (value) => (clearTimeout(timer), resolve(value)),
            error: (error) => (clearTimeout(timer), resolve({ errors: error })),
            complete: () => undefined,
          },
        );
      });
      expect(topError(answer as Json)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['metricType'] });
    } finally {
      await client.dispose();
    }
  });
});
