// The requests of npm run bench:fairness's attacker (bench/fairness-attacks.ts): one GraphQL
// request from the attacker's client address (X-Forwarded-For behind TRUST_PROXY=1), closed loops
// of them until the attack stops, and the outcomes they add up to (served, or refused by code).

export interface Attacker {
  port: number;
  /** The attacker's client address. */
  source: string;
  /** An account the anonymous attacks try to guess (and so to lock out). */
  victimEmail: string;
  /** When every loop stops (epoch ms); set when the attack starts. */
  stopAt: number;
}

/** What one attack sent, what was served, and the codes of what was refused. */
export interface Outcomes {
  sent: number;
  ok: number;
  codes: Record<string, number>;
}

type Body = {
  data?: Record<string, { __typename?: string; code?: string } | null> | null;
  errors?: { extensions?: { code?: string } }[];
};

export async function send(
  a: Attacker,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': a.source };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`http://127.0.0.1:${a.port}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Body };
  } catch {
    return { status: response.status, body: { errors: [{ extensions: { code: `HTTP_${response.status}` } }] } };
  }
}

/** The code of a refusal: a top-level error's, or an error member of a mutation's union; none if served. */
export function refusalCode(status: number, body: Body): string | undefined {
  const error = body.errors?.[0]?.extensions?.code;
  if (error) return error;
  for (const value of Object.values(body.data ?? {})) if (value?.code) return value.code;
  return status === 200 ? undefined : `HTTP_${status}`;
}

function record(o: Outcomes, status: number, body: Body): void {
  o.sent++;
  const code = refusalCode(status, body);
  if (code) o.codes[code] = (o.codes[code] ?? 0) + 1;
  else o.ok++;
}

/** `workers` concurrent loops of `step` until the attack stops. */
export function loop(
  a: Attacker,
  workers: number,
  step: () => Promise<{ status: number; body: Body }>,
): () => Promise<Outcomes> {
  return async () => {
    const o: Outcomes = { sent: 0, ok: 0, codes: {} };
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (Date.now() < a.stopAt) {
          try {
            const { status, body } = await step();
            record(o, status, body);
          } catch {
            o.sent++;
            o.codes.NETWORK_ERROR = (o.codes.NETWORK_ERROR ?? 0) + 1;
          }
        }
      }),
    );
    return o;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- setup answers are read by shape
type Data = Record<string, any>;

export async function must<T>(
  a: Attacker,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  pick: (data: Data) => T,
): Promise<T> {
  const { body } = await send(a, query, variables, token);
  if (body.errors) throw new Error(`attack setup failed: ${JSON.stringify(body.errors)}`);
  return pick(body.data as Data);
}
