// The schema as the fuzz sees it: from an introspection query against the running server (what
// clients really get), and the root fields of the committed schema.graphql (what the coverage
// check holds the fuzz to, so a new root field fails until the fuzz calls it).
import fs from 'node:fs';
import path from 'node:path';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  type GraphQLField,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';

export type RootKind = 'query' | 'mutation' | 'subscription';

export interface RootField {
  kind: RootKind;
  name: string;
  field: GraphQLField<unknown, unknown>;
}

export async function introspect(url: string, token: string): Promise<GraphQLSchema> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: getIntrospectionQuery({ inputValueDeprecation: true }) }),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery; errors?: unknown[] };
  if (!body.data) throw new Error(`introspection failed: HTTP ${response.status} ${JSON.stringify(body.errors)}`);
  return buildClientSchema(body.data);
}

export function rootFields(schema: GraphQLSchema): RootField[] {
  const out: RootField[] = [];
  const roots: [RootKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  for (const [kind, type] of roots) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) out.push({ kind, name: field.name, field });
  }
  return out;
}

/** `query.me`, `mutation.createUser`...: the names the coverage check compares. */
export const rootKey = (kind: RootKind, name: string) => `${kind}.${name}`;

/** The root fields of the committed, printed schema.graphql. */
export function printedRootKeys(file = path.join(__dirname, '..', '..', '..', 'schema.graphql')): string[] {
  const schema = buildSchema(fs.readFileSync(file, 'utf8'));
  return rootFields(schema).map((f) => rootKey(f.kind, f.name));
}
