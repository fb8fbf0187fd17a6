// The built explorer (scripts/build-explorer.js writes it into dist/explorer/) and its files
// at /explorer/<name>. Security boundary: a request names a file, and the only files there are
// the names this directory's listing holds, looked up in a map. A request's path is never
// joined to a directory, so `..`, encoded slashes or absolute paths find nothing (404).
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorBody, send } from '../respond';

/** What manifest.json says the page links (scripts/build-explorer.js). */
export interface Manifest {
  js: string;
  css: string[];
  preload: string[];
  workers: { editor: string; json: string; graphql: string };
}

export interface Build {
  manifest: Manifest;
  /** Servable files: lower-case name (the router lower-cases paths) to the name on disk. */
  files: Map<string, string>;
}

/** The types served; anything else in the directory (manifest.json, the stamp) is not. */
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};
/** esbuild's names: [name]-[hash].ext. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface Bundle {
  /** The current build, or undefined when none is complete (not built, or being replaced). */
  current(): Promise<Build | undefined>;
  /** Answers GET/HEAD /explorer/<name>. */
  serveFile(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void>;
}

export function openBundle(dir: string): Bundle {
  // Re-read when manifest.json changes, so `npm run explorer:build` takes effect without a
  // restart; otherwise one stat per request.
  let cached: { key: string; build: Build | undefined } | undefined;

  async function current(): Promise<Build | undefined> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(path.join(dir, 'manifest.json'));
    } catch {
      return undefined;
    }
    const key = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    if (cached?.key !== key) cached = { key, build: await read(dir) };
    return cached.build;
  }

  async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, errorBody('METHOD_NOT_ALLOWED', 'The explorer files answer GET only'), {
        allow: 'GET, HEAD',
      });
    const onDisk = (await current())?.files.get(name);
    if (!onDisk) return notFound(res);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(path.join(dir, onDisk), 'r');
    } catch {
      return notFound(res); // replaced by a rebuild since the listing was read
    }
    try {
      const { size } = await handle.stat();
      // Every name carries a hash of its content: a name never changes meaning, so browsers
      // keep it for a year without asking, and the name is its own validator.
      const etag = `"${onDisk}"`;
      const headers = {
        'content-type': TYPES[path.extname(onDisk)]!,
        'cache-control': 'public, max-age=31536000, immutable',
        etag,
        'x-content-type-options': 'nosniff',
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': size });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      // pipeline destroys both ends when either fails or the client goes away.
      await pipeline(handle.createReadStream(), res).catch(() => res.destroy());
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  return { current, serveFile };
}

function notFound(res: http.ServerResponse): void {
  send(res, 404, errorBody('NOT_FOUND', 'No such explorer file'));
}

/** The build in `dir`, when its manifest is whole and names only files that are there. */
async function read(dir: string): Promise<Build | undefined> {
  try {
    const manifest = JSON.parse(await fs.promises.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const files = new Map<string, string>();
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      if (entry.isFile() && SAFE_NAME.test(entry.name) && Object.hasOwn(TYPES, path.extname(entry.name)))
        files.set(entry.name.toLowerCase(), entry.name);
    }
    const named = [
      manifest.js,
      ...manifest.css,
      ...manifest.preload,
      manifest.workers.editor,
      manifest.workers.json,
      manifest.workers.graphql,
    ];
    return named.every((name) => typeof name === 'string' && files.get(name.toLowerCase()) === name)
      ? { manifest, files }
      : undefined;
  } catch {
    return undefined;
  }
}
