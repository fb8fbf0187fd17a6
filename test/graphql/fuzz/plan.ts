// Which targets each phase runs, in which order: reads before writes, and the writes that remove
// rows (delete, erase, revoke, archive, unenroll) last, so that earlier calls still find real
// rows to go deep with. Also: which actors must cover which root fields.
import type { PersistedOperation } from '../../../src/graphql/ports';
import type { ActorName } from './actors';
import { fieldTarget, partnerTarget, type Engine, type Target } from './calls';
import { rootKey, type RootField } from './schema-model';

export interface Planned {
  target: Target;
  root?: RootField;
  op?: PersistedOperation;
}

const DESTRUCTIVE = /^(delete|erase|revoke|archive|unenroll|logOut)/;
const rank = (r: RootField) =>
  r.kind === 'query' ? 0 : r.kind === 'subscription' ? 1 : DESTRUCTIVE.test(r.name) ? 3 : 2;

export function ordered(roots: RootField[]): RootField[] {
  return [...roots].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Every root field as each actor, interleaved by field (so lanes mix actors). */
export function fieldPlan(engine: Engine, roots: RootField[], actors: ActorName[]): Planned[] {
  return ordered(roots).flatMap((root) => actors.map((actor) => ({ target: fieldTarget(engine, root, actor), root })));
}

export function partnerPlan(engine: Engine, ops: Iterable<PersistedOperation>): Planned[] {
  return [...ops].map((op) => ({ target: partnerTarget(engine, op), op }));
}

/** The actors that must call every Query, Mutation and Subscription field. */
export const FIELD_ACTORS: ActorName[] = ['asCreatorA', 'asCreatorB', 'anonymous', 'asAdmin'];

/** `field|actor` keys the coverage check requires. */
export function requiredCoverage(
  printedKeys: string[],
  ops: Iterable<PersistedOperation>,
  partnerFields: (op: PersistedOperation) => string[],
): string[] {
  const keys = printedKeys.flatMap((field) => FIELD_ACTORS.map((actor) => `${field}|${actor}`));
  for (const op of ops) for (const field of partnerFields(op)) keys.push(`${field}|asPartner`);
  return keys;
}

export const keyOf = (root: RootField) => rootKey(root.kind, root.name);
