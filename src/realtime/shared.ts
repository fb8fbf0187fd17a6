// Snapshots shared by every subscriber of one tenant: a dashboard's numbers are the same for all
// of a creator's dashboards, so they are computed once per burst of changes and handed to each,
// not once per subscription. Before this, one socket holding 300 dashboardSummary subscriptions
// made each write run the summary SQL 300 times (1,500 statements for 5 writes).
//
// A feed exists per hub (server instance), tenant and key (the subscription and its arguments)
// while it has subscribers. It listens to its tenant's changes, debounces them like
// debouncedTicks, and runs `compute` once per burst (single-flight: changes that arrive while a
// computation runs start exactly one more after it). `compute` gets a current subscriber's
// context, and every subscriber of the feed has the same tenant, so it runs through that
// tenant's client: row-level security decides, once, for all of them.
//
// Each subscriber keeps only the newest snapshot it has not taken yet: a slow client gets the
// latest numbers, never a growing queue.
import type { Context } from '../graphql/context';
import { RESYNC, type ChangeEvent, type ChangeFeed } from '../graphql/ports';
import { subscriberTenant } from './streams';

/** One computation's outcome, shared by reference; the resolver awaits `value`. */
export interface Snapshot<T> {
  readonly value: Promise<T>;
}

interface Subscriber<T> {
  ctx: Context;
  pending?: Snapshot<T>;
  wake?: (result: IteratorResult<Snapshot<T>>) => void;
  done: boolean;
}

interface FeedOptions<T> {
  match: (event: ChangeEvent) => boolean;
  compute: (ctx: Context) => Promise<T>;
  /** A snapshot is reused for a new subscriber only while this is unchanged (e.g. the day it is of). */
  stamp?: () => string;
  debounceMs?: number;
  maxWaitMs?: number;
}

class Feed<T> {
  readonly subscribers = new Set<Subscriber<T>>();
  private latest?: { snapshot: Snapshot<T>; stamp: string; failed: boolean };
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private windowOpenedAt = 0;
  private readonly unsubscribe: () => void;

  constructor(
    hub: ChangeFeed,
    creatorId: string,
    private readonly options: FeedOptions<T>,
    private readonly onEmpty: () => void,
  ) {
    this.unsubscribe = hub.subscribe(creatorId, (message) => {
      if (message === RESYNC || options.match(message)) this.schedule();
    });
  }

  /** A new subscriber: it starts with the current snapshot if that still holds, else a fresh one. */
  join(subscriber: Subscriber<T>): void {
    this.subscribers.add(subscriber);
    const latest = this.latest;
    if (latest && !latest.failed && latest.stamp === this.stampNow()) subscriber.pending = latest.snapshot;
    else this.run(subscriber);
  }

  leave(subscriber: Subscriber<T>): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    this.onEmpty();
  }

  private stampNow(): string {
    return this.options.stamp?.() ?? '';
  }

  private schedule(): void {
    const debounceMs = this.options.debounceMs ?? 250;
    const maxWaitMs = this.options.maxWaitMs ?? 1_000;
    const now = Date.now();
    if (!this.timer) this.windowOpenedAt = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(debounceMs, this.windowOpenedAt + maxWaitMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /**
   * One computation for every subscriber, or, if one is running, exactly one more after it. A
   * subscriber that joins while one runs (with no usable snapshot) is served by the next.
   */
  private run(joining?: Subscriber<T>): void {
    if (this.subscribers.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const ctx = (joining ?? this.subscribers.values().next().value!).ctx;
    this.running = true;
    const stamp = this.stampNow();
    const value = Promise.resolve().then(() => this.options.compute(ctx));
    const entry = { snapshot: { value }, stamp, failed: false };
    this.latest = entry;
    for (const subscriber of this.subscribers) deliver(subscriber, entry.snapshot);
    // Nobody may be left awaiting a failure (every subscriber may have gone): never unhandled.
    value
      .catch(() => {
        entry.failed = true;
      })
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.run();
        }
      });
  }
}

function deliver<T>(subscriber: Subscriber<T>, snapshot: Snapshot<T>): void {
  if (subscriber.done) return;
  if (subscriber.wake) {
    const wake = subscriber.wake;
    subscriber.wake = undefined;
    wake({ value: snapshot, done: false });
  } else subscriber.pending = snapshot;
}

const feedsByHub = new WeakMap<ChangeFeed, Map<string, Feed<unknown>>>();

/** Feeds open on a hub (for tests and metrics). */
export function openFeeds(hub: ChangeFeed): number {
  return feedsByHub.get(hub)?.size ?? 0;
}

/**
 * The snapshots of `key` for the subscriber's tenant: one now, then one per burst of matching
 * changes (and after a listener reconnect), each computed once for all the tenant's subscribers
 * to the same key on this instance. `key` must hold everything `compute` depends on besides the
 * tenant (the subscription and its arguments).
 */
export function sharedSnapshots<T>(
  ctx: Context,
  key: string,
  options: FeedOptions<T>,
): AsyncIterableIterator<Snapshot<T>> {
  const creatorId = subscriberTenant(ctx);
  const hub = ctx.realtime.hub;
  let feeds = feedsByHub.get(hub);
  if (!feeds) feedsByHub.set(hub, (feeds = new Map<string, Feed<unknown>>()));
  const feedKey = `${creatorId}\u0000${key}`;
  let feed = feeds.get(feedKey) as Feed<T> | undefined;
  if (!feed) {
    const all = feeds;
    feed = new Feed<T>(hub, creatorId, options, () => all.delete(feedKey));
    feeds.set(feedKey, feed as Feed<unknown>);
  }
  const theFeed = feed;
  const subscriber: Subscriber<T> = { ctx, done: false };
  theFeed.join(subscriber);
  const finish = (): IteratorResult<Snapshot<T>> => {
    if (!subscriber.done) {
      subscriber.done = true;
      subscriber.pending = undefined;
      theFeed.leave(subscriber);
      subscriber.wake?.({ value: undefined, done: true });
      subscriber.wake = undefined;
    }
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (subscriber.pending) {
        const value = subscriber.pending;
        subscriber.pending = undefined;
        return Promise.resolve({ value, done: false });
      }
      if (subscriber.done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (subscriber.wake = resolve));
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
