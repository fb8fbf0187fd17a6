// Is this error the database being away (down, restarting, unreachable, out of connections)
// rather than something wrong with the request? Such errors become SERVICE_UNAVAILABLE: the
// client may retry, and nothing about the database is revealed.
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);
// SQLSTATE classes 08 (connection exception) and 57P0x (admin shutdown, crash shutdown,
// cannot connect now), 53300 (too many connections).
const SQLSTATE = /^(08\d{3}|57P0[1-4]|53300)$/;
const MESSAGES =
  /ECONNREFUSED|Connection terminated|connection timeout|timeout exceeded when trying to connect|the database system is (shutting down|starting up|in recovery mode)|terminating connection due to administrator command|Can't reach database server|Server has closed the connection|Client has encountered a connection error|connect ECONN|Connection refused/i;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  const e = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    originalError?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
    errors?: unknown[];
  };
  if (typeof e.code === 'string' && (CODES.has(e.code) || SQLSTATE.test(e.code))) return true;
  const adapter = e.meta?.driverAdapterError?.cause;
  if (
    typeof adapter?.originalCode === 'string' &&
    (CODES.has(adapter.originalCode) || SQLSTATE.test(adapter.originalCode))
  )
    return true;
  if (
    typeof adapter?.kind === 'string' &&
    /DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/.test(adapter.kind)
  )
    return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.originalError, depth + 1);
}
