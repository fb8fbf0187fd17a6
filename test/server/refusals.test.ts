// Refusals at the door (src/server/refusals.ts): a client refused for its request rate is refused
// again, until its Retry-After, before its body is parsed or Apollo sees it, and the answer is
// held back (REFUSAL_DELAY_MS), so that resending at once gains nothing. Before the door, a free
// tenant's refused requests still cost a parse, a validation and a rate check each, and at full
// speed they took the core another tenant's requests needed (bench/results/*-fairness.md).
import { useDatabase, useServer } from '../helpers/harness';

const DELAY_MS = 200;
const RATE = 10;

const database = useDatabase();
beforeAll(async () => {
  // Ada is on the pro plan: 10 requests a minute for this file; Grace (starter) keeps 3,000.
  await database.owner.query(`UPDATE plan_limits SET api_requests_per_minute = $1 WHERE tier = 'pro'`, [RATE]);
  // Grace (starter): 300 cost units a minute, so that a page of 100 users is soon refused for cost.
  await database.owner.query(`UPDATE plan_limits SET cost_per_minute = 300 WHERE tier = 'starter'`);
});
const api = useServer(database, {
  env: { TRUST_PROXY: '1', AUTH_RATE_PER_SOURCE: '3', REFUSAL_DELAY_MS: String(DELAY_MS) },
});

async function post(body: object, headers: Record<string, string> = {}) {
  const response = await fetch(api.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: { message: string; extensions: { code: string; retryAfter?: number } }[];
    },
  };
}

/** Requests refused at the door so far, from /metrics. */
async function refusedAtDoor(): Promise<number> {
  const text = await (await fetch(api.server.url.replace('/graphql', '/metrics'))).text();
  return Number(/creatorgraph_rate_limited_total\{scope="door"\} (\d+)/.exec(text)?.[1] ?? 0);
}

const bearer = (creatorId: string) => ({ authorization: `Bearer ${api.server.tokenFor(creatorId)}` });

test('asCreatorA over its request rate: refused at the door until Retry-After, with the same answer; asCreatorB is served meanwhile', async () => {
  const A = bearer(api.tenants.creatorA);
  let refusedByRate: Awaited<ReturnType<typeof post>> | undefined;
  for (let i = 0; i < RATE + 1 && !refusedByRate; i++) {
    const answer = await post({ query: '{ me { id } }' }, A);
    if (answer.status === 429) refusedByRate = answer;
  }
  expect(refusedByRate?.body.errors?.[0]?.message).toMatch(/the plan allows 10 requests a minute/);
  const before = await refusedAtDoor();
  for (let i = 0; i < 5; i++) {
    const answer = await post({ query: '{ me { id } programs(first: 1) { totalCount } }' }, A);
    expect(answer.status).toBe(429);
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(answer.body.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: Number(answer.retryAfter),
    });
    expect(answer.body.errors![0]!.message).toMatch(
      /^Too many requests: the plan allows 10 requests a minute\. Retry in \d+ s\.$/,
    );
    // asCreatorB: another tenant is not behind A's door.
    const other = await post({ query: '{ me { id } }' }, bearer(api.tenants.creatorB));
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  }
  expect((await refusedAtDoor()) - before).toBe(5);
});

test('anonymous: an address over its auth calls is refused at the door whatever it asks; other addresses, and signed-in requests from it, are not', async () => {
  const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
  const logIn = { query: 'mutation { logIn(email: "nobody@example.com", password: "wrong-password") { __typename } }' };
  for (let i = 0; i < 3; i++) expect((await post(logIn, from('203.0.113.9'))).status).toBe(200);
  const byGuard = await post(logIn, from('203.0.113.9'));
  expect(byGuard.status).toBe(429);
  const before = await refusedAtDoor();
  const atDoor = await post({ query: '{ __typename }' }, from('203.0.113.9'));
  expect(atDoor.status).toBe(429);
  expect(atDoor.body.errors![0]!.extensions.code).toBe('RATE_LIMITED');
  expect(atDoor.body.errors![0]!.message).toMatch(/from this address/);
  expect((await refusedAtDoor()) - before).toBe(1);
  // anonymous from elsewhere, and asCreatorB from the same address: served.
  expect((await post({ query: '{ __typename }' }, from('203.0.113.10'))).status).toBe(200);
  const signedIn = await post({ query: '{ me { id } }' }, from('203.0.113.9', bearer(api.tenants.creatorB)));
  expect(signedIn.status).toBe(200);
  expect(signedIn.body.errors).toBeUndefined();
});

/**
 * A client that resends at once: 4 connections in a closed loop for 2 s. Every answer must be a
 * refusal `isRefusal` accepts, and held back: answered at once, a loop on this machine sends
 * hundreds a second; held back, at most one per delay and connection (a slower machine only
 * sends fewer).
 */
async function expectHeldBack(
  send: () => Promise<Awaited<ReturnType<typeof post>>>,
  isRefusal: (answer: Awaited<ReturnType<typeof post>>) => boolean,
) {
  const workers = 4;
  const seconds = 2;
  const stopAt = Date.now() + seconds * 1000;
  let sent = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < stopAt) {
        sent++;
        if (isRefusal(await send())) refused++;
      }
    }),
  );
  expect(refused).toBe(sent);
  expect(sent).toBeLessThanOrEqual(workers * (Math.ceil((seconds * 1000) / DELAY_MS) + 1));
}

test('anonymous: a client that resends refusals at once gets at most one answer per connection per REFUSAL_DELAY_MS', async () => {
  const source = { 'x-forwarded-for': '203.0.113.50' };
  const logIn = { query: 'mutation { logIn(email: "nobody@example.com", password: "wrong-password") { __typename } }' };
  for (let i = 0; i < 4; i++) await post(logIn, source);
  await expectHeldBack(
    () => post(logIn, source),
    (answer) => answer.status === 429,
  );
});

test('asCreatorB refused for its cost rate: the 429 is held back too, but not kept at the door, so a cheap request still passes', async () => {
  const B = bearer(api.tenants.creatorB);
  const costly = { query: '{ users(first: 100) { nodes { id } } }' };
  let refusedForCost = false;
  for (let i = 0; i < 5 && !refusedForCost; i++) refusedForCost = (await post(costly, B)).status === 429;
  expect(refusedForCost).toBe(true);
  await expectHeldBack(
    () => post(costly, B),
    (answer) => answer.status === 429 && answer.body.errors![0]!.message.includes('cost units'),
  );
  const cheap = await post({ query: '{ me { id } }' }, B);
  expect(cheap.status).toBe(200);
  expect(cheap.body.errors).toBeUndefined();
});
