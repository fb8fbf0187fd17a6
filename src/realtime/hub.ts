// Routes change events to the subscribers of their creator, and nowhere else. The creator of a
// subscriber comes from its authenticated viewer when it subscribes, never from arguments.
import { RESYNC, type ChangeEvent, type ChangeFeed, type ChangeMessage } from '../graphql/ports';

type Listener = (message: ChangeMessage) => void;

export class Hub implements ChangeFeed {
  private readonly byCreator = new Map<string, Set<Listener>>();
  private delivered = 0;

  subscribe(creatorId: string, listener: Listener): () => void {
    let set = this.byCreator.get(creatorId);
    if (!set) this.byCreator.set(creatorId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byCreator.delete(creatorId);
    };
  }

  publish(event: ChangeEvent): void {
    const set = this.byCreator.get(event.creatorId);
    if (!set) return;
    for (const listener of set) {
      this.delivered++;
      listener(event);
    }
  }

  resyncAll(): void {
    for (const set of this.byCreator.values()) for (const listener of set) listener(RESYNC);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.byCreator.values()) n += set.size;
    return n;
  }

  /** Events handed to subscribers since start (for metrics). */
  get fanOut(): number {
    return this.delivered;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A NOTIFY payload from app.notify_change(), or undefined if it is not one. */
export function parseChange(payload: string | undefined): ChangeEvent | undefined {
  if (!payload) return undefined;
  try {
    const raw = JSON.parse(payload) as { c?: unknown; e?: unknown; op?: unknown; id?: unknown; p?: unknown };
    if (typeof raw.c !== 'string' || !UUID.test(raw.c) || typeof raw.e !== 'string' || typeof raw.id !== 'string')
      return undefined;
    if (raw.op !== 'insert' && raw.op !== 'update' && raw.op !== 'delete') return undefined;
    return {
      creatorId: raw.c,
      entity: raw.e,
      op: raw.op,
      id: raw.id,
      parent: typeof raw.p === 'string' ? raw.p : null,
    };
  } catch {
    return undefined;
  }
}
