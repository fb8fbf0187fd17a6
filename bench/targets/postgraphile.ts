// Benchmark target (B): PostGraphile 5 over the same database, the same app role and the same
// row-level security as our server.
//
//   node --import tsx bench/targets/postgraphile.ts
//   env: PORT (listens on 127.0.0.1:PORT), DATABASE_URL (the app role, a member of app_user),
//        JWT_SECRET
//
// Run bench/targets/postgraphile.sql as the database owner first: it adds the
// `postgraphile_bench` schema (the day summary, User.pointsTotal).
//
// Production-like: POST /graphql only (no GraphiQL/Ruru, no websockets, no watch mode, no
// explain, no schema export), the Amber preset, a pool of 10 connections like our server's.
//
// Authentication is our server's:
//   - `Authorization: Bearer <JWT>`: HS256 with the secret as a KeyObject, audience
//     creatorgraph-api, issuer creatorgraph, exp and iat required, sub a UUID, role creator;
//   - `X-Api-Key: cgk_...`: parsed like src/auth/api-keys.ts and checked in the database on
//     every request (one round trip, under the key's creator's row-level security), so a
//     revoked key stops working at once.
// A request whose credential is missing or fails gets no tenant: pgSettings without
// app.current_creator_id, so row-level security returns nothing (our server answers 401; the
// data reached is the same: none).

// PostGraphile 5 needs Node 22's Promise.withResolvers; this runs on Node 20. Installed before
// PostGraphile is loaded (it is imported dynamically below).
{
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers !== 'function') {
    Object.defineProperty(Promise, 'withResolvers', {
      configurable: true,
      writable: true,
      value: function withResolvers<T>(this: PromiseConstructor) {
        let resolve!: (value: T | PromiseLike<T>) => void;
        let reject!: (reason?: unknown) => void;
        const promise = new this<T>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        return { promise, resolve, reject };
      },
    });
  }
}

import crypto from 'node:crypto';
import http from 'node:http';
import jwt from 'jsonwebtoken';
import pg from 'pg';

// PostGraphile is loaded through a computed specifier, so that `tsc -p .` does not pull its
// type declarations into this project: grafast augments graphql's ExecutionResult
// (`hasNext?: never`), which breaks the typing of src/server/websocket.ts. The few shapes used
// here are declared below instead.
const load = (specifier: string): Promise<unknown> => import(specifier);

interface PostGraphileInstance {
  createServ(grafserv: unknown): { addTo(server: http.Server, addExclusiveWebsocketHandler?: boolean): Promise<void> };
  getSchema(): Promise<unknown>;
  release(): Promise<void>;
}
interface PostGraphileModules {
  postgraphile: (preset: object) => PostGraphileInstance;
  PostGraphileAmberPreset: object;
  makePgService: (options: {
    connectionString: string;
    schemas: string[];
    poolConfig?: pg.PoolConfig;
    pubsub?: boolean;
  }) => object;
  grafserv: unknown;
  jsonPgSmartTags: (json: { version: 1; config: Record<string, Record<string, unknown>> }) => object;
}
/** What grafserv's node adapter puts in the request context. */
interface RequestContext {
  node?: { req: http.IncomingMessage; res: http.ServerResponse };
}

