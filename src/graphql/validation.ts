// Input validation with zod: every problem is reported at once, by field path, and nothing is
// written when any is found.
import { z } from 'zod';
import type { Prisma } from '../generated/prisma/client';
import { ValidationError } from './errors';

export { z };

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root = 'input'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: [root, ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}

// Shared field rules.
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
export const optionalText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullish();
export const channel = z.enum(['web', 'whatsapp', 'telegram', 'mobile']);
export const identifier = z.string().regex(/^[a-z][a-z0-9_.]{0,62}$/, 'must be lower_snake_case, 1 to 63 characters');
// Typed as Prisma's JSON input so validated objects go straight into Json columns.
export const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<Prisma.InputJsonObject>;

/** The input without its null and undefined fields: "not given" means "leave as is". */
export function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

/** Search text for Prisma's `contains` (LIKE): %, _ and \ match themselves, not patterns. */
export function likeText(search: string): string {
  return search.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Any time zone the runtime knows, by its canonical or its alias name (Asia/Kolkata and Asia/Calcutta). */
export const timeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone');

/**
 * Runs independent checks (field parsing, id decoding) and reports the problems of all of them
 * together, so a client fixes its input in one round trip.
 */
export function validateAll<T extends unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const problems: { path: string; message: string }[] = [];
  const results = checks.map((check) => {
    try {
      return check();
    } catch (error) {
      if (error instanceof ValidationError) {
        problems.push(...error.fields);
        return undefined;
      }
      throw error;
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return results as T;
}
