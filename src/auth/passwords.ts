// Argon2id password hashing (OWASP's recommended parameters are @node-rs/argon2's defaults:
// m=19 MiB, t=2, p=1).
import { hash, verify } from '@node-rs/argon2';

export const hashPassword = (password: string): Promise<string> => hash(password);

// Verifying against this when the email is unknown makes a failed log-in take as long either
// way, so response times do not reveal which emails have accounts.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$7Bbet9eR0f9TXawpZXMSzg$6XLz18DB6FcwBjXRkG/Gs3vFGT5oVBzHZsKCs48V2y4';

export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash ?? DUMMY_HASH, password);
  } catch {
    return false;
  }
}
