// The attacks of npm run bench:fairness (issue 16's vectors), each a closed loop of concurrent
// workers that send as fast as the server answers until `stopAt`. The attacker is a free tenant
// that signs up through the API, from its own client address (X-Forwarded-For behind
// TRUST_PROXY=1); its anonymous attacks aim at the victim's account and the platform admin's.
import crypto from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loop, must, refusalCode, send, type Attacker, type Outcomes } from './fairness-requests';

/** Criteria with `rules` rules: anyOf groups of up to 20 (the shape the attacker used, about 2,000 rules). */
function heavyCriteria(rules: number): object {
  const rule = (i: number) => ({ type: 'messages_sent', count: 1_000 + i });
  if (rules <= 20) return { anyOf: Array.from({ length: rules }, (_, i) => rule(i)) };
  return {
    anyOf: Array.from({ length: Math.ceil(rules / 20) }, (_, g) => ({
      allOf: Array.from({ length: 20 }, (_, i) => rule(g * 20 + i)),
    })),
  };
}

export interface Attack {
  vectors: Record<string, () => Promise<Outcomes>>;
  /** What the server refused while the attacker prepared (heavy badges), by code. */
  setupRefusals: Record<string, number>;
  close(): Promise<void>;
}

export async function attackVectors(a: Attacker): Promise<Attack> {
  const password = crypto.randomBytes(12).toString('base64url');
  const email = `attacker-${crypto.randomBytes(4).toString('hex')}@bench.test`;
  const token = await must(
    a,
    '',
    `mutation($input: SignUpInput!) { signUp(input: $input) { ... on AuthPayload { accessToken } ... on Error { code message } } }`,
    { input: { email, password } },
    (d) => d.signUp.accessToken as string,
  );
  const M = (query: string, variables: Record<string, unknown>, field: string) =>
    must(a, token, query, variables, (d) => d[field]);

  const users: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await M(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { ... on CreateUserSuccess { data { id } } } }`,
      { input: { externalId: `attack-${i}`, channel: 'WEB' } },
      'createUser',
    );
    users.push(r.data.id);
  }
  // A flow that loops on a question: every move stores an answer and a history entry.
  const flow = {
    start: 'q',
    steps: [
      { id: 'q', type: 'question', transitions: [{ to: 'q' }, { to: 'done' }] },
      { id: 'done', type: 'checkpoint', end: true },
    ],
  };
  const program = (
    await M(
      `mutation($input: CreateProgramInput!) { createProgram(input: $input) { ... on CreateProgramSuccess { data { id } } } }`,
      { input: { name: 'Loop', flowDefinition: flow } },
      'createProgram',
    )
  ).data.id;
  await M(`mutation($id: ID!) { publishProgram(id: $id) { __typename } }`, { id: program }, 'publishProgram');
  const enrollment = (
    await M(
      `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { ... on EnrollUserSuccess { data { id } } } }`,
      { p: program, u: users[0] },
      'enrollUser',
    )
  ).data.id;
  // As many heavy badges as the server takes (the plan's badge quota, the rules bound).
  const badgeRefusals: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    for (const rules of [1_500, 20]) {
      const { status, body } = await send(
        a,
        `mutation($input: BadgeInput!) { createBadge(input: $input) { __typename ... on Error { code } } }`,
        { input: { name: `Heavy ${i} ${rules}`, criteria: heavyCriteria(rules) } },
        token,
      );
      const code = refusalCode(status, body);
      if (code) badgeRefusals[code] = (badgeRefusals[code] ?? 0) + 1;
    }
  }
  const kb = (
    await M(
      `mutation($input: KnowledgeBaseInput!) { createKnowledgeBase(input: $input) { ... on CreateKnowledgeBaseSuccess { data { id } } } }`,
      { input: { name: 'Attack' } },
      'createKnowledgeBase',
    )
  ).data.id;
  const doc = (
    await M(
      `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { ... on CreateDocumentSuccess { data { id } } } }`,
      { input: { knowledgeBaseId: kb, title: 'Attack', content: 'x' } },
      'createDocument',
    )
  ).data.id;

  const big = 'x'.repeat(60 * 1024);
  const chunkText = 'y'.repeat(64 * 1024);
  let chunkIndex = 0;
  const fanout = `query($ids: [ID!]!) { ${Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: $ids) { id }`).join(' ')} }`;
  const aliasedWrites = `mutation($u: ID!) { ${Array.from({ length: 30 }, (_, i) => `w${i}: recordInteraction(input: { userId: $u, interactionType: "attack" }) { __typename }`).join(' ')} }`;

  // One socket asks for 300 dashboard subscriptions; the writes above change the summary.
  const ws = createClient({
    url: `ws://127.0.0.1:${a.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
  });
  const disposers: (() => void)[] = [];
  const events = { n: 0 };

  const vectors: Record<string, () => Promise<Outcomes>> = {
    'anonymous: wrong passwords (victim, admin)': loop(a, 6, () =>
      send(
        a,
        `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { __typename ... on Error { code } } adminLogIn(email: "admin@demo.creatorgraph.dev", password: $p) { __typename ... on Error { code } } }`,
        { e: a.victimEmail, p: crypto.randomBytes(8).toString('hex') },
      ),
    ),
    'anonymous: sign-ups': loop(a, 2, () =>
      send(a, `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ... on Error { code } } }`, {
        input: { email: `flood-${crypto.randomUUID()}@bench.test`, password: 'flood-password-1' },
      }),
    ),
    'evaluateBadges x20 on heavy badges': loop(a, 20, () =>
      send(
        a,
        `mutation($u: ID!) { evaluateBadges(userId: $u) { __typename ... on Error { code } } }`,
        { u: users[0] },
        token,
      ),
    ),
    'looping flow, 60 KB answers': loop(a, 2, () =>
      send(
        a,
        `mutation($id: ID!, $input: AdvanceEnrollmentInput!) { advanceEnrollment(enrollmentId: $id, input: $input) { __typename ... on Error { code } } }`,
        { id: enrollment, input: { answer: big, toStep: 'q' } },
        token,
      ),
    ),
    'auditLogs(first: 100), whole and paged exports': loop(a, 2, async () => {
      const r = await send(a, `{ auditLogs(first: 100) { nodes { id oldValues newValues } } }`, {}, token);
      if (r.body.errors) return r;
      const whole = await send(
        a,
        `mutation($u: ID!) { exportUserData(userId: $u) { __typename ... on Error { code } } }`,
        { u: users[0] },
        token,
      );
      if (whole.body.errors) return whole;
      return send(
        a,
        `mutation($u: ID!) { exportUserDataPage(userId: $u, first: 500) { __typename ... on Error { code } } }`,
        { u: users[0] },
        token,
      );
    }),
    'nodes(ids:) x 100 copies x 30 aliases': loop(a, 2, () =>
      send(a, fanout, { ids: Array.from({ length: 100 }, () => users[0]) }, token),
    ),
    '30 aliased writes in one request': loop(a, 2, () => send(a, aliasedWrites, { u: users[1] }, token)),
    'chunks of 64 KB past the storage quota': loop(a, 1, () => {
      const chunks = Array.from({ length: 12 }, () => ({ chunkIndex: chunkIndex++, content: chunkText }));
      return send(
        a,
        `mutation($d: ID!, $c: [DocumentChunkInput!]!) { addDocumentChunks(documentId: $d, chunks: $c) { __typename ... on Error { code } } }`,
        { d: doc, c: chunks },
        token,
      );
    }),
    '300 dashboard subscriptions on one socket': async () => {
      const subscriptions: Outcomes = { sent: 0, ok: 0, codes: {} };
      events.n = 0;
      for (let i = 0; i < 300; i++) {
        subscriptions.sent++;
        disposers.push(
          ws.subscribe(
            { query: 'subscription { dashboardSummary { newUsers activeUsers messages } }' },
            {
              next: () => void events.n++,
              error: (error) => {
                const code =
                  (Array.isArray(error)
                    ? (error[0] as { extensions?: { code?: string } })?.extensions?.code
                    : undefined) ?? 'SOCKET_ERROR';
                subscriptions.codes[code] = (subscriptions.codes[code] ?? 0) + 1;
              },
              complete: () => undefined,
            },
          ),
        );
      }
      while (Date.now() < a.stopAt) await new Promise((r) => setTimeout(r, 200));
      subscriptions.ok = subscriptions.sent - Object.values(subscriptions.codes).reduce((x, y) => x + y, 0);
      subscriptions.codes[`(${events.n.toLocaleString('en')} events delivered)`] = 0;
      return subscriptions;
    },
  };
  return {
    vectors,
    setupRefusals: badgeRefusals,
    async close() {
      for (const dispose of disposers) dispose();
      await ws.dispose();
    },
  };
}
