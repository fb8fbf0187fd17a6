// Argon2id password hashing (OWASP's recommended parameters are @node-rs/argon2's defaults:
// m=19 MiB, t=2, p=1).
//
// @node-rs/argon2 computes on libuv's thread pool, off the event loop; but each hash is ~20 MiB
// and tens of ms of a core, and the thread pool is shared with DNS, fs and crypto. So the server
// hashes through a PasswordHasher: at most PASSWORD_HASH_CONCURRENCY at once, at most
// PASSWORD_HASH_QUEUE waiting, and past that the call is refused at once with RATE_LIMITED
// (HTTP 429, Retry-After: 1). A flood of anonymous log-ins or sign-ups then costs at most that
// many cores, and signed-in traffic keeps the rest.
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
    extensions: { code: 'RATE_LIMITED', retryAfter: 1, http: { status: 429, headers: new HeaderMap([['retry-after', '1']]) } },
  });
}

export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queueMax: number,
  ) {}

  /** Hashes computed and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password));
  }

  /** False for a wrong password, an unusable hash, or none (then against a dummy, same cost). */
  verify(passwordHash: string | null | undefined, password: string): Promise<boolean> {
    return this.run(async () => {
      try {
        return await argon2.verify(passwordHash ?? DUMMY_HASH, password);
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
