// Access tokens: JWTs exactly as the contract says (sub, role, iss, aud, exp, iat).
//
// Verification is deliberately narrow:
//   * the algorithm is pinned to the one the configured key is for (HS256, RS256 or ES256), so
//     `alg: none` and algorithm-confusion tokens fail;
//   * audience and issuer are checked (jsonwebtoken accepts any unless told);
//   * `exp` is required (jsonwebtoken accepts a token without one unless we check);
//   * `sub` must be a UUID and `role` a known one; nothing else from the token is passed on.
// Keys are KeyObjects built once: verify() with a string secret costs ~1 ms per call because
// jsonwebtoken first tries to parse it as a PEM key (measured 0.7–1 ms per verify; bench/NOTES.md).
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { boundedCache } from '../cache';
import type { JwtConfig } from '../config';

export type Role = 'creator' | 'admin';

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The log-in (refresh-token family) the token was issued for, when it came from one. */
  sid?: string;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLES: readonly Role[] = ['creator', 'admin'];
const CLOCK_TOLERANCE_S = 5;
const VERIFIED_CACHE_LIMIT = 10_000;

export interface TokenService {
  readonly algorithm: jwt.Algorithm;
  sign(subject: { sub: string; role: Role; sid?: string }, ttlSeconds?: number): { token: string; expiresAt: Date };
  verify(token: string): AccessClaims;
}

export function createTokenService(config: JwtConfig): TokenService {
  let algorithm: jwt.Algorithm;
  let verifyKey: crypto.KeyObject;
  let signKey: crypto.KeyObject | undefined;
  if (config.secret) {
    algorithm = 'HS256';
    verifyKey = signKey = crypto.createSecretKey(Buffer.from(config.secret, 'utf8'));
  } else if (config.publicKey) {
    verifyKey = crypto.createPublicKey(config.publicKey);
    const type = verifyKey.asymmetricKeyType;
    if (type === 'rsa') algorithm = 'RS256';
    else if (type === 'ec' && verifyKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') algorithm = 'ES256';
    else throw new Error('JWT_PUBLIC_KEY must be an RSA key (RS256) or a P-256 EC key (ES256)');
    signKey = config.privateKey ? crypto.createPrivateKey(config.privateKey) : undefined;
  } else {
    throw new Error('no JWT key configured');
  }

  const verified = boundedCache<string, { claims: AccessClaims; nbf: number | undefined }>({
    max: VERIFIED_CACHE_LIMIT,
  });
  const verifyOptions: jwt.VerifyOptions & { complete: false } = {
    algorithms: [algorithm],
    audience: config.audience,
    issuer: config.issuer,
    clockTolerance: CLOCK_TOLERANCE_S,
    complete: false,
  };

  return {
    algorithm,
    sign(subject, ttlSeconds = config.accessTokenTtlSeconds) {
      if (!signKey)
        throw new Error('this server verifies tokens but has no private key to sign them (set JWT_PRIVATE_KEY)');
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const token = jwt.sign(
        { sub: subject.sub, role: subject.role, ...(subject.sid ? { sid: subject.sid } : {}), iat: now, exp },
        signKey,
        {
          algorithm,
          audience: config.audience,
          issuer: config.issuer,
        },
      );
      return { token, expiresAt: new Date(exp * 1000) };
    },
    verify(token) {
      // A token verified before is the same token: only the clock can change the answer. Recheck
      // exp and nbf (with the same tolerance) and skip the signature (bench/NOTES.md: about 80 µs
      // of a request's CPU). Bounded: the least recently used token is forgotten first.
      const known = verified.get(token);
      if (known) {
        const now = Date.now() / 1000;
        if (
          now < known.claims.exp + CLOCK_TOLERANCE_S &&
          (known.nbf === undefined || now >= known.nbf - CLOCK_TOLERANCE_S)
        )
          return known.claims;
        verified.delete(token);
      }
      return verifyUncached(token);
    },
  };

  function verifyUncached(token: string): AccessClaims {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, verifyKey, verifyOptions);
    } catch (error) {
      throw new InvalidTokenError(
        error instanceof jwt.TokenExpiredError ? 'expired' : 'signature, algorithm, audience or issuer rejected',
      );
    }
    if (typeof payload !== 'object' || payload === null) throw new InvalidTokenError('payload is not an object');
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('exp is required');
    if (typeof payload.iat !== 'number') throw new InvalidTokenError('iat is required');
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub)) throw new InvalidTokenError('sub must be a UUID');
    const role = (payload as { role?: unknown }).role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
      throw new InvalidTokenError('unknown role');
    const sid = (payload as { sid?: unknown }).sid;
    if (sid !== undefined && (typeof sid !== 'string' || !UUID.test(sid)))
      throw new InvalidTokenError('sid must be a UUID');
    const claims: AccessClaims = {
      sub: payload.sub.toLowerCase(),
      role: role as Role,
      exp: payload.exp,
      iat: payload.iat,
      ...(typeof sid === 'string' ? { sid: sid.toLowerCase() } : {}),
    };
    verified.set(token, { claims, nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined });
    return claims;
  }
}
