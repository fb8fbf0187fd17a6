// What one answer says: its error codes, whether the call got past GraphQL validation (so that it
// counts for coverage), and the problems that make it a finding: a 5xx, INTERNAL_SERVER_ERROR
// anywhere, an error without a code, a WebSocket closed as an internal error, an error-level
// log line of the server, or no answer at all.
import type { Answer } from './actors';
import type { LogLine } from './harness';

export type ProblemKind =
  'http-5xx' | 'internal-error' | 'untyped-error' | 'ws-internal-close' | 'error-log' | 'transport';

export interface Problem {
  kind: ProblemKind;
  /** Stable enough to group repeats of one bug: kind, code, message shape. */
  detail: string;
}

export interface Verdict {
  codes: string[];
  /** Passed parsing, validation and variable coercion (and was not refused for its rate). */
  valid: boolean;
  problems: Problem[];
  /** A message per code (the first), for the report. */
  examples: [string, string][];
}

interface GraphQLErrorShape {
  message?: string;
  path?: unknown;
  extensions?: { code?: unknown };
}

const NOT_VALIDATED = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_ALLOWED',
  'PERSISTED_QUERY_NOT_FOUND',
]);

/** Every `errors` entry in an HTTP body or in the WebSocket messages. */
function errorsIn(body: unknown): GraphQLErrorShape[] {
  const out: GraphQLErrorShape[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const errors = (v as { errors?: unknown }).errors;
      if (Array.isArray(errors)) out.push(...(errors as GraphQLErrorShape[]));
      else if (errors && typeof errors === 'object') out.push(errors);
    }
  };
  visit(body);
  return out;
}

/** Numbers, ids and quoted values out of a message, so that repeats of one bug group together. */
export const shapeOf = (message: string) =>
  message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 160);

export function judge(answer: Answer, logLines: LogLine[]): Verdict {
  const problems: Problem[] = [];
  if (answer.transportError) problems.push({ kind: 'transport', detail: shapeOf(answer.transportError) });
  if (answer.status !== undefined && answer.status >= 500)
    problems.push({ kind: 'http-5xx', detail: `HTTP ${answer.status}` });
  const errors = errorsIn(answer.body);
  const codes = errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'NO_CODE'));
  for (const [i, e] of errors.entries()) {
    if (codes[i] === 'INTERNAL_SERVER_ERROR')
      problems.push({ kind: 'internal-error', detail: `INTERNAL_SERVER_ERROR at ${JSON.stringify(e.path ?? null)}` });
    if (codes[i] === 'NO_CODE') problems.push({ kind: 'untyped-error', detail: shapeOf(String(e.message)) });
  }
  if (answer.close && (answer.close.code === 4500 || answer.close.code === 1011))
    problems.push({ kind: 'ws-internal-close', detail: `close ${answer.close.code} ${shapeOf(answer.close.reason)}` });
  for (const line of logLines)
    problems.push({ kind: 'error-log', detail: shapeOf(`${line.msg ?? ''}: ${line.err?.message ?? ''}`) });
  // A socket refused at the door (no or a bad credential) is the typed answer for subscriptions.
  const refusedAtDoor = answer.close !== undefined && [4401, 4403].includes(answer.close.code);
  const coercionFailed = errors.some((e) => !e.path && /^Variable "\$/.test(String(e.message)));
  const valid =
    !answer.transportError &&
    (refusedAtDoor ||
      (!codes.some((c) => NOT_VALIDATED.has(c)) &&
        !coercionFailed &&
        answer.status !== 429 &&
        !(codes.includes('NO_CODE') && !errors.some((e) => e.path))));
  // Members of a result union (`... on Error { code }`) are answers too: count their codes.
  const unionCodes = unionCodesIn(answer.body);
  codes.push(...unionCodes.map(([c]) => c));
  const examples: [string, string][] = [
    ...errors.map((e, i): [string, string] => [codes[i]!, String(e.message).slice(0, 200)]),
    ...unionCodes,
  ];
  return {
    examples,
    codes: codes.length ? [...new Set(codes)] : answer.close ? [`WS_CLOSE_${answer.close.code}`] : ['OK'],
    valid,
    problems,
  };
}

/** `code` and `message` of result-union members directly under `data`'s root fields. */
function unionCodesIn(body: unknown): [string, string][] {
  const data = body && typeof body === 'object' ? (body as { data?: unknown }).data : undefined;
  if (!data || typeof data !== 'object') return [];
  return Object.values(data)
    .filter(
      (v): v is { code: unknown; message?: unknown } =>
        !!v && typeof v === 'object' && typeof (v as { code?: unknown }).code === 'string',
    )
    .map((v) => [`${String(v.code)} (result)`, String(v.message ?? '').slice(0, 200)]);
}

export const signatureOf = (field: string, actor: string, problem: Problem) =>
  `${field}|${actor}|${problem.kind}|${problem.detail}`;
