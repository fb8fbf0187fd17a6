// Partner API keys. A key reads `cgk_<id>_<creator>_<secret>`:
//   - `cgk_<id>` is the public prefix that identifies the key in lists and logs;
//   - <creator> is the creator's id (32 hex digits), so that the key is looked up through that
//     creator's tenant client, under row-level security, with no privileged connection;
//   - <secret> is 32 random bytes (base64url).
// Only the SHA-256 of the whole key is stored. A forged <creator> finds no row: the hash is
// looked up under that creator's policy, and the key's own creator is a different one.
import crypto from 'node:crypto';

const FORMAT = /^(cgk_[A-Za-z0-9]{8})_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  /** The whole key: shown once, never stored. */
  secret: string;
  prefix: string;
  hash: string;
}

export interface ParsedApiKey {
  creatorId: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number): string {
  return Array.from({ length }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
}

export function issueApiKey(creatorId: string): IssuedApiKey {
  const prefix = `cgk_${randomId(8)}`;
  const secret = `${prefix}_${creatorId.replace(/-/g, '').toLowerCase()}_${crypto.randomBytes(32).toString('base64url')}`;
  return { secret, prefix, hash: hashApiKey(secret) };
}

/** The parts of a well-formed key, or undefined for anything else. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = FORMAT.exec(key.trim());
  if (!match) return undefined;
  const hex = match[2]!;
  const creatorId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { creatorId, prefix: match[1]!, hash: hashApiKey(key.trim()) };
}
