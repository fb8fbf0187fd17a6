// Demo data: two creators, each with every kind of row the API lists, spread over the last
// 60 days and including today, so every list, chart and summary has something in it.
// Writes through the owner client, one tenant transaction per creator: creator_id defaults
// from the tenant setting exactly as it does for requests. Idempotent: a creator whose email
// already exists is left alone.
import crypto from 'node:crypto';
import { hash } from '@node-rs/argon2';
import type { PrismaClient } from '../clients';
import { withTenantTransaction, type TenantTransaction } from '../tenant';
import { DEMO_CREATORS, FIRST_NAMES, LAST_NAMES, type DemoCreator } from './demo-content';
import { Random } from './random';
import fs from 'node:fs';
import { issueApiKey } from '../../auth/api-keys';
import { MANIFEST_FILE } from '../../paths';

export interface SeededCreator {
  id: string;
  email: string;
  password: string;
  created: boolean;
}

const DAY = 86_400_000;

/** Operation name -> hash, from the committed partner manifest. */
function partnerOperationHashes(): Map<string, string> {
  const manifest = JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(manifest).map(([hash, document]) => [/^\w+ (\w+)/.exec(document)?.[1] ?? '', hash.replace(/^sha256:/, '')]));
}
const uuid = () => crypto.randomUUID();
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export const DEMO_ADMIN = { email: 'admin@demo.creatorgraph.dev', password: 'demo-password-admin' };

