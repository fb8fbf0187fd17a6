// No answer is larger than config.fairness.maxResponseBytes (MAX_RESPONSE_BYTES): past it the
// request gets RESPONSE_TOO_LARGE instead (HTTP 400 over HTTP, like the other "ask for less"
// refusals; 413 stays the request body's PAYLOAD_TOO_LARGE), and over WebSocket that event's
// payload is replaced by the same error (ResponseTooLargeError, graphql/errors.ts). A mutation's
// changes were made; only its answer is withheld.

/** The size of a serialized answer if it is over `maxBytes` (UTF-8 bytes are at least its length, at most three times it). */
export function bodyOverLimit(body: string, maxBytes: number): number | undefined {
  if (body.length * 3 <= maxBytes) return undefined;
  const bytes = body.length > maxBytes ? body.length : Buffer.byteLength(body);
  return bytes > maxBytes ? bytes : undefined;
}

/**
 * A lower bound of JSON.stringify(value)'s size in bytes, walked without building the string and
 * given up as soon as it passes `stopAt`. Each character of a string is at least one byte and
 * at most six (an escape), so the bound is within a factor of six of the truth.
 */
export function jsonBytesAtLeast(value: unknown, stopAt: number): number {
  let total = 0;
  const walk = (v: unknown): void => {
    if (total > stopAt) return;
    if (v === null || v === undefined) total += 4;
    else if (typeof v === 'string') total += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') total += String(v).length;
    else if (Array.isArray(v)) {
      total += 2 + Math.max(0, v.length - 1);
      for (const item of v) {
        walk(item);
        if (total > stopAt) return;
      }
    } else if (typeof v === 'object') {
      const json = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof json === 'function') return walk(json.call(v));
      total += 2;
      for (const key in v) {
        total += key.length + 4;
        walk((v as Record<string, unknown>)[key]);
        if (total > stopAt) return;
      }
    }
  };
  walk(value);
  return total;
}

/**
 * The size of a result (an object about to be sent as JSON) if it is over `maxBytes`. A result
 * clearly over is refused without serializing it; one that may be over is serialized once to
 * know; a small one is not serialized here at all.
 */
export function resultOverLimit(result: unknown, maxBytes: number): number | undefined {
  const atLeast = jsonBytesAtLeast(result, maxBytes);
  if (atLeast > maxBytes) return atLeast;
  if (atLeast * 6 <= maxBytes) return undefined;
  return bodyOverLimit(JSON.stringify(result) ?? '', maxBytes);
}
