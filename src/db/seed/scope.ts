// What every part of the demo seed shares: the tenant transaction, the creator's content, the
// seeded random numbers and one clock, so the parts agree on "now" and "today".
import crypto from 'node:crypto';
import type { TenantTransaction } from '../tenant';
import type { DemoCreator } from './demo-content';
import type { Random } from './random';

export const DAY = 86_400_000;
export const uuid = () => crypto.randomUUID();
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export interface SeedScope {
  tx: TenantTransaction;
  demo: DemoCreator;
  rnd: Random;
  now: Date;
  /** Midnight UTC of `now`. */
  today: Date;
  ago: (days: number, hours?: number) => Date;
  /** "Today" in UTC whatever the hour: a moment before now, but never before midnight. */
  recent: (minutes: number) => Date;
}

export function seedScope(tx: TenantTransaction, demo: DemoCreator, rnd: Random, now: Date): SeedScope {
  const today = utcDay(now);
  return {
    tx,
    demo,
    rnd,
    now,
    today,
    ago: (days, hours = 0) => new Date(now.getTime() - days * DAY - hours * 3_600_000),
    recent: (minutes) => new Date(Math.max(today.getTime() + 1_000, now.getTime() - minutes * 60_000)),
  };
}
