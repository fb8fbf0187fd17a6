// Events name rows by id; before a row is pushed to a subscriber it is re-read through the
// subscriber's own tenant client, so row-level security decides once more what it may see.
//
// The hub hands one event object to every subscriber of its creator, and they all share that
// creator's tenant, so the answer is the same for each: it is computed once per event (and once
// per distinct GraphQL selection), not once per subscriber. Ten dashboards of one creator cost
// one visibility check and one load per change, not ten of each.
import { prismaFor } from '../graphql/tenant';
import type { Context } from '../server/context';
import { RESYNC, type ChangeEvent } from './hub';

type Findable = { findUnique(args: { where: { id: string }; select: { id: true } }): Promise<{ id: string } | null> };

const memo = new WeakMap<ChangeEvent, Map<string, Promise<unknown>>>();

/** `load()` once per event and key; every subscriber of the event's creator shares the result. */
export function perEvent<T>(event: ChangeEvent, key: string, load: () => Promise<T>): Promise<T> {
  let results = memo.get(event);
  if (!results) memo.set(event, (results = new Map()));
  let result = results.get(key) as Promise<T> | undefined;
  if (!result) results.set(key, (result = load()));
  return result;
}

export async function* visibleRows(ctx: Context, model: string, events: AsyncIterable<ChangeEvent | typeof RESYNC>): AsyncGenerator<ChangeEvent> {
  const delegate = (prismaFor(ctx) as unknown as Record<string, Findable>)[model]!;
  for await (const event of events) {
    if (event === RESYNC) continue;
    const visible = await perEvent(event, `visible:${model}`, () => delegate.findUnique({ where: { id: event.id }, select: { id: true } }));
    if (visible) yield event;
  }
}

/** The row for an event, loaded with a subscriber's selection, shared by identical selections. */
export function loadForEvent<T>(event: ChangeEvent, model: string, query: object, load: () => Promise<T>): Promise<T> {
  return perEvent(event, `row:${model}:${JSON.stringify(query)}`, load);
}
