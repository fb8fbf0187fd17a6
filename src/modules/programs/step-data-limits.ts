// Step data bounds, and the checks against them. An enrollment keeps its answers and its step
// history in step_data; without bounds, a looping flow advanced with large answers grew the
// database far faster than what was sent. The same numbers are a CHECK in the database
// (bounded_storage migration), so they hold whoever writes; here they are checked first, to name
// the field. Sizes are bytes of the JSON text as PostgreSQL prints jsonb (", " and ": " between
// items), which is what the CHECK measures.
import { ValidationError } from '../../graphql/errors';

export const STEP_DATA_LIMITS = {
  /** One answer. */
  answerBytes: 16 * 1024,
  /** The answers object (the latest answer of each step). */
  answersBytes: 64 * 1024,
  /** Moves kept in the step history: past it the enrollment is refused, not trimmed. */
  historyEntries: 500,
  /** The step history. */
  historyBytes: 256 * 1024,
  /** The whole step data (answers, history and whatever else the creator keeps there). */
  stepDataBytes: 384 * 1024,
} as const;

/** Bytes of `value`'s JSON text as PostgreSQL prints a jsonb (numbers in JavaScript's form). */
export function jsonbTextBytes(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return Buffer.byteLength(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (Array.isArray(value)) return 2 + value.reduce<number>((n, v, i) => n + jsonbTextBytes(v) + (i > 0 ? 2 : 0), 0);
  if (typeof value === 'object') {
    return (
      2 +
      Object.entries(value as Record<string, unknown>).reduce<number>(
        (n, [k, v], i) => n + (v === undefined ? 0 : jsonbTextBytes(k) + 2 + jsonbTextBytes(v) + (i > 0 ? 2 : 0)),
        0,
      )
    );
  }
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

/**
 * The problems of a step data document against STEP_DATA_LIMITS (empty: it fits). `root` is
 * the path it is reported under (stepData, or input.stepData for a creator's own edit).
 */
export function stepDataProblems(
  stepData: Record<string, unknown>,
  root = 'stepData',
): { path: string; message: string }[] {
  const L = STEP_DATA_LIMITS;
  const problems: { path: string; message: string }[] = [];
  const { answers, history } = stepData;
  if (answers && typeof answers === 'object' && !Array.isArray(answers)) {
    for (const [step, answer] of Object.entries(answers as Record<string, unknown>)) {
      const bytes = jsonbTextBytes(answer);
      if (bytes > L.answerBytes)
        problems.push({
          path: `${root}.answers.${step}`,
          message: `is ${bytes} bytes of JSON; one answer may be at most ${L.answerBytes}`,
        });
    }
  }
  const answersBytes = answers === undefined ? 0 : jsonbTextBytes(answers);
  if (answersBytes > L.answersBytes)
    problems.push({
      path: `${root}.answers`,
      message: `would be ${answersBytes} bytes of JSON; the answers may be at most ${L.answersBytes}`,
    });
  if (Array.isArray(history) && history.length > L.historyEntries) {
    problems.push({
      path: `${root}.history`,
      message: `would hold ${history.length} moves; the step history keeps at most ${L.historyEntries}`,
    });
  }
  const historyBytes = history === undefined ? 0 : jsonbTextBytes(history);
  if (historyBytes > L.historyBytes)
    problems.push({
      path: `${root}.history`,
      message: `would be ${historyBytes} bytes of JSON; the step history may be at most ${L.historyBytes}`,
    });
  const total = jsonbTextBytes(stepData);
  if (total > L.stepDataBytes)
    problems.push({
      path: root,
      message: `would be ${total} bytes of JSON; step data may be at most ${L.stepDataBytes}`,
    });
  return problems;
}

/** One answer within its bound, or VALIDATION_FAILED on input.answer (checked before any read). */
export function assertAnswerSize(answer: unknown): void {
  if (answer === undefined) return;
  const bytes = jsonbTextBytes(answer);
  if (bytes > STEP_DATA_LIMITS.answerBytes)
    throw new ValidationError([
      {
        path: 'input.answer',
        message: `is ${bytes} bytes of JSON; one answer may be at most ${STEP_DATA_LIMITS.answerBytes}`,
      },
    ]);
}

/** The step data within its bounds, or VALIDATION_FAILED naming each field and its limit. */
export function assertStepDataSize(stepData: Record<string, unknown>, root = 'stepData'): void {
  const problems = stepDataProblems(stepData, root);
  if (problems.length > 0) throw new ValidationError(problems);
}
