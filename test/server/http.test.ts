// The HTTP front door on node:http (src/server/http.ts, graphql-endpoint.ts, http-body.ts): how
// /graphql reads bodies (compressed, too large, malformed, other types and charsets), and what
// the other paths answer. A body that is refused writes nothing.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { useApiHarness } from '../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });

type Body = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

/** A raw request: node:http sends the headers and body exactly as given. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const url = new URL(api.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const asCreatorA = () => ({ authorization: `Bearer ${api.asCreatorA()}` });
const createProgram = (name: string) =>
  JSON.stringify({
    query: 'mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename } }',
    variables: { input: { name } },
  });

const programsNamed = (name: string) => api.count('programs WHERE name = $1', [name]);

describe('asCreatorA: request bodies', () => {
  test('a gzip, deflate or br body is inflated and runs', async () => {
    const body = JSON.stringify({ query: '{ me { id } }' });
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
      ['br', zlib.brotliCompressSync],
    ] as const) {
      const response = await raw('/graphql', {
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, ...asCreatorA() },
        body: compress(Buffer.from(body)),
      });
      expect(response.status).toBe(200);
      expect((JSON.parse(response.text) as Body).data).toEqual({ me: { id: expect.any(String) } });
    }
  });

  test('a compressed body that inflates past 1 MiB is 413 PAYLOAD_TOO_LARGE, writes nothing, and the server stays up', async () => {
    const name = `bomb-${Date.now()}`;
    const bomb = createProgram(name).replace('"variables"', `"padding":"${'x'.repeat(3_000_000)}","variables"`);
    const compressed = zlib.gzipSync(Buffer.from(bomb));
    expect(compressed.length).toBeLessThan(20_000);
    const response = await raw('/graphql', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...asCreatorA() },
      body: compressed,
    });
    expect(response.status).toBe(413);
    expect((JSON.parse(response.text) as Body).errors![0]!.extensions!.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await programsNamed(name)).toBe(0);
    expect((await api.server.gql('{ __typename }')).status).toBe(200);
  });

  test('a brotli bomb is refused at 1 MiB and then costs nothing: the decompressor stops with the 413', async () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(256 * 1024 * 1024, ' '), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 },
    });
    expect(bomb.length).toBeLessThan(2_000);
    // The server runs in this process: catch the decompressor it makes for this body, and count
    // what it inflates. (This measured the process's CPU for a second after the 413 before; on
    // a busy machine the idle process alone passed the bound, and a decompressor that went on
    // would have been slowed under it too. Counting its output says whether it stopped.)
    const create = zlib.createBrotliDecompress;
    const made: { stream: zlib.BrotliDecompress; inflated: number; closed: Promise<void> }[] = [];
    Object.defineProperty(zlib, 'createBrotliDecompress', {
      configurable: true,
      value: (...args: Parameters<typeof create>) => {
        const stream = create(...args);
        const entry = {
          stream,
          inflated: 0,
          closed: new Promise<void>((resolve) => stream.once('close', () => resolve())),
        };
        const push = stream.push.bind(stream);
        stream.push = (chunk: Buffer | null, encoding?: BufferEncoding) => {
          if (chunk) entry.inflated += chunk.length;
          return push(chunk, encoding);
        };
        made.push(entry);
        return stream;
      },
    });
    let response: Awaited<ReturnType<typeof raw>>;
    try {
      response = await raw('/graphql', {
        headers: { 'content-type': 'application/json', 'content-encoding': 'br', ...asCreatorA() },
        body: bomb,
      });
    } finally {
      Object.defineProperty(zlib, 'createBrotliDecompress', { configurable: true, value: create });
    }
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(made).toHaveLength(1);
    const decompressor = made[0]!;
    // Destroyed and closed: zlib's handle is released, so the thread pool has nothing left to do.
    await decompressor.closed;
    expect(decompressor.stream.destroyed).toBe(true);
    const atRefusal = decompressor.inflated;
    // At most the 1 MiB limit and the chunks in flight when it was passed, of 256 MiB.
    expect(atRefusal).toBeLessThan(4 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(decompressor.inflated).toBe(atRefusal);
  });

  test('after a body that fails to inflate, the keep-alive connection serves the next request', async () => {
    const url = new URL(api.server.url);
    const socket = net.connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('data', (d) => (received += String(d)));
    const junk = Buffer.concat([Buffer.from('not gzip at all'), Buffer.alloc(512 * 1024, 'x')]);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${junk.length}\r\n\r\n`,
    );
    socket.write(junk);
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(received); i++) await new Promise((r) => setTimeout(r, 10));
      return pattern.test(received);
    };
    expect(await until(/could not be decompressed/)).toBe(true);
    expect(received).toMatch(/^HTTP\/1.1 400/);
    received = '';
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await until(/\{"status":"ok"\}/)).toBe(true);
    socket.destroy();
  });

  test('a declared length over 1 MiB is 413 before the body is read', async () => {
    const url = new URL(api.server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(String(res.statusCode));
          req.destroy();
        },
      );
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.write('{"query": "{ __typename }"'); // 50 MiB promised, a few bytes sent
    });
    expect(answer).toBe('413');
  });

  test('malformed JSON, a top-level scalar, an unsupported charset or encoding are clear 4xx errors that write nothing', async () => {
    const name = `bad-${Date.now()}`;
    const cases: { headers: Record<string, string>; body: string | Buffer; status: number; message: RegExp }[] = [
      {
        headers: { 'content-type': 'application/json' },
        body: createProgram(name).slice(0, -5),
        status: 400,
        message: /not valid JSON/,
      },
      {
        headers: { 'content-type': 'application/json' },
        body: '"mutation { createProgram }"',
        status: 400,
        message: /not valid JSON/,
      },
      {
        headers: { 'content-type': 'application/json; charset=latin1' },
        body: createProgram(name),
        status: 415,
        message: /unsupported charset "LATIN1"/,
      },
      {
        headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
        body: createProgram(name),
        status: 415,
        message: /unsupported content encoding "compress"/,
      },
      {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: 'not gzip at all',
        status: 400,
        message: /could not be decompressed/,
      },
    ];
    for (const c of cases) {
      const response = await raw('/graphql', { headers: { ...c.headers, ...asCreatorA() }, body: c.body });
      expect(response.status).toBe(c.status);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.text)));
      const error = (JSON.parse(response.text) as Body).errors![0]!;
      expect(error.message).toMatch(c.message);
      expect(error.extensions!.code).toBe('BAD_REQUEST');
    }
    expect(await programsNamed(name)).toBe(0);
  });

  test('a body that is not application/json is not read as GraphQL: 400, nothing written', async () => {
    const name = `plain-${Date.now()}`;
    const response = await raw('/graphql', {
      headers: { 'content-type': 'application/graphql', ...asCreatorA() },
      body: createProgram(name),
    });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/POST body missing, invalid Content-Type/);
    expect(await programsNamed(name)).toBe(0);
  });

  test('an empty JSON body is an empty request (400), a valid one still writes', async () => {
    const empty = await raw('/graphql', { headers: { 'content-type': 'application/json', ...asCreatorA() }, body: '' });
    expect(empty.status).toBe(400);
    const name = `ok-${Date.now()}`;
    const created = await raw('/graphql', {
      headers: { 'content-type': 'application/json', ...asCreatorA() },
      body: createProgram(name),
    });
    expect(created.status).toBe(200);
    expect(created.headers['content-length']).toBe(String(Buffer.byteLength(created.text)));
    expect(JSON.parse(created.text)).toEqual({ data: { createProgram: { __typename: 'CreateProgramSuccess' } } });
    expect(await programsNamed(name)).toBe(1);
  });
});

describe('other paths', () => {
  test('an unknown path is a JSON 404; a probe answers GET and HEAD only (405 with Allow)', async () => {
    const missing = await raw('/graphql/extra', { method: 'GET' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-length']).toBe(String(Buffer.byteLength(missing.text)));
    expect((JSON.parse(missing.text) as Body).errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const post = await raw('/healthz', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await raw('/healthz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  test('/graphql/, /GraphQL and an absolute-form target reach GraphQL, as they did under Express', async () => {
    const url = new URL(api.server.url);
    for (const path of ['/graphql/', '/GraphQL', `http://${url.host}/graphql`]) {
      const response = await raw(path, {
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      expect({ path, status: response.status, text: response.text }).toEqual({
        path,
        status: 200,
        text: '{"data":{"__typename":"Query"}}\n',
      });
    }
  });

  test('GET /metrics is Prometheus text', async () => {
    const metrics = await raw('/metrics', { method: 'GET' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/creatorgraph_graphql_requests_total/);
  });
});
