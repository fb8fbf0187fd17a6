// The plan's API requests per minute over the real server: past it a tenant gets 429 RATE_LIMITED
// with Retry-After, other tenants do not, and operations over a WebSocket count against the same
// rate as HTTP.
import { useApiHarness, type Json } from '../../helpers/api';

const api = useApiHarness({ env: { RATE_LIMITS: 'on' } });
const { sql, one } = api;

test("API requests per minute: past the plan's rate a tenant gets 429 RATE_LIMITED with Retry-After, and other tenants do not", async () => {
  // A new creator on the free plan, whose rate is lowered for this test's database.
  await sql(`UPDATE plan_limits SET api_requests_per_minute = 5 WHERE tier = 'free'`);
  try {
    const signUp = await api.server.gql(
      `mutation { signUp(input: { email: "rate@example.com", password: "correct horse battery staple" }) { ... on AuthPayload { accessToken } } }`,
    );
    const token = (signUp.body.data as Json).signUp.accessToken as string;
    const statuses: number[] = [];
    let refused: Json | undefined;
    for (let i = 0; i < 7; i++) {
      const r = await api.server.gql(`{ me { email } }`, {}, { token });
      statuses.push(r.status);
      if (r.status === 429) refused = { body: r.body, retryAfter: r.headers.get('retry-after') };
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(refused!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused!.body.data ?? null).toBeNull();
    // Creator A's requests are counted apart.
    expect((await api.server.gql(`{ me { email } }`, {}, { token: api.asCreatorA() })).status).toBe(200);
  } finally {
    await sql(`UPDATE plan_limits SET api_requests_per_minute = 1000 WHERE tier = 'free'`);
  }
});
test('operations over a WebSocket count against the same per-minute rate as HTTP', async () => {
  const { createClient } = await import('graphql-ws');
  const { default: WebSocket } = await import('ws');
  await sql(`UPDATE plan_limits SET api_requests_per_minute = 3 WHERE tier = 'free'`);
  try {
    const signUp = await api.server.gql(
      `mutation { signUp(input: { email: "ws-rate@example.com", password: "correct horse battery staple" }) { ... on AuthPayload { accessToken } } }`,
    );
    const token = (signUp.body.data as Json).signUp.accessToken as string;
    for (let i = 0; i < 3; i++) expect((await api.server.gql(`{ me { email } }`, {}, { token })).status).toBe(200);
    const client = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const outcome = await new Promise<Json>((resolve) => {
        client.subscribe(
          { query: `mutation { updateMe(input: { firstName: "Sneaky" }) { __typename } }` },
          { next: (v) => resolve({ next: v }), error: (e) => resolve({ error: e }), complete: () => undefined },
        );
      });
      expect(JSON.stringify(outcome)).toContain('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
    expect(await one(`SELECT first_name FROM creators WHERE email = 'ws-rate@example.com'`)).toEqual({
      first_name: null,
    });
  } finally {
    await sql(`UPDATE plan_limits SET api_requests_per_minute = 1000 WHERE tier = 'free'`);
  }
});
