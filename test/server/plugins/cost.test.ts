// The cost plugin keeps each parsed document's cost (memoisedOperationCost) and root fields
// (rootFieldsOf) instead of pricing and walking it on every request: the kept value is always
// what computing it afresh gives, for every variable operationCost reads.
import { parse } from 'graphql';
import { schema } from '../../../src/graphql/schema';
import { operationCost } from '../../../src/server/operation-cost';
import { memoisedOperationCost } from '../../../src/server/plugins/cost';
import { rootFieldsOf } from '../../../src/server/rate-limit';

const DOCUMENT = parse(/* GraphQL */ `
  query Users($first: Int, $filter: UserFilter) {
    users(first: $first, filter: $filter) {
      totalCount
      nodes {
        id
        enrollments(first: 5) {
          nodes {
            id
          }
        }
      }
    }
  }
  query Ids($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
    }
  }
  mutation Two {
    a: updateMe(input: { firstName: "a" }) {
      __typename
    }
    b: updateMe(input: { firstName: "b" }) {
      __typename
    }
  }
`);

test('a kept cost equals the cost computed afresh, whatever the variables', () => {
  const costOf = memoisedOperationCost(schema);
  const cases: [string, Record<string, unknown>][] = [
    ['Users', {}],
    ['Users', { first: 10 }],
    ['Users', { first: 50 }],
    ['Users', { first: 10, filter: { search: 'ada' } }],
    ['Users', { first: 10, filter: { search: 'x'.repeat(3_000) } }],
    ['Users', { first: 10, filter: { search: 'y'.repeat(3_000) } }],
    ['Ids', { ids: ['VXNlcjox'] }],
    ['Ids', { ids: Array(40).fill('VXNlcjox') }],
    ['Ids', { ids: 'VXNlcjox' }],
    ['Ids', { ids: null }],
  ];
  // Twice: the second round is answered from what the first kept.
  for (let round = 0; round < 2; round++)
    for (const [name, variables] of cases)
      expect([name, variables, costOf(DOCUMENT, name, variables)]).toEqual([
        name,
        variables,
        operationCost(schema, DOCUMENT, name, variables),
      ]);
  // Page sizes and list lengths change the cost; so do long strings (per KiB sent).
  const distinct = new Set(cases.map(([name, variables]) => costOf(DOCUMENT, name, variables)));
  expect(distinct.size).toBeGreaterThanOrEqual(6);
  // Values that are not plain JSON are priced afresh every time, and still right.
  const odd = { first: 10, filter: { search: new Date(0) } } as unknown as Record<string, unknown>;
  expect(costOf(DOCUMENT, 'Users', odd)).toBe(operationCost(schema, DOCUMENT, 'Users', odd));
});

test("root fields are kept per document and operation name, and stay the walk's answer", () => {
  const users = rootFieldsOf(DOCUMENT, 'Users');
  expect(users).toEqual([{ key: 'users', name: 'users' }]);
  expect(rootFieldsOf(DOCUMENT, 'Users')).toBe(users);
  expect(rootFieldsOf(DOCUMENT, 'Two')).toEqual([
    { key: 'a', name: 'updateMe' },
    { key: 'b', name: 'updateMe' },
  ]);
  expect(Object.isFrozen(users)).toBe(true);
  // A document with one operation: no name, or its name, alike.
  const single = parse(`{ me { id } __typename }`);
  expect(rootFieldsOf(single, undefined)).toEqual([{ key: 'me', name: 'me' }]);
  expect(rootFieldsOf(single, null)).toEqual([{ key: 'me', name: 'me' }]);
  expect(rootFieldsOf(DOCUMENT, 'Missing')).toEqual([]);
});
