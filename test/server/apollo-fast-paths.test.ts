// The remembered negotiation and query hash (src/server/apollo-fast-paths.ts) answer exactly what
// the functions they stand in front of answer, for the inputs they remember and those they pass on.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { installApolloFastPaths } from '../../src/server/apollo-fast-paths';

const fromApollo = createRequire(require.resolve('@apollo/server'));
type NegotiatorClass = new (request: { headers: { accept?: string } }) => {
  mediaType(available: string[]): string | undefined;
};
const Negotiator = fromApollo('negotiator') as NegotiatorClass & { prototype: { mediaType: unknown } };
interface HashLike {
  update(d: string | Buffer, encoding?: crypto.Encoding): HashLike;
  digest(e: string): string;
}
const hashModule = fromApollo('@apollo/utils.createhash') as { createHash(kind: string): HashLike };

// Apollo's own offers: the single-result types and the multipart ones (requestPipeline, runHttpQuery).
const OFFERS = [
  ['application/json', 'application/graphql-response+json', 'application/json; charset=utf-8'],
  ['multipart/mixed;deferSpec=20220824', 'multipart/mixed; deferSpec=20220824'],
  ['multipart/mixed;deferSpec=20220824', 'multipart/mixed; boundary="-"', 'multipart/mixed'],
];
const ACCEPTS = [
  undefined,
  '',
  '*/*',
  'application/json',
  'application/graphql-response+json, application/json;q=0.9',
  'multipart/mixed;deferSpec=20220824, application/json',
  'text/html, application/xhtml+xml, */*;q=0.1',
  'nonsense;;;q=abc',
  `application/json, ${'x/y;q=0.5, '.repeat(40)}*/*;q=0.1`, // longer than what is remembered
];

test('anonymous: the negotiated media type is the one negotiator chooses, first time and remembered', () => {
  const original = Negotiator.prototype.mediaType as (this: unknown, available: string[]) => string | undefined;
  const expected = ACCEPTS.map((accept) =>
    OFFERS.map((offer) => original.call(new Negotiator({ headers: { accept } }), offer)),
  );
  installApolloFastPaths();
  expect(Negotiator.prototype.mediaType).not.toBe(original);
  for (let round = 0; round < 2; round++)
    expect(
      ACCEPTS.map((accept) => OFFERS.map((offer) => new Negotiator({ headers: { accept } }).mediaType(offer))),
    ).toEqual(expected);
});

test('anonymous: the query hash is SHA-256, for short and long texts, several updates, buffers and other encodings', () => {
  installApolloFastPaths();
  const sha = (data: string | Buffer, encoding: crypto.BinaryToTextEncoding = 'hex') =>
    crypto.createHash('sha256').update(data).digest(encoding);
  for (const text of ['{ __typename }', '', 'é ü 漢字', 'q'.repeat(16 * 1024), 'q'.repeat(16 * 1024 + 1)]) {
    expect(hashModule.createHash('sha256').update(text).digest('hex')).toBe(sha(text));
    expect(hashModule.createHash('sha256').update(text).digest('hex')).toBe(sha(text)); // remembered
  }
  expect(hashModule.createHash('sha256').update('{ a').update(' }').digest('hex')).toBe(sha('{ a }'));
  expect(hashModule.createHash('sha256').update(Buffer.from('{ b }')).digest('hex')).toBe(sha('{ b }'));
  expect(hashModule.createHash('sha256').update('{ c }').digest('base64')).toBe(sha('{ c }', 'base64'));
  // An input encoding other than UTF-8 is honoured (hashed as it comes, not remembered).
  expect(hashModule.createHash('sha256').update('{ é }', 'latin1').digest('hex')).toBe(
    crypto.createHash('sha256').update('{ é }', 'latin1').digest('hex'),
  );
  expect(hashModule.createHash('sha1').update('{ d }').digest('hex')).toBe(
    crypto.createHash('sha1').update('{ d }').digest('hex'),
  );
});
