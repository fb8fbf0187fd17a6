// Global ids (Relay): base64("Type:uuid"). Inputs take global ids and are decoded here, so a
// malformed id or an id of the wrong type is a VALIDATION_FAILED naming the field.
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { ValidationError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toGlobalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}

export function fromGlobalId(value: string, typename: string | readonly string[], path: string): string {
  const allowed = typeof typename === 'string' ? [typename] : typename;
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(value);
  } catch {
    throw new ValidationError([{ path, message: `is not a valid ${allowed.join(' or ')} id` }]);
  }
  if (!allowed.includes(decoded.typename) || !UUID.test(decoded.id)) {
    throw new ValidationError([{ path, message: `is not a valid ${allowed.join(' or ')} id` }]);
  }
  return decoded.id.toLowerCase();
}

/** An optional reference: null when absent, else decoded like fromGlobalId. */
export function optionalGlobalId(
  value: string | number | null | undefined,
  typename: string,
  path: string,
): string | null {
  return value === null || value === undefined || value === '' ? null : fromGlobalId(String(value), typename, path);
}
