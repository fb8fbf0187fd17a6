// Benchmark target (D), the floor of this project's fixed stack: Apollo Server 5 on node:http
// (executeHTTPGraphQLRequest, as src/server/graphql-endpoint.ts runs it) and graphql-js, over
// this server's printed schema (schema.graphql), with no database, no authentication, no
// plugins of ours and no Pothos. Every answer was captured from A before the run
// (bench/stack-floor.ts); the root field returns it and graphql-js walks it. Whatever A spends
// beyond D is this project's own code; D's requests per second bound any server built on this
// stack from above. Not a server to use: it answers what it was told to.
//
//   node --import tsx bench/targets/apollo-floor.ts
//   env: PORT, FLOOR_ANSWERS (a JSON file: { "<credential>\n<body>": data })
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { createRequire } from 'node:module';
import persisted from '../../src/generated/partner/persisted-documents.json';

interface FloorContext {
  data: Record<string, unknown> | undefined;
}

const manifest = new Map(
  Object.entries(persisted as Record<string, string>).map(([hash, text]) => [hash.replace(/^sha256:/, ''), text]),
);
const answers = new Map<string, Record<string, unknown>>(
  Object.entries(
    JSON.parse(fs.readFileSync(process.env.FLOOR_ANSWERS!, 'utf8')) as Record<string, Record<string, unknown>>,
  ),
);

// Apollo's graphql (the root's), not bench/node_modules' copy: one graphql per schema.
const graphql = createRequire(path.resolve(__dirname, '../../package.json'))('graphql') as typeof import('graphql');
const schema = graphql.buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema.graphql'), 'utf8'));
// Each root field returns the request's captured data; below it, graphql-js's default resolver
// reads the field's own key (the bench's documents use no aliases). The captured answers name
// their concrete type where a field is abstract (stack-floor.ts adds __typename).
for (const [name, field] of Object.entries(schema.getQueryType()!.getFields()))
  field.resolve = (_root, _args, context: FloorContext) => context.data?.[name];
for (const type of Object.values(schema.getTypeMap()))
  if (graphql.isAbstractType(type)) type.resolveType = (value: { __typename?: string }) => value.__typename;

async function main(): Promise<void> {
  const apollo = new ApolloServer<FloorContext>({
    schema,
    introspection: false,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const credential = req.headers.authorization ?? req.headers['x-api-key'] ?? '';
        const data = answers.get(`${String(credential)}\n${text}`);
        const body = JSON.parse(text) as {
          query?: string;
          extensions?: { persistedQuery?: { sha256Hash: string } };
        };
        const hash = body.extensions?.persistedQuery?.sha256Hash;
        if (body.query === undefined && hash !== undefined) {
          body.query = manifest.get(hash);
          delete body.extensions;
        }
        const headers = new HeaderMap();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method!, headers, search: '', body },
          context: async () => ({ data }),
        });
        const out = result.body.kind === 'complete' ? result.body.string : '';
        const responseHeaders: Record<string, string> = {};
        for (const [k, v] of result.headers) responseHeaders[k] = v;
        res.writeHead(result.status ?? 200, responseHeaders);
        res.end(out);
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
