// Bad configuration fails at start with a message that names the variable.
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/config/parse';

const base = { NODE_ENV: 'test' };

test('defaults: 127.0.0.1:4000, embedded database, 15-minute access tokens', () => {
  const config = loadConfig(base);
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 4000,
    databaseUrl: undefined,
    jwt: { issuer: 'creatorgraph', audience: 'creatorgraph-api', accessTokenTtlSeconds: 900 },
  });
});

test.each([
  ['PORT', { PORT: 'eighty' }, /PORT must be a whole number/],
  ['PORT', { PORT: '70000' }, /PORT must be between 0 and 65535/],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error/],
  ['NODE_ENV', { NODE_ENV: 'staging' }, /NODE_ENV must be one of development, test, production/],
  ['JWT_SECRET', { JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 bytes/],
  ['JWT_PUBLIC_KEY', { JWT_PUBLIC_KEY: 'not a pem' }, /JWT_PUBLIC_KEY must be a PEM-encoded key/],
  [
    'DATABASE_URL',
    { DATABASE_URL: 'mysql://x@y/z', DATABASE_OWNER_URL: 'postgres://a@b/c' },
    /DATABASE_URL must be a postgres:\/\/ URL/,
  ],
  [
    'DATABASE_URL',
    { DATABASE_URL: 'postgres://x@y', DATABASE_OWNER_URL: 'postgres://a@b/c' },
    /DATABASE_URL must name a database/,
  ],
  ['DATABASE_OWNER_URL', { DATABASE_URL: 'postgres://x@y/z' }, /DATABASE_OWNER_URL must be set with DATABASE_URL/],
  [
    'DATABASE_URL',
    { DATABASE_OWNER_URL: 'postgres://x@y/z' },
    /DATABASE_URL must be set when DATABASE_OWNER_URL is set/,
  ],
  ['DATABASE_POOL_MAX', { DATABASE_POOL_MAX: '0' }, /DATABASE_POOL_MAX must be between 1 and 1000/],
  ['REDIS_URL', { REDIS_URL: 'http://cache' }, /REDIS_URL must be a redis:\/\//],
  ['SEED_ON_START', { SEED_ON_START: 'maybe' }, /SEED_ON_START must be true or false/],
])('%s: %j is refused', (variable, env, message) => {
  let error: unknown;
  try {
    loadConfig({ ...base, ...env });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).variable).toBe(variable);
  expect((error as ConfigError).message).toMatch(message);
});

test('production requires an external database and a configured key, and does not seed', () => {
  expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL is required in production/);
  const urls = { DATABASE_URL: 'postgres://app@db/cg', DATABASE_OWNER_URL: 'postgres://owner@db/cg' };
  expect(() => loadConfig({ NODE_ENV: 'production', ...urls })).toThrow(
    /JWT_SECRET or JWT_PUBLIC_KEY is required in production/,
  );
  const config = loadConfig({ NODE_ENV: 'production', ...urls, JWT_SECRET: 'x'.repeat(32) });
  expect(config.seedOnStart).toBe(false);
});