export async function seedDemoData(owner: PrismaClient, log: (m: string) => void = () => undefined): Promise<SeededCreator[]> {
  const result: SeededCreator[] = [];
  if (!(await owner.platformAdmin.findUnique({ where: { email: DEMO_ADMIN.email }, select: { id: true } }))) {
    await owner.platformAdmin.create({ data: { email: DEMO_ADMIN.email, passwordHash: await hash(DEMO_ADMIN.password), displayName: 'Demo Admin' } });
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

async function seedCreatorContent(tx: TenantTransaction, demo: DemoCreator, rnd: Random, now: Date): Promise<void> {
  const ago = (days: number, hours = 0) => new Date(now.getTime() - days * DAY - hours * 3_600_000);
  const today = utcDay(now);
  // "Today" in UTC whatever the hour: a moment before now, but never before midnight.
  const recent = (minutes: number) => new Date(Math.max(today.getTime() + 1_000, now.getTime() - minutes * 60_000));

  await tx.channel.createMany({
    data: demo.channels.map((channelType) => ({
      channelType,
      name: `${demo.companyName} on ${channelType}`,
      status: 'active',
      configuration: channelType === 'web' ? { widgetId: uuid() } : { accountId: `demo-${channelType}` },
    })),
  });
  await tx.widgetConfig.create({
    data: {
      theme: { primaryColor: demo.badges[0]!.color, position: 'bottom-right' },
      behavior: { greeting: `Hi! I'm the ${demo.companyName} assistant.`, openOnLoad: false },
      allowedDomains: [`${demo.companyName.toLowerCase().replace(/\W+/g, '-')}.example`],
      rateLimitPerMinute: 120,
    },
  });

  // Users, their profiles and sessions.
  const users = Array.from({ length: 24 }, (_, i) => {
    const first = FIRST_NAMES[(i + demo.email.length) % FIRST_NAMES.length]!;
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
    const channel = demo.channels[i % demo.channels.length]!;
    const joined = ago(rnd.int(1, 58), rnd.int(0, 23));
    return {
      id: uuid(),
      externalId: channel === 'web' ? `web-${uuid().slice(0, 8)}` : channel === 'whatsapp' ? `+4477009${String(10000 + i)}` : `${channel}-${1000 + i}`,
      channel,
      displayName: `${first} ${last}`,
      email: i % 3 === 0 ? `${first}.${last}@example.com`.toLowerCase() : null,
      profileData: { source: rnd.pick(['ad', 'referral', 'search', 'social']) },
      preferences: { notifications: rnd.chance(0.7) },
      timezone: rnd.pick(['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo']),
      language: rnd.pick(['en', 'en', 'es', 'de']),
      lastActiveAt: i < 6 ? recent(rnd.int(1, 300)) : ago(rnd.int(1, 20)),
      isActive: i % 11 !== 10,
      createdAt: joined,
    };
  });
  // A couple of users joined today, for the "today" summary.
  users[0]!.createdAt = recent(60);
  users[1]!.createdAt = recent(120);
  await tx.user.createMany({ data: users });
  await tx.userProfile.createMany({
    data: users.map((u) => ({
      userId: u.id,
      interests: rnd.sample(demo.topics, rnd.int(1, 3)),
      goals: [rnd.pick(['build a habit', 'learn something new', 'get certified', 'feel better'])],
      preferences: { contactTime: rnd.pick(['morning', 'evening']) },
      behaviorPatterns: { activeHours: [rnd.int(6, 11), rnd.int(17, 22)] },
      engagementScore: Math.round(rnd.float(5, 95) * 10) / 10,
    })),
  });
  const sessions = users.flatMap((u, i) => {
    const started = i % 4 === 0 ? ago(12) : ago(0, rnd.int(0, 6));
    return [{ id: uuid(), userId: u.id, channel: u.channel, sessionTokenHash: sha256(uuid()), startedAt: started, lastActivityAt: started, expiresAt: new Date(started.getTime() + DAY), userAgent: 'demo-seed' }];
  });
  await tx.userSession.createMany({ data: sessions });

  // Programs and enrollments.
  const programs = demo.programs.map((p, i) => ({
    id: uuid(),
    name: p.name,
    description: p.description,
    status: p.status,
    version: p.status === 'draft' ? 1 : 2,
    flowDefinition: { start: p.steps[0]!.id, steps: p.steps } as object,
    settings: { estimatedMinutesPerStep: 10 + i * 5 },
    publishedAt: p.status === 'draft' ? null : ago(55 - i),
    archivedAt: p.status === 'archived' ? ago(5) : null,
    createdAt: ago(58 - i),
  }));
  await tx.program.createMany({ data: programs });
  const enrollable = programs.filter((p) => p.status !== 'draft');
  const enrollments = users.flatMap((u, i) =>
    enrollable
      .filter((_, j) => (i + j) % 3 !== 2)
      .map((p, j) => {
        const steps = demo.programs.find((d) => d.name === p.name)!.steps;
        const enrolledAt = ago(rnd.int(10, 50));
        const status = (['completed', 'active', 'active', 'paused', 'dropped'] as const)[(i + j) % 5]!;
        const done = status === 'completed';
        const stepIndex = done ? steps.length - 1 : rnd.int(0, steps.length - 2);
        return {
          id: uuid(),
          programId: p.id,
          userId: u.id,
          status,
          progress: done ? 100 : Math.round((stepIndex / steps.length) * 100),
          currentStep: steps[stepIndex]!.id,
          stepData: { answers: {} },
          programVersion: p.version,
          enrolledAt,
          completedAt: done ? (i % 7 === 0 ? recent(180) : new Date(enrolledAt.getTime() + rnd.int(3, 9) * DAY)) : null,
          lastActivityAt: done ? ago(rnd.int(0, 9)) : ago(rnd.int(0, 9)),
        };
      }),
  );
  await tx.programEnrollment.createMany({ data: enrollments });

  // Conversations and messages: half the users talk to the assistant.
  const conversations = users.filter((_, i) => i % 2 === 0).map((u, i) => ({
    id: uuid(),
    userId: u.id,
    channel: u.channel,
    status: i % 5 === 4 ? 'closed' : 'active',
    context: { topic: rnd.pick(demo.topics) },
    metadata: { locale: u.language },
    escalatedToHuman: i % 4 === 1,
    escalatedAt: i % 4 === 1 ? (i === 1 ? recent(60) : ago(2, 1)) : null,
    createdAt: ago(rnd.int(2, 30)),
  }));
  await tx.conversation.createMany({ data: conversations });
  const messages = conversations.flatMap((c, ci) => {
    const count = rnd.int(4, 9);
    const base = ci < 3 ? recent(30) : ago(rnd.int(1, 20));
    return Array.from({ length: count }, (_, k) => {
      const fromUser = k % 2 === 0;
      const at = new Date(base.getTime() + k * 90_000);
      return {
        id: uuid(),
        conversationId: c.id,
        senderType: fromUser ? 'user' : 'ai',
        senderId: fromUser ? c.userId : null,
        content: fromUser ? `Question ${k / 2 + 1} about ${(c.context as { topic: string }).topic}?` : `Here is what I suggest about ${(c.context as { topic: string }).topic}...`,
        messageType: 'text',
        deliveredAt: at,
        readAt: k < count - 1 ? new Date(at.getTime() + 30_000) : null,
        responseTimeMs: fromUser ? null : rnd.int(300, 2_500),
        aiConfidence: fromUser ? null : Math.round(rnd.float(0.55, 0.99) * 100) / 100,
        createdAt: at,
      };
    });
  });
  await tx.message.createMany({ data: messages });

  // Interactions: lessons, steps and messages, linked to programs, sessions and messages.
  const sessionByUser = new Map(sessions.map((s) => [s.userId, s.id]));
  const interactions = [
    ...enrollments.flatMap((e) =>
      Array.from({ length: rnd.int(1, 4) }, (_, k) => ({
        userId: e.userId,
        interactionType: k === 0 ? 'program_step_completed' : 'lesson_viewed',
        interactionData: { step: e.currentStep },
        channel: users.find((u) => u.id === e.userId)!.channel,
        sessionId: sessionByUser.get(e.userId) ?? null,
        programId: e.programId,
        createdAt: ago(rnd.int(0, 25), rnd.int(0, 23)),
      })),
    ),
    ...messages.filter((m) => m.senderType === 'user').map((m) => ({
      userId: m.senderId!,
      interactionType: 'message_sent',
      interactionData: { length: m.content.length },
      channel: users.find((u) => u.id === m.senderId)!.channel,
      messageId: m.id,
      createdAt: m.createdAt,
    })),
  ];
  await tx.userInteraction.createMany({ data: interactions });

  // Gamification.
  const badges = demo.badges.map((b) => ({ id: uuid(), name: b.name, description: b.description, criteria: b.criteria as object, design: { icon: b.icon, color: b.color } }));
  await tx.badge.createMany({ data: badges });
  const completed = enrollments.filter((e) => e.status === 'completed');
  const userBadges: { userId: string; badgeId: string; earnedAt: Date; criteriaMet: object; notified: boolean }[] = completed
    .filter((e, i, all) => all.findIndex((x) => x.userId === e.userId) === i)
    .map((e) => ({ userId: e.userId, badgeId: badges[0]!.id, earnedAt: e.completedAt!, criteriaMet: { criteria: badges[0]!.criteria, observed: { programsCompleted: 1 } }, notified: true }));
  userBadges.push(...users.slice(0, 4).map((u, i) => ({ userId: u.id, badgeId: badges[1]!.id, earnedAt: ago(i === 0 ? 0 : i), criteriaMet: { criteria: badges[1]!.criteria, source: 'demo-seed' }, notified: i !== 0 })));
  await tx.userBadge.createMany({ data: userBadges, skipDuplicates: true });
  await tx.achievement.createMany({
    data: [
      ...completed.map((e) => ({ userId: e.userId, achievementType: 'program_completed', achievementData: { programVersion: e.programVersion }, points: 100, programId: e.programId, earnedAt: e.completedAt! })),
      ...users.slice(0, 12).map((u, i) => ({ userId: u.id, achievementType: 'streak', achievementData: { days: 3 + (i % 5) }, points: 10 * (3 + (i % 5)), earnedAt: ago(i % 9) })),
      ...users.slice(0, 16).map((u, i) => ({ userId: u.id, achievementType: 'first_message', achievementData: {}, points: 10, earnedAt: ago(i * 2) })),
    ],
  });

  // Analytics: 60 days of daily metrics, overall and per channel.
  const metricRows = [];
  for (let d = 59; d >= 0; d--) {
    const date = new Date(today.getTime() - d * DAY);
    const trend = 1 + (59 - d) / 60;
    metricRows.push(
      { metricType: 'active_users', metricValue: Math.round(rnd.float(8, 14) * trend), dimensions: {}, date },
      { metricType: 'new_users', metricValue: rnd.int(0, 3), dimensions: {}, date },
      { metricType: 'messages', metricValue: Math.round(rnd.float(20, 60) * trend), dimensions: {}, date },
      ...demo.channels.map((channel) => ({ metricType: 'active_users', metricValue: Math.round(rnd.float(2, 6) * trend), dimensions: { channel }, date })),
    );
  }
  await tx.engagementMetric.createMany({ data: metricRows });
  await tx.programAnalytic.createMany({
    data: enrollable.flatMap((p) =>
      Array.from({ length: 30 }, (_, d) => {
        const date = new Date(today.getTime() - (29 - d) * DAY);
        return [
          { programId: p.id, metricType: 'enrollments', metricValue: rnd.int(0, 4), date },
          { programId: p.id, metricType: 'completions', metricValue: rnd.int(0, 2), date },
          { programId: p.id, metricType: 'active_users', metricValue: rnd.int(2, 9), date },
        ];
      }).flat(),
    ),
  });

  // Knowledge.
  for (const kb of demo.knowledgeBases) {
    const kbId = uuid();
    await tx.knowledgeBase.create({ data: { id: kbId, name: kb.name, description: kb.description, settings: { chunkSize: 400 } } });
    for (const [di, doc] of kb.documents.entries()) {
      const docId = uuid();
      const processed = di !== kb.documents.length - 1 || kb.documents.length === 1;
      await tx.document.create({
        data: {
          id: docId,
          knowledgeBaseId: kbId,
          title: doc.title,
          sourceType: 'text',
          mimeType: 'text/plain',
          fileSizeBytes: BigInt(Buffer.byteLength(doc.body)),
          content: doc.body,
          processingStatus: processed ? 'completed' : 'processing',
          embeddingStatus: processed ? 'completed' : 'pending',
        },
      });
      const sentences = doc.body.split(/(?<=\.)\s+/);
      await tx.documentChunk.createMany({
        data: sentences.map((content, chunkIndex) => ({ documentId: docId, chunkIndex, content, tokenCount: content.split(/\s+/).length, embeddingId: processed ? `vec_${uuid().slice(0, 12)}` : null })),
      });
    }
  }

  // Billing and usage.
  await tx.billingSubscription.create({
    data: { tier: demo.tier, status: 'active', stripeSubscriptionId: `sub_demo_${uuid().slice(0, 10)}`, currentPeriodStart: ago(10), currentPeriodEnd: new Date(now.getTime() + 20 * DAY) },
  });
  await tx.usageRecord.createMany({
    data: Array.from({ length: 30 }, (_, d) => {
      const date = new Date(today.getTime() - (29 - d) * DAY);
      return [
        { usageType: 'api_requests', quantity: BigInt(rnd.int(200, 2_000)), date },
        { usageType: 'ai_interactions', quantity: BigInt(rnd.int(20, 120)), date },
        { usageType: 'messages', quantity: BigInt(rnd.int(20, 120)), date },
      ];
    }).flat(),
  });

  // Partner key (its secret is not kept: issue keys with createApiKey to get one) and its calls,
  // by the real operations of the partner manifest.
  const keyId = uuid();
  const [tenant] = await tx.$queryRaw<{ id: string }[]>`SELECT app.current_creator_id()::text AS id`;
  const issued = issueApiKey(tenant!.id);
  await tx.apiKey.create({ data: { id: keyId, name: 'CRM sync (demo)', keyPrefix: issued.prefix, keyHash: issued.hash, scopes: ['read'], allowedOperations: ['PartnerUserChanges', 'PartnerUserRewards'], lastUsedAt: ago(0, 2) } });
  const operations = partnerOperationHashes();
  await tx.apiUsageLog.createMany({
    data: Array.from({ length: 12 }, (_, i) => {
      const name = i % 2 === 0 ? 'PartnerUserChanges' : 'PartnerUserRewards';
      return { apiKeyId: keyId, operationName: name, operationHash: operations.get(name) ?? null, statusCode: i === 5 ? 429 : 200, errorCode: i === 5 ? 'RATE_LIMITED' : null, durationMs: rnd.int(4, 60), requestSizeBytes: rnd.int(120, 400), responseSizeBytes: rnd.int(300, 9_000), ipAddress: '203.0.113.10', createdAt: ago(i % 6, i) };
    }),
  });

  // A past log-in: a refresh-token family whose first token was rotated.
  const family = uuid();
  const second = uuid();
  await tx.creatorRefreshToken.createMany({
    data: [
      { id: uuid(), familyId: family, tokenHash: sha256(uuid()), expiresAt: new Date(ago(3).getTime() + 30 * DAY), revokedAt: ago(2), revokedReason: 'rotated', replacedById: second, createdAt: ago(3), userAgent: 'Mozilla/5.0 (demo)' },
      { id: second, familyId: family, tokenHash: sha256(uuid()), expiresAt: new Date(ago(2).getTime() + 30 * DAY), createdAt: ago(2), userAgent: 'Mozilla/5.0 (demo)' },
    ],
  });

  // Audit trails.
  await tx.auditLog.createMany({
    data: programs.map((p) => ({ tableName: 'programs', operation: 'INSERT', recordId: p.id, newValues: { name: p.name, status: p.status }, actorType: 'creator', actorId: null, requestId: `seed-${uuid().slice(0, 8)}`, createdAt: p.createdAt })),
  });
  await tx.securityAuditLog.createMany({
    data: [
      { eventType: 'auth.login_succeeded', severity: 'info', eventData: { method: 'password' }, ipAddress: '198.51.100.7', userAgent: 'Mozilla/5.0 (demo)', createdAt: ago(1) },
      { eventType: 'auth.login_failed', severity: 'low', eventData: { reason: 'bad_password' }, ipAddress: '198.51.100.7', userAgent: 'Mozilla/5.0 (demo)', createdAt: ago(1, 1) },
      { eventType: 'api_key.issued', severity: 'medium', eventData: { keyId, keyPrefix: issued.prefix, scopes: ['read'] }, ipAddress: '198.51.100.7', createdAt: ago(20) },
    ],
  });
}
