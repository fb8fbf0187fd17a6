// The usage record of one API-key call: started on its first byte, written to api_usage_logs
// when the connection is done with the response (sent, or abandoned by the client).
import type http from 'node:http';
import type { PartnerViewer } from '../../auth/partner-auth';
import type { PersistedOperation } from '../../graphql/ports';
import { BODY_LIMIT_BYTES } from '../http-body';
import type { UsageRecorder } from '../usage-log';

export interface PartnerRequest {
  viewer: PartnerViewer;
  /** Unset while the request has not named a known operation. */
  operation?: PersistedOperation;
}

/** The first error code of a GraphQL response body, for the usage log. */
function errorCodeOf(body: string): string | null {
  if (!body.includes('"errors"')) return null;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const code = parsed.errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

const MAX_INT = 2 ** 31 - 1;
const clampInt = (n: number) => (Number.isFinite(n) ? Math.min(MAX_INT, Math.max(0, Math.round(n))) : 0);

/** One call of an API key, from its first byte: what the usage log records of it. */
export interface PartnerCall {
  /** Set once the key is authenticated; the operation once the request names a known one. */
  partner?: PartnerRequest;
  allowedOperations?: readonly string[];
  /** The response body, as it is sent. */
  sent(body: string): void;
}

/**
 * Starts the usage record of a request with X-Api-Key. It is written when the connection is
 * done with the response: after it is sent, or when the client goes away first (logged as 499,
 * nginx's "client closed request"); every call of a known key is logged either way.
 */
export function startPartnerCall(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  usage: UsageRecorder,
  ip: string | undefined = req.socket.remoteAddress,
): PartnerCall {
  const started = process.hrtime.bigint();
  let responseBytes = 0;
  let errorCode: string | null = null;
  const call: PartnerCall = {
    sent(body) {
      responseBytes = Buffer.byteLength(body);
      errorCode = errorCodeOf(body);
    },
  };
  res.once('close', () => {
    const partner = call.partner;
    if (!partner) return;
    const bodyBytes =
      req.method === 'GET' ? Buffer.byteLength(req.url ?? '') : Number(req.headers['content-length'] ?? 0);
    usage.record({
      creatorId: partner.viewer.creatorId,
      apiKeyId: partner.viewer.keyId,
      operationName: partner.operation?.name ?? null,
      operationHash: partner.operation?.hash ?? null,
      statusCode: res.writableFinished ? res.statusCode : 499,
      errorCode: res.writableFinished ? errorCode : 'CLIENT_CLOSED_REQUEST',
      durationMs: clampInt(Number(process.hrtime.bigint() - started) / 1e6),
      // The body is not read past its limit, so a claimed length beyond it was never read.
      requestSizeBytes: clampInt(Math.min(bodyBytes, BODY_LIMIT_BYTES + 1)),
      responseSizeBytes: clampInt(responseBytes),
      // The client's address as client-address.ts finds it (X-Forwarded-For only with TRUST_PROXY).
      ipAddress: ip ?? null,
      createdAt: new Date(),
    });
  });
  return call;
}
