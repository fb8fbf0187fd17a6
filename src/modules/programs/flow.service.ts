// advanceEnrollment: one move along an enrollment's flow, and everything that follows from it,
// in one transaction: the enrollment's step, progress and history; the interaction; on an end
// step, completion and its achievement (badges those earn are awarded by the evaluate_badges job
// the database queues). An invalid move, or one past the step data's bounds (flow.ts), throws
// before anything is written, and a failure rolls it all back.
import type { Prisma } from '../../generated/prisma/client';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction } from '../../db/tenant';
import { ConflictError, InvalidTransitionError, NotFoundError } from '../../graphql/errors';
import { parseFlow } from './flow';
import { nextMove } from './flow-moves';
import { assertAnswerSize, assertStepDataSize } from './step-data-limits';

/** What a move needs: the application client, to open the tenant's transaction on. */
export interface FlowDeps {
  app: PrismaClient;
}

export interface AdvanceInput {
  answer?: unknown;
  toStep?: string | null;
}

export interface AdvanceResult {
  enrollmentId: string;
  fromStep: string;
  toStep: string;
  completed: boolean;
  achievementId: string | null;
  awardedBadgeIds: string[];
}

const DEFAULT_COMPLETION_POINTS = 100;
/** Larger settings.completionPoints values are ignored (the default applies). */
const MAX_COMPLETION_POINTS = 1_000_000;

export async function advanceEnrollment(
  deps: FlowDeps,
  creatorId: string,
  enrollmentId: string,
  input: AdvanceInput,
): Promise<AdvanceResult> {
  // A too-large answer is refused before the database is touched.
  assertAnswerSize(input.answer);
  return withTenantTransaction(deps.app, creatorId, async (tx) => {
    // The row lock serialises concurrent moves of one enrollment.
    const [enrollment] = await tx.$queryRaw<
      {
        id: string;
        user_id: string;
        program_id: string;
        program_version: number;
        status: string;
        current_step: string | null;
        step_data: Record<string, unknown>;
      }[]
    >`
      SELECT id, user_id, program_id, program_version, status, current_step, step_data FROM program_enrollments WHERE id = ${enrollmentId}::uuid FOR UPDATE`;
    if (!enrollment) throw new NotFoundError('Enrollment');
    if (enrollment.status !== 'active')
      throw new ConflictError(`The enrollment is ${enrollment.status}: only an active one moves`);
    const version = await tx.programVersion.findUnique({
      where: {
        creatorId_programId_version: {
          creatorId,
          programId: enrollment.program_id,
          version: enrollment.program_version,
        },
      },
      select: { flowDefinition: true },
    });
    if (!version)
      throw new InvalidTransitionError(
        enrollment.current_step,
        input.toStep ?? null,
        `Version ${enrollment.program_version} of the program was never published: it has no flow to walk`,
      );
    const flow = parseFlow(version.flowDefinition, 'flowDefinition');
    const move = nextMove(flow, enrollment.current_step, input.answer, input.toStep);

    const now = new Date();
    const history = Array.isArray(enrollment.step_data.history) ? (enrollment.step_data.history as unknown[]) : [];
    const entry = {
      from: move.from.id,
      to: move.to.id,
      ...(input.answer !== undefined ? { answer: input.answer } : {}),
      at: now.toISOString(),
    };
    const answers = {
      ...((enrollment.step_data.answers as Record<string, unknown>) ?? {}),
      ...(input.answer !== undefined ? { [move.from.id]: input.answer } : {}),
    };
    const steps = history.length + 1;
    const completed = Boolean(move.to.end);
    const progress = completed ? 100 : Math.min(99, Math.round((100 * steps) / (steps + Math.max(1, move.remaining))));
    // Bounded storage: past a bound (a looping flow's history is full, say) the move is refused
    // with VALIDATION_FAILED, and nothing is written; the history is never trimmed behind the
    // creator's back.
    const stepData = { ...enrollment.step_data, history: [...history, entry], answers } as Prisma.InputJsonObject;
    assertStepDataSize(stepData);

    await tx.programEnrollment.update({
      where: { id: enrollment.id },
      data: {
        currentStep: move.to.id,
        progress,
        lastActivityAt: now,
        stepData,
        ...(completed ? { status: 'completed', completedAt: now } : {}),
      },
      select: { id: true },
    });
    await tx.userInteraction.create({
      data: {
        userId: enrollment.user_id,
        programId: enrollment.program_id,
        interactionType: completed ? 'program_completed' : 'program_step_completed',
        interactionData: { enrollmentId: enrollment.id, programVersion: enrollment.program_version, ...entry },
        createdAt: now,
      },
      select: { id: true },
    });
    let achievementId: string | null = null;
    if (completed) {
      const program = await tx.program.findUniqueOrThrow({
        where: { id: enrollment.program_id },
        select: { name: true, settings: true },
      });
      const configured = (program.settings as { completionPoints?: unknown }).completionPoints;
      const points =
        Number.isInteger(configured) && (configured as number) >= 0 && (configured as number) <= MAX_COMPLETION_POINTS
          ? (configured as number)
          : DEFAULT_COMPLETION_POINTS;
      achievementId = (
        await tx.achievement.create({
          data: {
            userId: enrollment.user_id,
            programId: enrollment.program_id,
            achievementType: 'program_completed',
            points,
            achievementData: {
              enrollmentId: enrollment.id,
              programName: program.name,
              programVersion: enrollment.program_version,
            },
            earnedAt: now,
          },
          select: { id: true },
        })
      ).id;
    }
    // Awards made by the badge triggers in this transaction (earned_at defaults to its start).
    const awarded = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM user_badges WHERE user_id = ${enrollment.user_id}::uuid AND earned_at = now() ORDER BY id`;
    await tx.user.update({ where: { id: enrollment.user_id }, data: { lastActiveAt: now }, select: { id: true } });
    return {
      enrollmentId: enrollment.id,
      fromStep: move.from.id,
      toStep: move.to.id,
      completed,
      achievementId,
      awardedBadgeIds: awarded.map((a) => a.id),
    };
  });
}
