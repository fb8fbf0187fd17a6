// /graphql over HTTP: Apollo Server's own request handling (executeHTTPGraphQLRequest: methods,
// content negotiation, CSRF prevention, APQ, status codes) straight on node:http, behind the
// partner gate and the body reader. This is what @as-integrations/express5 does, without
// Express's router, body parser and response helpers, which cost more CPU than Apollo's whole
// pipeline for a small query (bench/NOTES.md).
import type http from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { ApiKeyAuthenticator } from '../auth/partner-auth';
import { runWithAuditContext } from '../db/audit-context';
import { clientAddress } from './client-address';
import type { Context } from '../graphql/context';
import type { CredentialInput } from './context';
import { BodyError, readJsonBody } from './http-body';
import type { RefusalDoor } from './refusals';
import { TenantBusyError, type TenantShare } from '../db/tenant-share';
import { bodyOverLimit } from './response-size';
import { ResponseTooLargeError } from '../graphql/errors';
import { errorBody, send } from './respond';
import { admitPartner, authenticatePartner } from './persisted/gate';
import { admitFirstParty } from './persisted/first-party';
import { startPartnerCall, type PartnerCall } from './persisted/partner-call';
import { Refusal } from './persisted/refusal';
import type { GraphQLHttpRequest } from './persisted/request-params';
import type { OperationManifest } from '../graphql/ports';
import type { UsageRecorder } from './usage-log';

