// A field that selects only scalar columns of its row answers from the row when the row holds
// them (src/graphql/loaded-scalars.ts), without plugin-prisma's per-row loader lookup; when the
// row lacks the column, plugin-prisma's own path runs (and would load it). Over HTTP, the nested
// and flat reads of the other tests answer through it.
import { GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { schema } from '../../src/graphql/schema';

function field(type: string, name: string) {
  const t = schema.getType(type);
  if (!(t instanceof GraphQLObjectType)) throw new Error(`${type} is not an object type`);
  return { type: t, resolve: t.getFields()[name]!.resolve! };
}

const infoFor = (type: GraphQLObjectType, name: string) =>
  ({
    fieldName: name,
    parentType: type,
    returnType: type.getFields()[name]!.type,
    path: { prev: undefined, key: name, typename: type.name },
    operation: { operation: 'query' },
    fieldNodes: [],
    fragments: {},
    variableValues: {},
  }) as unknown as GraphQLResolveInfo;

describe('scalar columns the row holds', () => {
  test.each([
    ['User', 'externalId', { id: 'u1', externalId: 'ext-1' }, 'ext-1'],
    ['User', 'displayName', { id: 'u1', displayName: null }, null],
    ['User', 'channel', { id: 'u1', channel: 'whatsapp' }, 'whatsapp'],
    ['Badge', 'name', { id: 'b1', name: 'Streak' }, 'Streak'],
  ])('%s.%s answers from the row, with no request state at all', (type, name, row, expected) => {
    const { type: t, resolve } = field(type, name);
    // An empty context: plugin-prisma's path would need the request's loader cache and client.
    expect(resolve(row, {}, {}, infoFor(t, name))).toBe(expected);
  });

  test('a row without the column goes to plugin-prisma, which must load it (here: has no client to)', async () => {
    const { type: t, resolve } = field('User', 'externalId');
    const answer = (async () => resolve({ id: 'u1' }, {}, {}, infoFor(t, 'externalId')))();
    await expect(answer).rejects.toThrow();
  });
});
