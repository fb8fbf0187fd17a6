// Who calls, and how: a creator's token, no credential, an admin token (acting as tenant A, or
// not), a partner key (persisted operations only, by hash), over HTTP; and the creators, the
// admin and nobody over WebSocket with graphql-ws for subscriptions.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { FuzzWorld } from './harness';
import type { Tenant } from './pools';

export type ActorName = 'asCreatorA' | 'asCreatorB' | 'anonymous' | 'asAdmin' | 'asPartner';

export interface ActorSpec {
  name: ActorName;
  /** Whose ids are "own" to it, and whose are the other tenant's. */
  own: Tenant;
  other: Tenant;
  crossWeight: number;
}

export const ACTORS: Record<ActorName, ActorSpec> = {
  asCreatorA: { name: 'asCreatorA', own: 'A', other: 'B', crossWeight: 10 },
  // B aims mostly at A's rows: this is the cross-tenant attack.
  asCreatorB: { name: 'asCreatorB', own: 'B', other: 'A', crossWeight: 40 },
  anonymous: { name: 'anonymous', own: 'A', other: 'B', crossWeight: 10 },
  asAdmin: { name: 'asAdmin', own: 'A', other: 'B', crossWeight: 10 },
  asPartner: { name: 'asPartner', own: 'A', other: 'B', crossWeight: 10 },
};

/** One answer, whatever the transport. */
export interface Answer {
  status?: number;
  /** HTTP body, or every message of a WebSocket operation. */
  body: unknown;
  /** The request id the call sent (HTTP), to find its log lines. */
  requestId?: string;
  /** A WebSocket close that ended the operation. */
  close?: { code: number; reason: string };
  /** The call never got an answer (connection refused, reset, bad JSON). */
  transportError?: string;
}

let sequence = 0;
const nextRequestId = () => `fuzz-${process.pid}-${++sequence}`;

export interface HttpCall {
  document?: string;
  variables?: Record<string, unknown>;
  /** Extra body fields (partner: the persisted-query extension instead of the text). */
  body?: Record<string, unknown>;
  /** For asAdmin: act as tenant A (with a reason), or call as the admin alone. */
  actAs?: boolean;
}

export async function callHttp(world: FuzzWorld, actor: ActorName, call: HttpCall): Promise<Answer> {
  const requestId = nextRequestId();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    'x-request-id': requestId,
  };
  if (actor === 'asCreatorA') headers.authorization = `Bearer ${world.tokens.A}`;
  if (actor === 'asCreatorB') headers.authorization = `Bearer ${world.tokens.B}`;
  if (actor === 'asAdmin') {
    headers.authorization = `Bearer ${world.tokens.admin}`;
    if (call.actAs !== false)
      Object.assign(headers, { 'x-act-as-creator': world.creators.A, 'x-admin-reason': 'schema-wide fuzz test' });
  }
  if (actor === 'asPartner') headers['x-api-key'] = world.partnerKey;
  const payload = {
    ...(call.document !== undefined ? { query: call.document } : {}),
    ...(call.variables ? { variables: call.variables } : {}),
    ...call.body,
  };
  try {
    const response = await fetch(world.server.url, { method: 'POST', headers, body: JSON.stringify(payload) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return { status: response.status, body: text.slice(0, 2000), requestId, transportError: 'response is not JSON' };
    }
    return { status: response.status, body, requestId };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { body: null, requestId, transportError: `${String(error)}${cause ? ` (${String(cause)})` : ''}` };
  }
}

/** One graphql-ws client per actor, reopened when the server closes it. */
export class Sockets {
  private clients = new Map<ActorName, Client>();
  private lastClose = new Map<ActorName, { code: number; reason: string }>();
  constructor(private readonly world: FuzzWorld) {}

  private clientFor(actor: ActorName): Client {
    const existing = this.clients.get(actor);
    if (existing) return existing;
    const params: Record<string, string> = {};
    if (actor === 'asCreatorA') params.authorization = `Bearer ${this.world.tokens.A}`;
    if (actor === 'asCreatorB') params.authorization = `Bearer ${this.world.tokens.B}`;
    if (actor === 'asAdmin')
      Object.assign(params, {
        authorization: `Bearer ${this.world.tokens.admin}`,
        'x-act-as-creator': this.world.creators.A,
        'x-admin-reason': 'schema-wide fuzz test',
      });
    const client = createClient({
      url: this.world.server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: params,
      retryAttempts: 0,
      lazy: true,
      lazyCloseTimeout: 60_000,
      on: {
        closed: (event) => {
          const e = event as { code: number; reason: string };
          this.lastClose.set(actor, { code: e.code, reason: String(e.reason) });
          if (this.clients.get(actor) === client) this.clients.delete(actor);
        },
      },
    });
    this.clients.set(actor, client);
    return client;
  }

  /**
   * Subscribes, gathers what arrives until the first result, an error, completion or `waitMs`,
   * then unsubscribes. A subscription that streams nothing yet is a fine outcome.
   */
  subscribe(actor: ActorName, document: string, variables: Record<string, unknown>, waitMs: number): Promise<Answer> {
    const client = this.clientFor(actor);
    const messages: unknown[] = [];
    return new Promise<Answer>((resolve) => {
      let done = false;
      const finish = (close?: { code: number; reason: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        resolve({ body: messages, ...(close ? { close } : {}) });
      };
      const timer = setTimeout(() => finish(), waitMs);
      const unsubscribe = client.subscribe(
        { query: document, variables },
        {
          next: (value) => {
            messages.push(value);
            finish();
          },
          error: (error) => {
            const close =
              error && typeof error === 'object' && 'code' in error
                ? {
                    code: Number((error as { code: number }).code),
                    reason: String((error as { reason?: string }).reason),
                  }
                : undefined;
            if (!close) messages.push({ errors: error });
            finish(close ?? this.lastClose.get(actor));
          },
          complete: () => finish(),
        },
      );
    });
  }

  /** A subscription kept open for the whole run; every message it gets is returned at the end. */
  listen(
    actor: ActorName,
    document: string,
    variables: Record<string, unknown>,
  ): { messages: unknown[]; stop: () => void } {
    const messages: unknown[] = [];
    const stop = this.clientFor(actor).subscribe(
      { query: document, variables },
      { next: (v) => messages.push(v), error: (e) => messages.push({ error: e }), complete: () => undefined },
    );
    return { messages, stop };
  }

  async close(): Promise<void> {
    for (const c of [...this.clients.values()]) void c.dispose();
    this.clients.clear();
  }
}