export interface GraphQLEndpointOptions {
  apollo: ApolloServer<Context>;
  buildContext: (input: CredentialInput) => Promise<Context>;
  /** Partner safelist, key check and usage log (first-party APQ is Apollo's, in http.ts). */
  persisted: { manifest: OperationManifest; authenticate: ApiKeyAuthenticator; usage: UsageRecorder };
  resolverBudgetMs: number;
  /** TRUST_PROXY: the proxies whose X-Forwarded-For is believed (client-address.ts); 0 or none: the socket's address. */
  trustProxyHops?: number;
  /** Clients refused for their rate are refused again here, before the body is read (refusals.ts). */
  door?: { refusals: RefusalDoor; keysOf(req: http.IncomingMessage): string[] };
  /**
   * Requests of one client (a tenant, or an anonymous address) being served at once; the rest
   * wait their turn in that client's queue, their bodies unread (TENANT_REQUEST_CONCURRENCY).
   */
  admission?: TenantShare;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** An answer of this layer's own: the partner's usage log records it as sent. */
function refuse(
  res: http.ServerResponse,
  call: PartnerCall | undefined,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  call?.sent(body);
  send(res, status, body, headers);
}

export function graphqlEndpoint(
  options: GraphQLEndpointOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const { apollo, persisted } = options;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const apiKey = header(req, 'x-api-key');
    const door = options.door;
    const keys = apiKey === undefined ? (door?.keysOf(req) ?? []) : [];
    if (door && apiKey === undefined && door.refusals.refuse(req, res, keys)) return;
    const ip = clientAddress(req, options.trustProxyHops ?? 0);
    const call = apiKey === undefined ? undefined : startPartnerCall(req, res, persisted.usage, ip);
    try {
      if (call) {
        await authenticatePartner(persisted.authenticate, apiKey!, req.headers.authorization, call);
        const partner = call.partner?.viewer;
        if (
          door &&
          partner &&
          door.refusals.refuse(req, res, [`tenant:${partner.creatorId}`, `apikey:${partner.keyId}`])
        )
          return;
        if (partner) keys.push(`tenant:${partner.creatorId}`);
      }
      // One client's requests take their turns: a burst of one tenant's heavy requests is served
      // a few at a time, and another tenant's request never queues behind it (bench/NOTES.md).
      const client = keys[0];
      if (options.admission && client) {
        try {
          await options.admission.run(client, serve);
        } catch (error) {
          if (!(error instanceof TenantBusyError)) throw error;
          req.resume();
          const body = errorBody('RATE_LIMITED', `${error.message}. Retry in ${error.retryAfterSeconds} s.`, {
            retryAfter: error.retryAfterSeconds,
          });
          const answer = (extra: Record<string, string>) =>
            refuse(res, call, 429, { 'retry-after': String(error.retryAfterSeconds), ...extra }, body);
          if (door) door.refusals.holdBack(res, answer, error.retryAfterSeconds * 1000);
          else answer({});
        }
        return;
      }
      await serve();
    } catch (error) {
      if (error instanceof Refusal) return refuse(res, call, error.status, error.headers(), error.body());
      // Past the limit the rest of the body is not worth reading: the connection closes after the answer.
      if (error instanceof BodyError)
        return refuse(
          res,
          call,
          error.status,
          error.status === 413 ? { connection: 'close' } : {},
          errorBody(error.code, error.message),
        );
      throw error;
    }

    async function serve(): Promise<void> {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const request: GraphQLHttpRequest = {
        method,
        search: q === -1 ? '' : url.slice(q),
        body: method === 'GET' || method === 'HEAD' ? undefined : await readJsonBody(req),
      };
      if (call) admitPartner(persisted.manifest, request, call);
      else admitFirstParty(request, req.headers.authorization);

      // The request's context, once built: its fairness settings bound the answer's size.
      let built: Context | undefined;
      const buildContext = async (input: CredentialInput) => (built = await options.buildContext(input));
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: request.search, body: request.body },
        context: () =>
          buildContext({
            partner: call?.partner?.viewer,
            budgetMs: options.resolverBudgetMs,
            authorization: req.headers.authorization,
            requestId: header(req, 'x-request-id'),
            actAsCreator: header(req, 'x-act-as-creator'),
            adminReason: header(req, 'x-admin-reason'),
            client: { ip, userAgent: header(req, 'user-agent')?.slice(0, 500) },
          }),
      });
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) {
        // Apollo's Vary (accept) joins the router's (Origin, for CORS), rather than replace it.
        const vary = key === 'vary' ? res.getHeader('vary') : undefined;
        res.setHeader(key, vary ? `${String(vary)}, ${value}` : value);
      }
      // No answer over MAX_RESPONSE_BYTES: RESPONSE_TOO_LARGE instead (response-size.ts), a 400 like the
      // other "ask for less" refusals.
      const maxBytes = built?.fairness.maxResponseBytes;
      if (response.body.kind === 'complete') {
        const bytes = maxBytes === undefined ? undefined : bodyOverLimit(response.body.string, maxBytes);
        if (bytes !== undefined) {
          const error = new ResponseTooLargeError(bytes, maxBytes!);
          const body = errorBody('RESPONSE_TOO_LARGE', error.message, { maxBytes, requestId: built!.requestId });
          return refuse(res, call, 400, {}, body);
        }
        const body = response.body.string;
        const finish = (extra: Record<string, string> = {}) => {
          for (const [key, value] of Object.entries(extra)) res.setHeader(key, value);
          call?.sent(body);
          // With its length, the answer goes as one write of head and body; without, node:http
          // sends it chunked (a chunk, its size line and the terminator: a writev of four parts).
          res.setHeader('content-length', Buffer.byteLength(body));
          res.end(body);
        };
        // A refusal for the client's own excess (a rate, its pool share) is held back, so that
        // resending at once gains nothing (refusals.ts).
        if (res.statusCode === 429 && options.door)
          return options.door.refusals.holdBack(res, finish, 1000 * Number(response.headers.get('retry-after') ?? 1));
        finish();
        return;
      }
      // Incremental delivery: the status is sent, so an answer growing past the bound is cut off.
      let sent = 0;
      for await (const chunk of response.body.asyncIterator) {
        sent += Buffer.byteLength(chunk);
        if (maxBytes !== undefined && sent > maxBytes) return void res.destroy();
        res.write(chunk);
      }
      res.end();
    }
  }

  // Everything below runs in the request's audit context (filled by the context factory). What
  // fails unexpectedly is the router's to answer (http.ts).
  return (req, res) => runWithAuditContext(() => handle(req, res));
}
