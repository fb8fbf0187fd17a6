// The demo creator's audience: channels and the chat widget, end users with their profiles and
// sessions, their conversations with the assistant, and the interactions that link it all.
import { FIRST_NAMES, LAST_NAMES } from './demo-content';
import { DAY, sha256, uuid, type SeedScope } from './scope';

export interface SeedUser {
  id: string;
  channel: string;
  language: string;
}

export interface SeedSession {
  id: string;
  userId: string;
}

export interface SeedMessage {
  id: string;
  senderType: string;
  senderId: string | null;
  content: string;
  createdAt: Date;
}

export async function seedChannels({ tx, demo }: SeedScope): Promise<void> {
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
}

/** Users, their profiles and sessions. */
export async function seedUsers({
  tx,
  demo,
  rnd,
  ago,
  recent,
}: SeedScope): Promise<{ users: SeedUser[]; sessions: SeedSession[] }> {
  const users = Array.from({ length: 24 }, (_, i) => {
    const first = FIRST_NAMES[(i + demo.email.length) % FIRST_NAMES.length]!;
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
    const channel = demo.channels[i % demo.channels.length]!;
    const joined = ago(rnd.int(1, 58), rnd.int(0, 23));
    return {
      id: uuid(),
      externalId:
        channel === 'web'
          ? `web-${uuid().slice(0, 8)}`
          : channel === 'whatsapp'
            ? `+4477009${String(10000 + i)}`
            : `${channel}-${1000 + i}`,
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
    return [
      {
        id: uuid(),
        userId: u.id,
        channel: u.channel,
        sessionTokenHash: sha256(uuid()),
        startedAt: started,
        lastActivityAt: started,
        expiresAt: new Date(started.getTime() + DAY),
        userAgent: 'demo-seed',
      },
    ];
  });
  await tx.userSession.createMany({ data: sessions });
  return { users, sessions };
}

/** Conversations and messages: half the users talk to the assistant. */
export async function seedConversations(
  { tx, demo, rnd, ago, recent }: SeedScope,
  users: SeedUser[],
): Promise<SeedMessage[]> {
  const conversations = users
    .filter((_, i) => i % 2 === 0)
    .map((u, i) => ({
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
        content: fromUser
          ? `Question ${k / 2 + 1} about ${c.context.topic}?`
          : `Here is what I suggest about ${c.context.topic}...`,
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
  return messages;
}

/** Interactions: lessons, steps and messages, linked to programs, sessions and messages. */
export async function seedInteractions(
  { tx, rnd, ago }: SeedScope,
  {
    users,
    sessions,
    enrollments,
    messages,
  }: {
    users: SeedUser[];
    sessions: SeedSession[];
    enrollments: { userId: string; programId: string; currentStep: string }[];
    messages: SeedMessage[];
  },
): Promise<void> {
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
    ...messages
      .filter((m) => m.senderType === 'user')
      .map((m) => ({
        userId: m.senderId!,
        interactionType: 'message_sent',
        interactionData: { length: m.content.length },
        channel: users.find((u) => u.id === m.senderId)!.channel,
        messageId: m.id,
        createdAt: m.createdAt,
      })),
  ];
  await tx.userInteraction.createMany({ data: interactions });
}
