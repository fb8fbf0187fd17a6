// The resolver time budget (src/graphql/time-budget.ts): past the deadline, a field that can
// start work fails with REQUEST_TIMEOUT; a plain exposed scalar, which only reads its parent, is
// not wrapped and still answers; mutations are never cut.
import SchemaBuilder from '@pothos/core';
import { graphql } from 'graphql';
import '../../src/graphql/time-budget';

interface Ctx {
  deadline?: number;
}

function schemaWith(onWork: () => void) {
  // The app's other plugins' options are declared globally (src/graphql/builder.ts): none is used here.
  const builder = new SchemaBuilder<{ Context: Ctx }>({ plugins: ['timeBudget'] } as never);
  const Item = builder.objectRef<{ name: string; size: number }>('Item').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      size: t.int({
        resolve: (item) => {
          onWork();
          return item.size;
        },
      }),
    }),
  });
  builder.queryType({
    fields: (t) => ({
      item: t.field({ type: Item, nullable: true, resolve: () => ({ name: 'a', size: 1 }) }),
    }),
  });
  builder.mutationType({
    fields: (t) => ({ touch: t.int({ resolve: () => 1 }) }),
  });
  return builder.toSchema();
}

test('past the deadline: fields that can start work fail with REQUEST_TIMEOUT, plain exposes still answer', async () => {
  let work = 0;
  const schema = schemaWith(() => (work += 1));
  // Before the deadline: everything answers.
  expect(
    await graphql({ schema, source: '{ item { name size } }', contextValue: { deadline: Date.now() + 60_000 } }),
  ).toEqual({ data: { item: { name: 'a', size: 1 } } });
  expect(work).toBe(1);

  // The root field starts work: refused.
  const late = await graphql({ schema, source: '{ item { name } }', contextValue: { deadline: Date.now() - 1 } });
  expect(late.data).toEqual({ item: null });
  expect(late.errors?.map((e) => e.extensions.code)).toEqual(['REQUEST_TIMEOUT']);

  // A parent already resolved: its exposed scalar answers, its resolver field does not run.
  const context: Ctx = { deadline: Date.now() + 60_000 };
  const schemaLate = schemaWith(() => (work += 1));
  const itemField = schemaLate.getQueryType()!.getFields().item!;
  const original = itemField.resolve!;
  itemField.resolve = (...args) => {
    const value = original(...args);
    context.deadline = Date.now() - 1; // the budget runs out while the root field resolves
    return value;
  };
  const partial = await graphql({ schema: schemaLate, source: '{ item { name size } }', contextValue: context });
  expect(partial.errors?.map((e) => [e.path?.join('.'), e.extensions.code])).toEqual([
    ['item.size', 'REQUEST_TIMEOUT'],
  ]);
  expect(work).toBe(1);

  // Mutations are never cut.
  expect(await graphql({ schema, source: 'mutation { touch }', contextValue: { deadline: Date.now() - 1 } })).toEqual({
    data: { touch: 1 },
  });
});
