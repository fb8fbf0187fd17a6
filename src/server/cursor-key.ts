// The key that seals cursors (src/graphql/sealed-cursors.ts). Every instance must derive the same
// key, so it comes from configuration: CURSOR_SECRET, or else the JWT signing secret or private
// key, each through HKDF with its own label so the cursor key never equals a signing key. With no
// secret at all (development with generated tokens) a random key per process is used: cursors
// then do not survive a restart, which only costs a client its place in a list.
import crypto from 'node:crypto';
import type { Config } from '../config';

export function deriveCursorKey(config: Pick<Config, 'cursorSecret' | 'jwt'>): Buffer {
  const material = config.cursorSecret ?? config.jwt.secret ?? config.jwt.privateKey;
  if (material === undefined) return crypto.randomBytes(32);
  return Buffer.from(
    crypto.hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.alloc(0), 'creatorgraph cursor key v1', 32),
  );
}
