// The live dashboard's test harness: a real server with the limits a production server enforces,
// a real browser whose context refuses every host but this machine, tabs on the dashboard with
// everything they did, bounded waits for what the page shows, and writes through the API as the
// creators.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Browser, BrowserContext, Page, WebSocket as PageSocket } from 'playwright-core';
import { DEMO_CREATORS } from '../../../src/db/seed/demo-content';
import { day, ERRORS, useApiHarness } from '../../helpers/api';
import { launchBrowser, offlineContext, recordNetwork, type NetworkLog } from '../../helpers/browser';

/** The bound on any wait for the page. */
export const WAIT = 20_000;
/** The README's copy of the screenshot, written when UPDATE_SCREENSHOTS=1. */
export const README_SCREENSHOT = path.resolve(__dirname, '../../../docs/images/dashboard.png');

export type Creator = 'asCreatorA' | 'asCreatorB';
export const CREDENTIALS: Record<Creator, { email: string; password: string; companyName: string }> = {
  asCreatorA: DEMO_CREATORS[0]!,
  asCreatorB: DEMO_CREATORS[1]!,
};

export const TILES = [
  'activeUsers',
  'newUsers',
  'messages',
  'enrollmentsCompleted',
  'badgesAwarded',
  'conversationsEscalated',
] as const;
export const SUMMARY = `query { dashboardSummary { ${TILES.join(' ')} } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ${ERRORS} } }`;
export const RECORD_METRIC = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename ${ERRORS} } }`;
export const SEND_MESSAGE = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${ERRORS} } }`;
export const CONVERSATIONS = `query { conversations(first: 3) { nodes { id } } }`;

/** Registers the dashboard's server and browser in the current describe block; call it there. */
export function useDashboard() {
  // The limits a production server enforces (the harness lifts them for its own suites), and
  // access tokens that live 30 s, the least the config allows, so that a session must be
  // refreshed within a test.
  const api = useApiHarness({
    env: {
      RATE_LIMITS: 'on',
      MAX_QUERY_COST: '50000',
      MAX_QUERY_DEPTH: '16',
      MAX_QUERY_ALIASES: '30',
      JWT_ACCESS_TTL_SECONDS: '30',
    },
  });
  let browser: Browser;
  /** The real server's origin (DASHBOARD is on outside production). */
  let origin: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    origin = new URL(api.server.url).origin;
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** One browser tab on the dashboard, and everything it did. */
  interface Visit {
    context: BrowserContext;
    page: Page;
    network: NetworkLog;
    /** Console errors (CSP violations are reported there), uncaught exceptions. */
    problems: string[];
    /** Answers with status 400 or more. */
    refused: string[];
    sockets: PageSocket[];
  }
  const visits: Visit[] = [];
  afterEach(async () => {
    await Promise.all(visits.splice(0).map((v) => v.context.close()));
  });

  async function visit(): Promise<Visit> {
    const context = await offlineContext(browser);
    const network = recordNetwork(context);
    const page = await context.newPage();
    const v: Visit = { context, page, network, problems: [], refused: [], sockets: [] };
    visits.push(v);
    page.on('console', (message) => message.type() === 'error' && v.problems.push(`console: ${message.text()}`));
    page.on('pageerror', (error) => v.problems.push(`exception: ${error.message}`));
    page.on(
      'response',
      (response) => response.status() >= 400 && v.refused.push(`${response.status()} ${response.url()}`),
    );
    page.on('websocket', (socket) => v.sockets.push(socket));
    await page.goto(`${origin}/dashboard`);
    await shows(v, 'body[data-ready="true"]');
    return v;
  }

  async function signIn(v: Visit, creator: Creator): Promise<void> {
    await v.page.getByTestId('email').fill(CREDENTIALS[creator].email);
    await v.page.getByTestId('password').fill(CREDENTIALS[creator].password);
    await v.page.getByTestId('sign-in').click();
    await shows(v, '[data-testid="connection-state"][data-state="live"]');
    await shows(v, '[data-testid="tile-newUsers"][data-value]');
  }

  /** Waits (bounded) until an element matching `selector` is on the page; says what went wrong if not. */
  async function shows(v: Visit, selector: string): Promise<void> {
    try {
      await v.page.locator(selector).first().waitFor({ state: 'attached', timeout: WAIT });
    } catch (error) {
      throw new Error(
        `${selector} not shown: ${(error as Error).message.split('\n')[0]}\n  page problems: ${JSON.stringify(v.problems)}\n  refused: ${JSON.stringify(v.refused)}\n  failed: ${JSON.stringify(v.network.failed)}`,
        { cause: error },
      );
    }
  }
  async function until(done: () => boolean | Promise<boolean>, what: string, bound = WAIT): Promise<void> {
    const deadline = Date.now() + bound;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`not within ${bound} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  /** The latest updates as the page lists them, newest first: `metricType=value`. */
  const updatesListed = async (v: Visit) =>
    Promise.all(
      (await v.page.locator('[data-testid="latest-updates"] li').all()).map(
        async (li) => `${await li.getAttribute('data-metric-type')}=${await li.getAttribute('data-value')}`,
      ),
    );
  const tileValue = async (page: Page, tile: (typeof TILES)[number]) =>
    Number(await page.getByTestId(`tile-${tile}`).getAttribute('data-value'));

  async function createUser(creator: Creator): Promise<void> {
    const input = { channel: 'WEB', externalId: `dashboard-${crypto.randomUUID()}`, displayName: 'New member' };
    expect(await api.mutate(creator, CREATE_USER, 'createUser', { input })).toEqual({
      __typename: 'CreateUserSuccess',
    });
  }
  async function recordMetric(
    creator: Creator,
    metricType: string,
    value: number,
    dimensions: Record<string, string> = {},
  ): Promise<void> {
    const input = { metricType, value, date: day(0), dimensions };
    expect(await api.mutate(creator, RECORD_METRIC, 'recordEngagementMetric', { input })).toEqual({
      __typename: 'RecordEngagementMetricSuccess',
    });
  }
  async function sendMessages(creator: Creator, contents: string[]): Promise<void> {
    const conversations: { id: string }[] = (await api.query(creator, CONVERSATIONS)).conversations.nodes;
    for (const [i, content] of contents.entries()) {
      const input = {
        conversationId: conversations[i % conversations.length]!.id,
        content,
        senderType: i % 2 ? 'AI' : 'USER',
      };
      expect(await api.mutate(creator, SEND_MESSAGE, 'sendMessage', { input })).toEqual({
        __typename: 'SendMessageSuccess',
      });
    }
  }

  return {
    api,
    /** The real server's origin (DASHBOARD is on outside production), once beforeAll ran. */
    get origin() {
      return origin;
    },
    visit,
    signIn,
    shows,
    until,
    updatesListed,
    tileValue,
    createUser,
    recordMetric,
    sendMessages,
  };
}
