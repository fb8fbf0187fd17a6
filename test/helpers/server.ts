// A real server (the same startApp as `npm start`) on a random port, against a test database.
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { TestDatabase } from './database';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const TEST_JWT = { issuer: 'creatorgraph', audience: 'creatorgraph-api' };

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] };
}

export interface TestServer {
  app: App;
  url: string;
  /** A valid access token for a creator. */
  tokenFor(creatorId: string, role?: 'creator' | 'admin'): string;
  /** POST a GraphQL request over HTTP, as a real client would. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export async function startTestServer(db: TestDatabase, env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    SEED_ON_START: 'false',
    DATABASE_POOL_MAX: '5',
    ...env,
  });
  const app = await startApp(config, createLogger(config.logLevel));
  return {
    app,
    url: app.url,
    tokenFor: (creatorId, role = 'creator') => app.tokens.sign({ sub: creatorId, role }).token,
    async gql(query, variables, options = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] } as never;
    },
    stop: () => app.stop(),
  };
}
