// The body of a request to /graphql, read whole and parsed as JSON, with the rules of the
// express.json() parser it replaces: only `application/json` is parsed (anything else leaves no
// body, which Apollo refuses); the charset must be UTF-8; gzip, deflate and br bodies are
// inflated; at most BODY_LIMIT_BYTES after inflating (413 past it, without reading on when the
// declared length is already over); an empty body is {}; the top level must be an object or an
// array.
import type http from 'node:http';
import zlib from 'node:zlib';

/** The largest request body /graphql reads (after decompression). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }

  get code(): string {
    return this.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
  }
}

function hasBody(req: http.IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && !Number.isNaN(Number(req.headers['content-length'])))
  );
}

/** The media type and charset of a Content-Type header, lower-cased. */
function contentType(header: string | undefined): { type: string; charset?: string } {
  if (!header) return { type: '' };
  const [type = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'charset')
      charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

const tooLarge = (limit: number) => new BodyError(413, `The request body is larger than ${limit} bytes`);

function decoder(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding) {
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw new BodyError(415, `unsupported content encoding "${encoding}"`);
  }
}

/**
 * The whole body, inflated. On any refusal the decompressor is destroyed at once (a small
 * compressed body can inflate to gigabytes, and zlib would go on working through it on the
 * thread pool) and the request is resumed, so that Node discards the rest and the keep-alive
 * connection can carry the next request. A client that goes away mid-body ends the read too.
 */
function readAll(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  // A client that hung up while its request waited for its turn (graphql-endpoint.ts): 'close'
  // has fired already, and nothing more will; without this the read would never settle.
  if (req.destroyed || req.readableAborted) return Promise.reject(new BodyError(400, 'the request was aborted'));
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const inflate = decoder(encoding);
  if (!inflate && Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge(limit));
  const source: NodeJS.ReadableStream = inflate ?? req;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      source.removeListener('data', onData);
      req.removeListener('close', onClose);
      if (inflate) {
        req.unpipe(inflate);
        inflate.destroy();
      }
      if (error) {
        req.resume();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onClose = () => {
      if (!req.complete) finish(new BodyError(400, 'the request was aborted'));
    };
    source.on('data', onData);
    source.once('end', () => finish());
    // Kept for the stream's life (finish is idempotent): an 'error' with no listener would throw.
    source.on('error', () =>
      finish(new BodyError(400, inflate ? 'the body could not be decompressed' : 'the request was aborted')),
    );
    req.once('close', onClose);
    if (inflate) req.pipe(inflate);
  });
}

/**
 * The parsed JSON body, or undefined when the request has none to parse (no body, or not
 * application/json). A BodyError says what was wrong with it.
 */
export async function readJsonBody(req: http.IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const { type, charset = 'utf-8' } = contentType(req.headers['content-type']);
  if (type !== 'application/json') return undefined;
  if (charset !== 'utf-8' && charset !== 'utf8')
    throw new BodyError(415, `unsupported charset "${charset.toUpperCase()}"`);
  const text = (await readAll(req, limit)).toString('utf8');
  if (text.length === 0) return {};
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new BodyError(400, 'The body is not valid JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, 'The body is not valid JSON');
  }
}
