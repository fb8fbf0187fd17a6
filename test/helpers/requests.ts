// Requests to a test file's server as one of the two seeded creators, or as nobody: by actor
// (`query('asCreatorA', ...)`) or by token, each checked to have succeeded (HTTP 200, no errors).
// useApiHarness (api.ts) hands them to the API suites.
import type { Actor, Json, Result, Variables } from './api';
import type { TwoTenants } from './fixtures';
import type { GraphQLResponse, TestServer } from './server';

/** The request helpers on the server and tenants `theServer()` and `theTenants()` give once ready. */
export function requestHelpers(theServer: () => TestServer, theTenants: () => TwoTenants) {
  // --- who is asking --------------------------------------------------------------------

  const creatorOf = (actor: Actor) =>
    actor === 'asCreatorA' ? theTenants().creatorA : actor === 'asCreatorB' ? theTenants().creatorB : undefined;
  const tokenOf = (actor: Actor) => {
    const creator = creatorOf(actor);
    return creator ? theServer().tokenFor(creator) : undefined;
  };

  // --- requests by token ----------------------------------------------------------------

  /** A request that must succeed without errors; returns `data`. */
  async function read<T = Json>(token: string | undefined, document: string, variables: Variables = {}): Promise<T> {
    const { status, body } = await theServer().gql<T>(document, variables, { token });
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    return body.data!;
  }

  /** A mutation answered with a member of its result union (never a top-level error). */
  async function mutateWithToken(
    token: string | undefined,
    document: string,
    field: string,
    variables: Variables,
  ): Promise<Result> {
    return (await read<Record<string, Result>>(token, document, variables))[field]!;
  }

  /** Every page of a connection at `data[field]`, 100 at a time (the server's cap). */
  async function readAll(token: string, document: string, field: string, filter: Variables = {}, maxPages = Infinity) {
    const out: any[] = [];
    let after: string | null = null;
    let totalCount = 0;
    for (let page = 0; page < maxPages; page++) {
      const conn: Json = (await read(token, document, { filter, first: 100, after }))[field];
      out.push(...conn.nodes);
      totalCount = conn.totalCount;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    return { nodes: out, totalCount };
  }

  // --- requests by actor ----------------------------------------------------------------

  /** A request as `actor`, returning the whole response. */
  const send = (actor: Actor, document: string, variables: Variables = {}): Promise<GraphQLResponse<Json>> =>
    theServer().gql<Json>(document, variables, { token: tokenOf(actor) });

  /** A request as `actor` that must succeed without errors; returns `data`. */
  const query = (actor: Actor, document: string, variables: Variables = {}): Promise<Json> =>
    read<Json>(tokenOf(actor), document, variables);

  /** A mutation as `actor`: returns the member of its result union. */
  async function mutate(actor: Actor, document: string, field: string, variables: Variables): Promise<Json> {
    return (await query(actor, document, variables))[field]!;
  }

  /** An anonymous request is refused with UNAUTHENTICATED, and the refused fields are null. */
  async function expectUnauthenticated(document: string, variables: Variables = {}) {
    const { body } = await theServer().gql<Record<string, unknown>>(document, variables);
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(body.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    // No data at all for the field that was refused.
    for (const value of Object.values(body.data ?? {})) expect(value).toBeNull();
  }

  return { creatorOf, tokenOf, read, mutateWithToken, readAll, send, query, mutate, expectUnauthenticated };
}
