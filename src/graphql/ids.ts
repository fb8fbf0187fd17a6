// Global ids (Relay): base64("Type:uuid"). Declared inputs (t.arg.idOf, global-ids.ts) are decoded
// with decodeGlobalId; a malformed id or an id of the wrong type is a VALIDATION_FAILED naming the
// field.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { ValidationError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toGlobalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}

/** The uuid inside a global id of one of `typenames`, or null when it is not one. */
export function decodeGlobalId(value: string, typenames: readonly string[]): string | null {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(value);
  } catch {
    return null;
  }
  return typenames.includes(decoded.typename) && UUID.test(decoded.id) ? decoded.id.toLowerCase() : null;
}

/**
 * A global id found outside the declared arguments (inside JSON, such as badge criteria):
 * decoded like `t.arg.idOf` (global-ids.ts), a VALIDATION_FAILED naming `path` otherwise.
 */
export function fromGlobalId(value: string, typename: string | readonly string[], path: string): string {
  const allowed = typeof typename === 'string' ? [typename] : typename;
  const id = decodeGlobalId(value, allowed);
  if (id === null) throw new ValidationError([{ path, message: `is not a valid ${allowed.join(' or ')} id` }]);
  return id;
}
