// A node's `id` answers synchronously (src/graphql/global-ids.ts replaces plugin-relay's async
// resolver): the same value, base64 of `Type:uuid`, for every node type, and no promise for
// graphql-js to wait on. The replacement reads the row's `id` column, which is only right while
// every prismaNode names `id` as its id field: the source is held to that here.
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { schema } from '../../src/graphql/schema';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const nodeTypes = Object.values(schema.getTypeMap()).filter(
  (type): type is GraphQLObjectType =>
    type instanceof GraphQLObjectType && type.getInterfaces().some((i) => i.name === 'Node'),
);

describe('node ids', () => {
  test('every prismaNode names `id` as its id field, with no resolver of its own', () => {
    const src = path.resolve(__dirname, '../../src');
    const declarations = sourceFiles(src).flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/builder\.prismaNode\('(\w+)',\s*\{\s*id:\s*(\{[^}]*\})/g)].map(
        (m) => ({ model: m[1], id: m[2]!.replace(/\s+/g, ' ') }),
      ),
    );
    const all = sourceFiles(src).reduce(
      (n, file) => n + (fs.readFileSync(file, 'utf8').match(/builder\.prismaNode\(/g)?.length ?? 0),
      0,
    );
    expect(declarations).toHaveLength(all);
    expect(declarations.filter((d) => d.id !== "{ field: 'id' }")).toEqual([]);
    expect(nodeTypes.length).toBe(all);
  });

  test.each(nodeTypes.map((t) => [t.name, t] as const))(
    '%s.id is the global id, answered synchronously',
    (name, type) => {
      const id = '0b4c7a52-6a3e-4f0e-9a55-2f7d1c0e8b11';
      const resolve = type.getFields().id!.resolve!;
      const info = { parentType: type, fieldName: 'id', path: { prev: undefined, key: 'id', typename: name } };
      const value = resolve({ id }, {}, {}, info as unknown as GraphQLResolveInfo);
      expect(value).toBe(encodeGlobalID(name, id));
    },
  );
});
