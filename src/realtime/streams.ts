// Async iterators over a creator's change events, for GraphQL subscriptions. The creator is
// always the subscriber's own tenant (ctx.tenantId, which the field's declared tenant scope
// checked at subscribe time), so a subscription cannot listen to another creator whatever its
// arguments.
import { refusal } from '../graphql/refusal';
import type { Context } from '../graphql/context';
import { RESYNC, type ChangeEvent, type ChangeMessage } from '../graphql/ports';

/**
 * The subscriber's tenant. Subscription fields declare the tenant scope, so it is known here; a
 * field that forgot to is refused as the scope would refuse it, never subscribed to no creator.
 */
export function subscriberTenant(ctx: Context): string {
  if (ctx.tenantId === undefined) throw refusal(ctx.viewer, 'tenant');
  return ctx.tenantId;
}

/** A slow subscriber keeps at most this many undelivered events; older ones are dropped. */
const MAX_QUEUE = 1_000;

function stream<T>(
  ctx: Context,
  accept: (message: ChangeMessage, push: (value: T) => void) => void,
): AsyncIterableIterator<T> {
  const creatorId = subscriberTenant(ctx);
  const queue: T[] = [];
  let wake: ((result: IteratorResult<T>) => void) | undefined;
  let done = false;
  const push = (value: T) => {
    if (done) return;
    if (wake) {
      const w = wake;
      wake = undefined;
      w({ value, done: false });
    } else {
      queue.push(value);
      if (queue.length > MAX_QUEUE) queue.shift();
    }
  };
  const unsubscribe = ctx.realtime.hub.subscribe(creatorId, (message) => accept(message, push));
  const finish = (): IteratorResult<T> => {
    done = true;
    unsubscribe();
    wake?.({ value: undefined, done: true });
    wake = undefined;
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (wake = resolve));
    },
    return() {
      return Promise.resolve(finish());
    },
    async throw(error?: unknown) {
      finish();
      throw error;
    },
  };
}

/** Each matching change of the subscriber's tenant, and RESYNC after a listener reconnect. */
export function changes(
  ctx: Context,
  match: (event: ChangeEvent) => boolean,
): AsyncIterableIterator<ChangeEvent | typeof RESYNC> {
  return stream<ChangeEvent | typeof RESYNC>(ctx, (message, push) => {
    if (message === RESYNC || match(message)) push(message);
  });
}

/**
 * An async generator that ends at once when its consumer ends it. A generator suspended in
 * `for await` over a source does not see `return()` until that source yields again, so a
 * subscription the client stopped would linger (its listener, its queue) until the next event.
 * Ending the source first wakes the generator, which then finishes.
 */
export function endsWithSource<T>(
  generator: AsyncGenerator<T>,
  source: AsyncIterator<unknown>,
): AsyncIterableIterator<T> {
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => generator.next(),
    async return(value?: unknown) {
      await source.return?.();
      return generator.return(value);
    },
    async throw(error?: unknown) {
      await source.return?.();
      return generator.throw(error);
    },
  };
}
