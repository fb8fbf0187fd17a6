// Argon2id password hashing (OWASP's recommended parameters are @node-rs/argon2's defaults:
// m=19 MiB, t=2, p=1).
//
// @node-rs/argon2 computes on libuv's thread pool, off the event loop; but each hash is ~20 MiB
// and tens of ms of a core, and the thread pool is shared with DNS, fs and crypto. So the server
// hashes through a PasswordHasher: at most PASSWORD_HASH_CONCURRENCY at once, at most
// PASSWORD_HASH_QUEUE waiting, and past that the call is refused at once with RATE_LIMITED
// (HTTP 429, Retry-After: 1). A flood of anonymous log-ins or sign-ups then costs at most that
// many cores, and signed-in traffic keeps the rest.
//
// The hasher's computations run on threads of their own at the lowest CPU priority (nice 19):
// on a machine whose cores are all busy, a hash waits for idle time instead of taking its share
// from the thread that serves requests. On libuv's pool they ran at the event loop's priority:
// in bench:fairness (the server on one core), 19 sign-ups of the attacker were enough to raise
// another tenant's p99 (bench/NOTES.md). Linux sets the nice value per thread.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import argon2 from '@node-rs/argon2';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';

/** Unbounded: for scripts and the seed, not for requests. */
export const hashPassword = (password: string): Promise<string> => argon2.hash(password);

// Verifying against this when the email is unknown (or the account is throttled) makes a
// failed log-in take as long either way, so response times do not reveal which emails have
// accounts, nor which are throttled.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$7Bbet9eR0f9TXawpZXMSzg$6XLz18DB6FcwBjXRkG/Gs3vFGT5oVBzHZsKCs48V2y4';

/** Unbounded: for scripts, not for requests. */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  try {
    return await argon2.verify(passwordHash ?? DUMMY_HASH, password);
  } catch {
    return false;
  }
}

export function hashQueueFull(): GraphQLError {
  return new GraphQLError('The server is busy with other log-ins and sign-ups. Retry in 1 s.', {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: 1,
      http: { status: 429, headers: new HeaderMap([['retry-after', '1']]) },
    },
  });
}

/** A thread that hashes and verifies, one at a time, at the lowest priority. */
class HashThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private next = 0;

  constructor() {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const argon2 = require(${JSON.stringify(require.resolve('@node-rs/argon2'))});
      try { require('node:os').setPriority(${os.constants.priority.PRIORITY_LOW}); } catch {}
      parentPort.on('message', ({ id, op, password, hash }) => {
        try {
          parentPort.postMessage({ id, value: op === 'hash' ? argon2.hashSync(password) : argon2.verifySync(hash, password) });
        } catch (error) {
          parentPort.postMessage({ id, error: String(error && error.message || error) });
        }
      });`;
    this.worker = new Worker(code, { eval: true });
    this.worker.unref();
    this.worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
      const call = this.pending.get(id);
      this.pending.delete(id);
      if (error !== undefined) call?.reject(new Error(error));
      else call?.resolve(value);
    });
    // A thread that dies fails what it held, and is never handed work again.
    const die = (error: Error) => {
      this.alive = false;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', () => die(new Error('the hashing thread stopped')));
  }

  alive = true;

  call<T>(message: { op: 'hash'; password: string } | { op: 'verify'; password: string; hash: string }): Promise<T> {
    if (!this.alive) return Promise.reject(new Error('the hashing thread stopped'));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly threads: HashThread[] = [];
  private readonly idle: HashThread[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueMax: number,
  ) {}

  /** Stops the hashing threads (they never keep the process alive either way). */
  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.close()));
    this.idle.length = 0;
  }

  /** One of the low-priority threads, made when first needed (at most `concurrency`, one per running call). */
  private async onThread<T>(message: Parameters<HashThread['call']>[0]): Promise<T> {
    let thread = this.idle.pop();
    if (!thread) this.threads.push((thread = new HashThread()));
    try {
      return await thread.call<T>(message);
    } finally {
      if (thread.alive) this.idle.push(thread);
      else if (this.threads.includes(thread)) this.threads.splice(this.threads.indexOf(thread), 1);
    }
  }

  /** Hashes computed and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  hash(password: string): Promise<string> {
    return this.run(() => this.computeHash(password));
  }

  /** One hash, on a low-priority thread (tests watch these two). */
  computeHash(password: string): Promise<string> {
    return this.onThread<string>({ op: 'hash', password });
  }

  /** One verification, on a low-priority thread. */
  computeVerify(hash: string, password: string): Promise<boolean> {
    return this.onThread<boolean>({ op: 'verify', password, hash });
  }

  /** False for a wrong password, an unusable hash, or none (then against a dummy, same cost). */
  verify(passwordHash: string | null | undefined, password: string): Promise<boolean> {
    return this.run(async () => {
      try {
        return await this.computeVerify(passwordHash ?? DUMMY_HASH, password);
      } catch {
        return false;
      }
    });
  }

  /** The cost of a verification without one: for answers that must not be told apart. */
  async dummyVerify(password: string): Promise<false> {
    await this.verify(undefined, password);
    return false;
  }

  /** Runs `fn` within the bound; throws RATE_LIMITED at once if the queue is full. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueMax) throw hashQueueFull();
      // The slot is handed over by the one that finishes (running stays counted).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
