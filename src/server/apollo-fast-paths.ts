// Two pure computations Apollo Server repeats on every request, remembered here for the inputs
// seen recently, with the same results (test/server/apollo-fast-paths.test.ts):
//
//   - the content negotiation of `accept` (negotiator's mediaType): Apollo's request pipeline runs
//     it on every request, with or without an Accept header, to decide how @defer would be sent;
//     parsing the header and each offered type took about 3.5% of a small request's CPU;
//   - the SHA-256 of the query text (@apollo/utils.createhash): Apollo hashes every query to key
//     its parsed-document cache, and its createHash require()s crypto on every call: about 3.3%.
//
// Both are installed once, before Apollo first runs, by patching the modules Apollo itself
// resolves (the same module objects: require's cache). Only short inputs are remembered (an Accept
// header up to 256 characters, a query text up to 16 KiB, 4 MiB of texts in all), in bounded
// caches, so a client sending new texts costs the cache a slot each, never memory without limit; a
// longer input is computed as before. The stand-in hash answers update (with an input encoding)
// and digest, which is all Apollo asks of it. bench/NOTES.md, issue 21 ("Apollo's per-request constants") has the measurement.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { boundedCache } from '../cache';

const MAX_ACCEPT = 256;
const MAX_QUERY = 16 * 1024;

interface NegotiatorPrototype {
  mediaType(this: { request: { headers: { accept?: string } } }, available?: string[]): string | undefined;
}

interface HashLike {
  update(data: string | Buffer, encoding?: crypto.Encoding): HashLike;
  digest(encoding: crypto.BinaryToTextEncoding): string;
}

let installed = false;

/** Installs both (once per process). */
export function installApolloFastPaths(): void {
  if (installed) return;
  installed = true;
  // The copies Apollo Server resolves, not necessarily the top-level ones.
  const fromApollo = createRequire(require.resolve('@apollo/server'));

  const Negotiator = fromApollo('negotiator') as { prototype: NegotiatorPrototype };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .call(this, ...)
  const mediaType = Negotiator.prototype.mediaType;
  const chosen = boundedCache<string, { type: string | undefined }>({ max: 512 });
  Negotiator.prototype.mediaType = function rememberedMediaType(available) {
    const accept = this.request.headers.accept;
    if (
      !Array.isArray(available) ||
      (accept !== undefined && (typeof accept !== 'string' || accept.length > MAX_ACCEPT))
    )
      return mediaType.call(this, available);
    // \u0001 stands for "no header" (negotiator reads it as */*), distinct from an empty one.
    const key = `${accept ?? '\u0001'}\u0000${available.join('\u0000')}`;
    let hit = chosen.get(key);
    if (!hit) chosen.set(key, (hit = { type: mediaType.call(this, available) }));
    return hit.type;
  };

  const hashModule = fromApollo('@apollo/utils.createhash') as { createHash(kind: string): HashLike };
  // At most 2,000 texts and 4 MiB of them (UTF-16 code units, 2 bytes each, counted with a margin).
  const digests = boundedCache<string, string>({
    max: 2_000,
    maxSize: 2 * 1024 * 1024,
    sizeOf: (_digest, text) => (text as string).length + 64,
  });
  hashModule.createHash = function rememberedCreateHash(kind: string): HashLike {
    if (kind !== 'sha256') return crypto.createHash(kind);
    let text: string | undefined;
    let hash: crypto.Hash | undefined;
    const real = () => (hash ??= crypto.createHash('sha256'));
    const hashLike: HashLike = {
      update(data, encoding) {
        // One short string in UTF-8, the query: remembered. Anything else is hashed as it comes.
        if (
          text === undefined &&
          hash === undefined &&
          typeof data === 'string' &&
          data.length <= MAX_QUERY &&
          (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8')
        )
          text = data;
        else {
          if (text !== undefined) real().update(text);
          text = undefined;
          if (typeof data === 'string' && encoding !== undefined) real().update(data, encoding);
          else real().update(data);
        }
        return hashLike;
      },
      digest(encoding) {
        if (text === undefined || encoding !== 'hex') {
          if (text !== undefined) real().update(text);
          return real().digest(encoding);
        }
        const known = digests.get(text);
        if (known !== undefined) return known;
        const digest = crypto.createHash('sha256').update(text).digest('hex');
        digests.set(text, digest);
        return digest;
      },
    };
    return hashLike;
  };
}
