// Demo data: two creators, each with every kind of row the API lists, spread over the last
// 60 days and including today, so every list, chart and summary has something in it.
// Writes through the owner client, one tenant transaction per creator: creator_id defaults
// from the tenant setting exactly as it does for requests. Idempotent: a creator whose email
// already exists is left alone.
import { hash } from '@node-rs/argon2';
import type { PrismaClient } from '../clients';
import { withTenantTransaction, type TenantTransaction } from '../tenant';
import { seedAccountHistory } from './audit';
import { DEMO_CREATORS, type DemoCreator } from './demo-content';
import { seedKnowledge } from './knowledge';
import { seedAnalytics, seedBilling } from './metrics';
import { seedPartnerKey } from './partners';
import { seedGamification, seedPrograms } from './programs';
import { Random } from './random';
import { DAY, seedScope, uuid } from './scope';
import { seedChannels, seedConversations, seedInteractions, seedUsers } from './users';

export interface SeededCreator {
  id: string;
  email: string;
  password: string;
  created: boolean;
}

export const DEMO_ADMIN = { email: 'admin@demo.creatorgraph.dev', password: 'demo-password-admin' };

export async function seedDemoData(
  owner: PrismaClient,
  log: (m: string) => void = () => undefined,
): Promise<SeededCreator[]> {
  const result: SeededCreator[] = [];
  if (!(await owner.platformAdmin.findUnique({ where: { email: DEMO_ADMIN.email }, select: { id: true } }))) {
    await owner.platformAdmin.create({
      data: { email: DEMO_ADMIN.email, passwordHash: await hash(DEMO_ADMIN.password), displayName: 'Demo Admin' },
    });
  }
  for (const [index, demo] of DEMO_CREATORS.entries()) {
    const existing = await owner.creator.findUnique({ where: { email: demo.email }, select: { id: true } });
    if (existing) {
      result.push({ id: existing.id, email: demo.email, password: demo.password, created: false });
      continue;
    }
    const started = Date.now();
    const id = uuid();
    const now = new Date();
    const passwordHash = await hash(demo.password);
    await withTenantTransaction(
      owner,
      id,
      async (tx) => {
        // Demo data is not anyone's change: the audit trail holds only the seed's own sample rows.
        await tx.$executeRaw`SELECT set_config('app.audit_skip', 'on', true)`;
        await tx.creator.create({
          data: {
            id,
            email: demo.email,
            passwordHash,
            firstName: demo.firstName,
            lastName: demo.lastName,
            companyName: demo.companyName,
            subscriptionTier: demo.tier,
            subscriptionStatus: 'active',
            subscriptionExpiresAt: new Date(now.getTime() + 30 * DAY),
            settings: { timezone: 'Europe/London', retention: { userInteractionsDays: 730 } },
            onboardingCompleted: true,
            onboardingData: { completedSteps: ['profile', 'channel', 'program'] },
            emailVerified: true,
            lastLoginAt: new Date(now.getTime() - DAY),
          },
        });
        await seedCreatorContent(tx, demo, new Random(1000 + index), now);
      },
      { timeout: 120_000 },
    );
    log(`seeded ${demo.email} (${Date.now() - started} ms)`);
    result.push({ id, email: demo.email, password: demo.password, created: true });
  }
  return result;
}

/** Every kind of row, in a fixed order: the random numbers, and so the demo data, stay the same. */
async function seedCreatorContent(tx: TenantTransaction, demo: DemoCreator, rnd: Random, now: Date): Promise<void> {
  const scope = seedScope(tx, demo, rnd, now);
  await seedChannels(scope);
  const { users, sessions } = await seedUsers(scope);
  const { programs, enrollable, enrollments } = await seedPrograms(scope, users);
  const messages = await seedConversations(scope, users);
  await seedInteractions(scope, { users, sessions, enrollments, messages });
  await seedGamification(scope, users, enrollments);
  await seedAnalytics(scope, enrollable);
  await seedKnowledge(scope);
  await seedBilling(scope);
  const apiKey = await seedPartnerKey(scope);
  await seedAccountHistory(scope, programs, apiKey);
}
