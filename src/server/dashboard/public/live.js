// The live part: dashboardSummary and engagementMetricUpdated over graphql-ws (the global
// `graphqlWs`, this server's copy of graphql-ws' browser build).
//
// The server checks the access token when a socket opens, and closes the socket (4403) when
// that token expires or its log-in ends. So each access token gets a socket of its own, a
// "generation": after a refresh, the new socket is opened and subscribed while the old one still
// streams, and the old one is closed only once the new one has delivered (plus a short overlap),
// so no event falls between them. Events seen twice in the overlap are harmless: the summary is
// a snapshot, and metric rows are merged by id and updatedAt.
import { SUMMARY_UPDATES, METRIC_UPDATES } from './api.js';

const FORBIDDEN = 4403;
/** How long the old socket keeps streaming after the new one delivered its first summary. */
const OVERLAP_MS = 2_000;
/** A ping every 15 s; no pong within 5 s means the socket is dead: drop it and reconnect. */
const KEEP_ALIVE_MS = 15_000;
const PONG_WAIT_MS = 5_000;
/** Before subscribing again to an operation the server refused (e.g. RATE_LIMITED). */
const RESUBSCRIBE_MS = 5_000;

const socketUrl = () => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
const isCloseEvent = (value) => Boolean(value) && typeof value === 'object' && 'code' in value && 'reason' in value;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reconnects after 0.5, 1, 2, 4, 8, then every 10 s, each ±25 %, so that clients spread out. */
const backoff = (retries) => sleep(Math.min(10_000, 500 * 2 ** retries) * (0.75 + Math.random() * 0.5));

export class Live {
  /**
   * @param {{
   *   onSummary(summary): void, onMetric(metric): void,
   *   onState(state: 'connecting' | 'live' | 'reconnecting'): void,
   *   onTokenRefused(): void, onProblem(message: string | null): void, onResync(): void,
   * }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.current = null;
    this.next = null;
  }

  /** Streams with this token: the first socket, or the next generation after a refresh. */
  start(token) {
    if (!this.current) {
      this.current = this.open(token);
      this.handlers.onState('connecting');
      return;
    }
    if (this.next) this.close(this.next);
    this.next = this.open(token);
  }

  stop() {
    for (const gen of [this.current, this.next]) if (gen) this.close(gen);
    this.current = this.next = null;
  }

  open(token) {
    const gen = { state: 'connecting', ended: false, refused: false, unsubscribe: [], pongTimer: undefined };
    gen.client = graphqlWs.createClient({
      url: socketUrl(),
      connectionParams: { authorization: `Bearer ${token}` },
      keepAlive: KEEP_ALIVE_MS,
      retryAttempts: Infinity,
      retryWait: backoff,
      // 4403: this token is no longer accepted (expired, or its log-in ended). The same token
      // will not do better: stop, and let the session get a new one (onTokenRefused).
      shouldRetry: (event) => isCloseEvent(event) && event.code !== FORBIDDEN,
      on: {
        connecting: (isRetry) => this.setState(gen, isRetry ? 'reconnecting' : 'connecting'),
        connected: (_socket, _payload, wasRetry) => {
          this.setState(gen, 'live');
          // Events may have been written while the socket was down: read the history again.
          if (wasRetry && gen === this.current) this.handlers.onResync();
        },
        closed: () => {
          clearTimeout(gen.pongTimer);
          if (!gen.ended) this.setState(gen, 'reconnecting');
        },
        ping: (received) => {
          if (!received) gen.pongTimer = setTimeout(() => gen.client.terminate(), PONG_WAIT_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(gen.pongTimer);
        },
      },
    });
    this.subscribe(gen, SUMMARY_UPDATES, (data) => {
      this.handlers.onSummary(data.dashboardSummary);
      this.promote(gen);
    });
    this.subscribe(gen, METRIC_UPDATES, (data) => {
      if (data.engagementMetricUpdated) this.handlers.onMetric(data.engagementMetricUpdated);
    });
    return gen;
  }

  subscribe(gen, query, onData) {
    const stop = gen.client.subscribe(
      { query },
      {
        next: (result) => {
          if (gen.ended) return;
          if (result.errors && result.errors.length)
            this.handlers.onProblem(result.errors.map((e) => e.message).join('; '));
          if (result.data) onData(result.data);
        },
        error: (error) => this.failed(gen, query, onData, error),
        complete: () => undefined,
      },
    );
    gen.unsubscribe.push(stop);
  }

  failed(gen, query, onData, error) {
    if (gen.ended) return;
    if (isCloseEvent(error) && error.code === FORBIDDEN) {
      // Both subscriptions of the socket report the one close: ask for a token once.
      if (gen.refused) return;
      gen.refused = true;
      this.setState(gen, 'reconnecting');
      if (gen === this.current || gen === this.next) this.handlers.onTokenRefused();
      return;
    }
    // The server refused the operation itself (an array of GraphQL errors: a rate, a limit on
    // subscriptions): say so, and try that operation again a little later on the same socket.
    const errors = Array.isArray(error) ? error : [error];
    this.handlers.onProblem(
      errors
        .map((e) => (e && e.message) || (isCloseEvent(e) ? `socket closed (${e.code} ${e.reason})` : String(e)))
        .join('; '),
    );
    setTimeout(() => {
      if (!gen.ended) this.subscribe(gen, query, onData);
    }, RESUBSCRIBE_MS);
  }

  /** The next generation delivered: it becomes the current one, and the old one closes soon. */
  promote(gen) {
    if (gen !== this.next) return;
    const old = this.current;
    this.current = gen;
    this.next = null;
    this.handlers.onState(gen.state);
    this.handlers.onProblem(null);
    if (old) setTimeout(() => this.close(old), OVERLAP_MS);
  }

  setState(gen, state) {
    gen.state = state;
    if (gen === this.current) this.handlers.onState(state);
  }

  close(gen) {
    if (gen.ended) return;
    gen.ended = true;
    clearTimeout(gen.pongTimer);
    for (const stop of gen.unsubscribe) stop();
    void gen.client.dispose();
  }
}
