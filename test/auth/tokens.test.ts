// The token service remembers tokens it has verified (the signature check is most of a small
// request's CPU). What it remembers must never outlive what the token allows.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createTokenService, InvalidTokenError } from '../../src/auth/tokens';

const SECRET = crypto.randomBytes(32).toString('hex');
const config = { secret: SECRET, issuer: 'creatorgraph', audience: 'creatorgraph-api', accessTokenTtlSeconds: 900 };
const SUB = '3f0c9a4e-7d1b-4c55-9a0e-2b8f6d1e4a77';

afterEach(() => jest.restoreAllMocks());

test('a token accepted once is refused after it expires, though it was remembered', () => {
  const tokens = createTokenService(config);
  const { token } = tokens.sign({ sub: SUB, role: 'creator' }, 60);
  expect(tokens.verify(token).sub).toBe(SUB);
  expect(tokens.verify(token).sub).toBe(SUB); // from memory
  const now = Date.now();
  jest.spyOn(Date, 'now').mockReturnValue(now + 60_000 + 6_000); // past exp and the 5 s tolerance
  expect(() => tokens.verify(token)).toThrow(new InvalidTokenError('expired'));
});

test('a token not yet valid (nbf) stays refused until its time, then is accepted', () => {
  const tokens = createTokenService(config);
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({ sub: SUB, role: 'creator', iat: now, nbf: now + 60, exp: now + 600 }, SECRET, {
    algorithm: 'HS256',
    audience: config.audience,
    issuer: config.issuer,
  });
  expect(() => tokens.verify(token)).toThrow(InvalidTokenError);
  expect(() => tokens.verify(token)).toThrow(InvalidTokenError); // refusals are not remembered as acceptances
  jest.spyOn(Date, 'now').mockReturnValue((now + 61) * 1000);
  expect(tokens.verify(token).sub).toBe(SUB);
});

test('a remembered token does not make a tampered copy acceptable', () => {
  const tokens = createTokenService(config);
  const { token } = tokens.sign({ sub: SUB, role: 'creator' });
  tokens.verify(token);
  const [header, payload, signature] = token.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${signature}`;
  expect(() => tokens.verify(forged)).toThrow(InvalidTokenError);
});

test('tokens of another service (other secret) are not accepted from the memory of this one', () => {
  const a = createTokenService(config);
  const b = createTokenService({ ...config, secret: crypto.randomBytes(32).toString('hex') });
  const { token } = a.sign({ sub: SUB, role: 'creator' });
  a.verify(token);
  expect(() => b.verify(token)).toThrow(InvalidTokenError);
});
