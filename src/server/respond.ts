// Answers the HTTP layer writes itself (the router's, the body reader's and the partner gate's
// refusals): a whole body with its length, so that nothing is chunked.
import type http from 'node:http';
import type { Logger } from '../logger';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends `body` whole, as JSON unless a content type is given. */
export function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
  contentType = JSON_TYPE,
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The body of an error answer, shaped like a GraphQL response's errors. */
export function errorBody(code: string, message: string, extensions: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] });
}

export function sendError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, errorBody(code, message), headers);
}

/** A request that failed where nothing expected it: logged, and answered 500 if still possible. */
export function failed(res: http.ServerResponse, log: Logger, error: unknown, path: string): void {
  log.error({ err: error, path }, 'unexpected error in the HTTP layer');
  if (res.headersSent) res.destroy();
  else sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
}
