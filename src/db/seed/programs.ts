// The demo creator's programs, who enrolled and how far they got, and what they earned for it
// (badges, user badges, achievements).
import { DAY, uuid, type SeedScope } from './scope';
import type { SeedUser } from './users';

export interface SeedProgram {
  id: string;
  name: string;
  status: string;
  createdAt: Date;
}

export interface SeedEnrollment {
  userId: string;
  programId: string;
  status: string;
  currentStep: string;
  programVersion: number;
  completedAt: Date | null;
}

/** Programs and enrollments. `enrollable` are the programs that are not drafts. */
export async function seedPrograms(
  { tx, demo, rnd, ago, recent }: SeedScope,
  users: SeedUser[],
): Promise<{ programs: SeedProgram[]; enrollable: SeedProgram[]; enrollments: SeedEnrollment[] }> {
  const programs = demo.programs.map((p, i) => ({
    id: uuid(),
    name: p.name,
    description: p.description,
    status: p.status,
    version: p.status === 'draft' ? 1 : 2,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc rejects it as Prisma Json input without (the rule sees no receiver type here)
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
  return { programs, enrollable, enrollments };
}

export async function seedGamification(
  { tx, demo, ago }: SeedScope,
  users: SeedUser[],
  enrollments: SeedEnrollment[],
): Promise<void> {
  const badges = demo.badges.map((b) => ({
    id: uuid(),
    name: b.name,
    description: b.description,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: tsc rejects it as Prisma Json input without (the rule sees no receiver type here)
    criteria: b.criteria as object,
    design: { icon: b.icon, color: b.color },
  }));
  await tx.badge.createMany({ data: badges });
  const completed = enrollments.filter((e) => e.status === 'completed');
  const userBadges: { userId: string; badgeId: string; earnedAt: Date; criteriaMet: object; notified: boolean }[] =
    completed
      .filter((e, i, all) => all.findIndex((x) => x.userId === e.userId) === i)
      .map((e) => ({
        userId: e.userId,
        badgeId: badges[0]!.id,
        earnedAt: e.completedAt!,
        criteriaMet: { criteria: badges[0]!.criteria, observed: { programsCompleted: 1 } },
        notified: true,
      }));
  userBadges.push(
    ...users.slice(0, 4).map((u, i) => ({
      userId: u.id,
      badgeId: badges[1]!.id,
      earnedAt: ago(i === 0 ? 0 : i),
      criteriaMet: { criteria: badges[1]!.criteria, source: 'demo-seed' },
      notified: i !== 0,
    })),
  );
  await tx.userBadge.createMany({ data: userBadges, skipDuplicates: true });
  await tx.achievement.createMany({
    data: [
      ...completed.map((e) => ({
        userId: e.userId,
        achievementType: 'program_completed',
        achievementData: { programVersion: e.programVersion },
        points: 100,
        programId: e.programId,
        earnedAt: e.completedAt!,
      })),
      ...users.slice(0, 12).map((u, i) => ({
        userId: u.id,
        achievementType: 'streak',
        achievementData: { days: 3 + (i % 5) },
        points: 10 * (3 + (i % 5)),
        earnedAt: ago(i % 9),
      })),
      ...users.slice(0, 16).map((u, i) => ({
        userId: u.id,
        achievementType: 'first_message',
        achievementData: {},
        points: 10,
        earnedAt: ago(i * 2),
      })),
    ],
  });
}
