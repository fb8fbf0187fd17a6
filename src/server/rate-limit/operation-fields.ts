// What counts as a request for the rate limits: each root field of the operation.
import { getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The root fields an operation runs, by response key (two selections of one key run once),
 * without __typename; fragments at the root are followed. Each one is an operation of its own
 * for the rate limits: 30 aliased mutations are 30 requests.
 */
export function rootFieldsOf(
  document: DocumentNode,
  operationName: string | null | undefined,
): { key: string; name: string }[] {
  // Kept per parsed document (Apollo and the WebSocket server reuse one per query text) and
  // operation name; frozen, as every request of the document shares it.
  let byName = rootFields.get(document);
  if (!byName) rootFields.set(document, (byName = new Map<string | null, RootField[]>()));
  const name = operationName ?? null;
  let fields = byName.get(name);
  if (!fields) {
    fields = Object.freeze(walkRootFields(document, name).map((f) => Object.freeze(f))) as RootField[];
    // A document holds few operations; names it does not hold are not worth keeping.
    if (byName.size < 16) byName.set(name, fields);
  }
  return fields;
}

type RootField = { key: string; name: string };
const rootFields = new WeakMap<DocumentNode, Map<string | null, RootField[]>>();

function walkRootFields(document: DocumentNode, operationName: string | null): RootField[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const s of selectionSet.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === '__typename') continue;
        const key = s.alias?.value ?? s.name.value;
        if (!fields.has(key)) fields.set(key, s.name.value);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...fields].map(([key, name]) => ({ key, name }));
}