async function loadPostGraphile(): Promise<PostGraphileModules> {
  const [core, amber, adaptor, node, utils] = (await Promise.all([
    load('postgraphile'),
    load('postgraphile/presets/amber'),
    load('postgraphile/adaptors/pg'),
    load('postgraphile/grafserv/node'),
    load('postgraphile/utils'),
  ])) as [
    Pick<PostGraphileModules, 'postgraphile'>,
    Pick<PostGraphileModules, 'PostGraphileAmberPreset'>,
    Pick<PostGraphileModules, 'makePgService'>,
    Pick<PostGraphileModules, 'grafserv'>,
    Pick<PostGraphileModules, 'jsonPgSmartTags'>,
  ];
  return { ...core, ...amber, ...adaptor, ...node, ...utils };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_KEY = /^(cgk_[A-Za-z0-9]{8})_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
/** Our server sets the same per-statement limit with the tenant, transaction-local. */
const STATEMENT_TIMEOUT_MS = '5000';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const port = Number(required('PORT'));
  const databaseUrl = required('DATABASE_URL');
  const jwtKey = crypto.createSecretKey(Buffer.from(required('JWT_SECRET'), 'utf8'));

  process.env.GRAPHILE_ENV ??= 'production'; // Grafast's production mode, said explicitly
  const { postgraphile, PostGraphileAmberPreset, makePgService, grafserv, jsonPgSmartTags } = await loadPostGraphile();

  // --- credentials -----------------------------------------------------------------------

  function creatorFromJwt(authorization: string | undefined): string | undefined {
    if (!authorization) return undefined;
    const match = BEARER.exec(authorization.trim());
    if (!match) return undefined;
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(match[1]!, jwtKey, {
        algorithms: ['HS256'],
        audience: 'creatorgraph-api',
        issuer: 'creatorgraph',
        clockTolerance: 5,
        complete: false,
      });
    } catch {
      return undefined;
    }
    if (typeof payload !== 'object' || payload === null) return undefined;
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return undefined;
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return undefined;
    if ((payload as { role?: unknown }).role !== 'creator') return undefined;
    return payload.sub.toLowerCase();
  }

  // API keys are checked on a small pool of their own (same role, same database), like our
  // server's key lookup runs before the request's queries.
  const keyPool = new pg.Pool({
    connectionString: databaseUrl,
    max: 4,
    application_name: 'postgraphile-bench-keys',
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  keyPool.on('error', () => undefined);

  async function creatorFromApiKey(header: string | undefined): Promise<string | undefined> {
    if (!header) return undefined;
    const key = header.trim();
    const match = API_KEY.exec(key);
    if (!match) return undefined;
    const hex = match[2]!;
    const creatorId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const hash = crypto.createHash('sha256').update(key).digest('hex');
    let client: pg.PoolClient;
    try {
      client = await keyPool.connect();
    } catch {
      return undefined; // database unreachable: no tenant
    }
    try {
      // One round trip: a simple-protocol multi-statement query, the tenant set
      // transaction-local so the lookup itself is under row-level security.
      const results = (await client.query(
        `BEGIN; SELECT set_config('app.current_creator_id', ${client.escapeLiteral(creatorId)}, true); ` +
          `SELECT k.creator_id FROM api_keys k JOIN creators c ON c.id = k.creator_id ` +
          `WHERE k.key_hash = ${client.escapeLiteral(hash)} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND c.is_active; COMMIT`,
      )) as unknown as pg.QueryResult<{ creator_id: string }>[];
      client.release();
      const row = results[2]?.rows[0];
      return row && row.creator_id === creatorId ? creatorId : undefined;
    } catch {
      client.release(true); // possibly inside an aborted transaction: discard the connection
      return undefined;
    }
  }

  // --- PostGraphile ----------------------------------------------------------------------

  // Smart tags, in the preset (the database is not touched):
  //   - the `subscriptions` table (billing) would be GraphQL type `Subscription`, the
  //     subscription root's name: PostGraphile drops it with a naming-conflict warning;
  //   - PostGraphile only offers orderBy on indexed columns (PgIndexBehaviorsPlugin), and no
  //     index has program_enrollments.enrolled_at, which Q3 orders by (our server orders by
  //     it too, with the same indexes). `@isIndexed` lets it through for that one column.
  //     Likewise programs.created_at, which Q6's list orders by: the only index holding it
  //     leads with (creator_id, status), so PostGraphile does not count it as indexed.
  const BenchSmartTagsPlugin = jsonPgSmartTags({
    version: 1,
    config: {
      class: {
        'public.subscriptions': { tags: { name: 'billing_subscriptions' } },
        'public.program_enrollments': { attribute: { enrolled_at: { tags: { isIndexed: true } } } },
        'public.programs': { attribute: { created_at: { tags: { isIndexed: true } } } },
      },
    },
  });

  const preset = {
    extends: [PostGraphileAmberPreset],
    plugins: [BenchSmartTagsPlugin],
    pgServices: [
      makePgService({
        connectionString: databaseUrl,
        schemas: ['public', 'postgraphile_bench'],
        poolConfig: { max: 10, application_name: 'postgraphile-bench', idleTimeoutMillis: 30_000, keepAlive: true },
        pubsub: false,
      }),
    ],
    grafserv: {
      graphqlPath: '/graphql',
      graphiql: false,
      graphiqlOnGraphQLGET: false,
      graphqlOverGET: false,
      watch: false,
      websockets: false,
    },
    grafast: {
      explain: false,
      async context(requestContext: RequestContext) {
        const req = requestContext.node?.req;
        const apiKey = req?.headers['x-api-key'];
        const creatorId =
          apiKey !== undefined
            ? await creatorFromApiKey(Array.isArray(apiKey) ? apiKey[0] : apiKey)
            : creatorFromJwt(req?.headers.authorization);
        return {
          pgSettings: creatorId ? { 'app.current_creator_id': creatorId, statement_timeout: STATEMENT_TIMEOUT_MS } : {},
        };
      },
    },
  };

  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  await serv.addTo(server, false);
  await pgl.getSchema(); // build the schema (one introspection) before accepting requests
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  process.stdout.write(`postgraphile listening on http://127.0.0.1:${port}/graphql\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pgl.release();
    await keyPool.end();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
