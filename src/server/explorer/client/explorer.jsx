// @ts-check
// The explorer's browser side: GraphiQL 5 talking to this same server, queries and mutations
// over HTTP and subscriptions over graphql-ws. scripts/build-explorer.js bundles it (with its
// Monaco workers and every font) into dist/explorer/, so the page fetches nothing from any
// other host. Plain JSX rather than TSX: the server's tsc program has no DOM types; its own
// tsconfig.json next to this file type-checks it with them.
import { useGraphiQL, useGraphiQLActions } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { getOperationAST } from 'graphql';
import { createClient } from 'graphql-ws';
import { useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
import './explorer.css';

/**
 * What the server puts in the page (explorer.ts). A JSON script element, not a script: the
 * CSP allows no inline script.
 * @typedef {{ headers: Record<string, string>, workers: Record<'editor' | 'json' | 'graphql', string> }} PageConfig
 */
/** @type {PageConfig} */
const config = JSON.parse(document.getElementById('explorer-config')?.textContent ?? '{}');

// Monaco starts its language services in workers. They are this build's own files (hashed
// names, listed in the page config; self-contained classic scripts) from this origin:
// worker-src 'self', no blob: and no CDN.
/** @type {any} */ (globalThis).MonacoEnvironment = {
  /** @param {string} _id @param {string} label */
  getWorker(_id, label) {
    const name =
      label === 'json' ? config.workers.json : label === 'graphql' ? config.workers.graphql : config.workers.editor;
    return new Worker(new URL(name, new URL('/explorer/', location.href)), { name: label });
  },
};

const httpUrl = new URL('/graphql', location.href).href;
const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;

// Queries and mutations: the toolkit's HTTP fetcher, which adds the header editor's headers.
const overHttp = createGraphiQLFetcher({ url: httpUrl });

/**
 * The server reads the credential from connectionParams when the socket opens, so the
 * connection belongs to one set of headers: the header editor's, with lower-case keys as
 * the server's contract names them (`authorization`). A subscription run with other headers
 * (a token pasted in) gets a socket of its own; GraphiQL runs one operation at a time, so the
 * previous socket is closed.
 * @type {{ key: string, client: import('graphql-ws').Client } | undefined}
 */
let socket;
/** @param {Record<string, unknown>} headers */
function clientFor(headers) {
  /** @type {Record<string, string>} */
  const params = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (typeof value === 'string') params[name.toLowerCase()] = value;
  const key = JSON.stringify(params);
  if (socket?.key !== key) {
    void socket?.client.dispose();
    // No retries: a refused credential (4403) would only be refused again, and a closed
    // socket shows as the operation's error, for the user to run it again.
    socket = { key, client: createClient({ url: wsUrl, lazy: true, retryAttempts: 0, connectionParams: params }) };
  }
  return socket.client;
}

/** @param {unknown} error */
function asError(error) {
  if (error instanceof Error) return error;
  if (error && typeof error === 'object' && 'code' in error) {
    const { code, reason } = /** @type {{ code: number, reason?: string }} */ (error);
    const hint =
      code === 4403
        ? ' (the Authorization header is missing, invalid or expired: reload the page for a fresh demo token)'
        : '';
    return new Error(`The socket closed: ${code} ${reason ?? ''}`.trim() + hint);
  }
  return new Error(Array.isArray(error) ? JSON.stringify(error) : String(error));
}

/** @type {import('@graphiql/toolkit').Fetcher} */
const fetcher = (params, options) => {
  const operation = options?.documentAST
    ? getOperationAST(options.documentAST, params.operationName || undefined)
    : null;
  if (operation?.operation !== 'subscription') return overHttp(params, options);
  const client = clientFor(options?.headers ?? {});
  // An Observable: GraphiQL shows each event as it comes and unsubscribes on Stop. (Cast: the
  // toolkit's Observable type overloads subscribe for callback arguments GraphiQL never passes.)
  return /** @type {any} */ ({
    /** @param {{ next(value: unknown): void, error(error: unknown): void, complete(): void }} sink */
    subscribe(sink) {
      const stop = client.subscribe(/** @type {any} */ (params), {
        next: (value) => sink.next(/** @type {any} */ (value)),
        error: (error) => sink.error(asError(error)),
        complete: () => sink.complete(),
      });
      return { unsubscribe: stop };
    },
  });
};

// Shareable links: ?query=, ?variables= and ?operationName= start the editors, and edits are
// written back to the address bar. Headers never go in the URL: they hold a token.
const url = new URL(location.href);
const initial = {
  query: url.searchParams.get('query') ?? undefined,
  variables: url.searchParams.get('variables') ?? undefined,
  operationName: url.searchParams.get('operationName') ?? undefined,
};
/** @param {string} name @param {string | null | undefined} value */
function remember(name, value) {
  const next = new URL(location.href);
  // Past a few KB a link stops being shareable, and a reload would meet the server's header
  // size limit (431); GraphiQL keeps the text in its tabs anyway.
  if (value && value.length <= 4000) next.searchParams.set(name, value);
  else next.searchParams.delete(name);
  if (next.href !== location.href) history.replaceState(history.state, '', next);
}

/**
 * Selects the operation ?operationName= names once the editor knows the document's
 * operations, and puts the cursor in it: Ctrl-Enter runs it, from any editor. (GraphiQL's own
 * `operationName` prop would pin it for every later run, whatever the document becomes.)
 * @param {{ name: string | undefined }} props
 */
function SelectOperation({ name }) {
  const operations = useGraphiQL((state) => state.operations);
  const queryEditor = useGraphiQL((state) => state.queryEditor);
  const { setOperationName } = useGraphiQLActions();
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !name || !operations?.length || !queryEditor) return;
    done.current = true;
    const operation = operations.find((op) => op.name?.value === name);
    if (!operation?.name?.loc) return;
    const model = queryEditor.getModel();
    if (model) queryEditor.setPosition(model.getPositionAt(operation.name.loc.start));
    setOperationName(name);
  }, [name, operations, queryEditor, setOperationName]);
  return null;
}

const headers = JSON.stringify(config.headers ?? {}, null, 2);
const DEFAULT_QUERY = `# creatorgraph: queries and mutations run over HTTP, subscriptions over a WebSocket
# (graphql-ws), each with the token in Headers below. Ctrl-Enter runs; Ctrl-Space completes.
{
  me {
    email
    companyName
  }
}
`;

function Explorer() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      initialQuery={initial.query}
      initialVariables={initial.variables}
      initialHeaders={headers}
      defaultHeaders={headers}
      // The headers hold a token that the server hands out fresh with each page: never keep
      // them in localStorage, and offer no setting that would.
      shouldPersistHeaders={false}
      showPersistHeadersSettings={false}
      defaultEditorToolsVisibility={config.headers && Object.keys(config.headers).length ? 'headers' : undefined}
      onEditQuery={(value) => remember('query', value)}
      onEditVariables={(value) => remember('variables', value)}
      onEditOperationName={(value) => remember('operationName', value)}
    >
      <GraphiQL.Logo>creatorgraph</GraphiQL.Logo>
      <SelectOperation name={initial.operationName} />
    </GraphiQL>
  );
}

const root = document.getElementById('explorer');
if (root) createRoot(root).render(<Explorer />);
