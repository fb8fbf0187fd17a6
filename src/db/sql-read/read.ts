// Runs a compiled read (compile.ts) on the pool under a Prisma client, from inside the tenant
// operation's wire scope (db/tenant.ts enters it): the object config `{ text, values }` makes the
// pool send it as a TenantStatement, behind the tenant settings statement in one round trip and
// one implicit transaction, prepared by name, exactly like each of Prisma's statements
// (tenant-wire.ts). A plain string would pass the tenant wire by, and row-level security would
// show it nothing. Rows come back as one parsed JSON column, hydrated to Prisma's values.
//
// SQL_READS=off (config.sqlReads) leaves a client unregistered here, so every read goes to Prisma:
// for `npm run bench:ablate -- off=.,SQL_READS=off on=.`. setSqlReads turns it off process-wide,
// for tests that compare both paths on one server.
import type pg from 'pg';
import { compileRead, type CompiledRead } from './compile';
import { hydrate, planNeedsWork } from './hydrate';
import { sqlModels } from './model';

let enabled = true;

/** Turns the compiler off or back on for every client (tests compare both paths). */
export function setSqlReads(on: boolean): void {
  enabled = on;
}

export function sqlReadsEnabled(): boolean {
  return enabled;
}

const pools = new WeakMap<object, pg.Pool>();

/**
 * Records the pool a Prisma client sends through (db/clients.ts, when it creates one), and loads
 * the models then, so that a relation the compiler cannot join fails at start, not on a request.
 */
export function registerReadPool(client: object, pool: pg.Pool): void {
  sqlModels(client);
  pools.set(client, pool);
}

/** The pool `base` sends through, for a raw read sent the same way as a compiled one (off: none). */
export function readPoolOf(base: object): pg.Pool | undefined {
  return enabled ? pools.get(base) : undefined;
}

/** The compiled form of a read on `base`, or undefined: Prisma runs it (turned off, unsupported). */
export function compiledRead(base: object, model: string | undefined, operation: string, args: unknown) {
  if (!enabled || model === undefined || !pools.has(base)) return undefined;
  return compileRead(sqlModels(base), model, operation, args);
}

/** Sends `read` through `base`'s pool; call it inside the tenant scope. Prisma's result shape. */
export async function runCompiledRead(base: object, read: CompiledRead): Promise<unknown> {
  const pool = pools.get(base)!;
  const result = await pool.query<{ r: Record<string, unknown> }>({ text: read.text, values: read.values });
  const rows = result.rows.map((row) => row.r);
  if (planNeedsWork(read.plan)) hydrate(read.plan, rows);
  return read.single ? (rows[0] ?? null) : rows;
}
