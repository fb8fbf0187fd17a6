// Events name rows by id; before a row is pushed to a subscriber it is re-read through the
// subscriber's own tenant client, so row-level security decides once more what it may see.
//
// The hub hands one event object to every subscriber of its creator, and they all share that
// creator's tenant, so the answer is the same for each: it is computed once per event (and once
// per distinct GraphQL selection), not once per subscriber. Ten dashboards of one creator cost
// one visibility check and one load per change, not ten of each.
import { prismaFor } from '../graphql/tenant';
import type { Context } from '../graphql/context';
import { RESYNC, type ChangeEvent } from '../graphql/ports';
import { endsWithSource, subscriberTenant } from './streams';

type Findable = { findUnique(args: { where: { id: string }; select: { id: true } }): Promise<{ id: string } | null> };

const memo = new WeakMap<ChangeEvent, Map<string, Promise<unknown>>>();

/** `load()` once per event and key; every subscriber of the event's creator shares the result. */
export function perEvent<T>(event: ChangeEvent, key: string, load: () => Promise<T>): Promise<T> {
  let results = memo.get(event);
  if (!results) memo.set(event, (results = new Map<string, Promise<unknown>>()));
  let result = results.get(key) as Promise<T> | undefined;
  if (!result) results.set(key, (result = load()));
  return result;
}

/** Rows changed since a moment, for catching up after the listener reconnected. */
export type CatchUp = (since: Date) => Promise<string[]>;

const CATCH_UP_MARGIN_MS = 5_000;
// Per subscription, so a plain Set dropping the oldest, not src/cache.ts: lru-cache allocates its
// `max` slots up front (about 17 KB for 1 000, measured), where most subscriptions remember a few ids.
const REMEMBERED_IDS = 1_000;

/**
 * The visible rows of a stream of change events. After a listener reconnect (RESYNC), rows
 * changed since shortly before the last delivery are read again through `catchUp` and sent, so
 * a dropped connection loses nothing. For streams of new rows (`insertsOnly`) the ones already
 * sent are skipped; a stream of changes sends the row's current state again, which is harmless.
 */
export function visibleRows(
  ctx: Context,
  model: string,
  events: AsyncIterableIterator<ChangeEvent | typeof RESYNC>,
  catchUp?: CatchUp,
  insertsOnly = false,
): AsyncIterableIterator<ChangeEvent> {
  return endsWithSource(visibleRowsOf(ctx, model, events, catchUp, insertsOnly), events);
}

async function* visibleRowsOf(
  ctx: Context,
  model: string,
  events: AsyncIterable<ChangeEvent | typeof RESYNC>,
  catchUp: CatchUp | undefined,
  insertsOnly: boolean,
): AsyncGenerator<ChangeEvent> {
  const delegate = (prismaFor(ctx) as unknown as Record<string, Findable>)[model]!;
  const creatorId = subscriberTenant(ctx);
  const delivered = new Set<string>();
  let lastDelivery = Date.now();
  const remember = (id: string) => {
    delivered.add(id);
    if (delivered.size > REMEMBERED_IDS) delivered.delete(delivered.values().next().value!);
    lastDelivery = Date.now();
  };
  for await (const event of events) {
    if (event === RESYNC) {
      if (!catchUp) continue;
      for (const id of await catchUp(new Date(lastDelivery - CATCH_UP_MARGIN_MS))) {
        if (insertsOnly && delivered.has(id)) continue;
        remember(id);
        yield { creatorId, entity: model, op: 'update', id, parent: null };
      }
      continue;
    }
    const visible = await perEvent(event, `visible:${model}`, () =>
      delegate.findUnique({ where: { id: event.id }, select: { id: true } }),
    );
    if (visible) {
      remember(event.id);
      yield event;
    }
  }
}

/** The row for an event, loaded with a subscriber's selection, shared by identical selections. */
export function loadForEvent<T>(event: ChangeEvent, model: string, query: object, load: () => Promise<T>): Promise<T> {
  return perEvent(event, `row:${model}:${JSON.stringify(query)}`, load);
}
