// Runs the targets: each gets a fair share of the time budget (what is left, over the targets
// left, times the lanes) but never fewer than FUZZ_MIN_CALLS calls that pass validation, so the
// coverage check does not depend on the machine's speed. Each batch is an fc.check with a seed
// derived from the run's seed and the target, so a run is reproducible from its seed. A new kind
// of failure fails the property: fast-check shrinks it (a few steps: each is a real call) and the
// smallest input is kept as the reproduction. Kinds already found pass, so one known bug does not
// hide the next one behind it.
import crypto from 'node:crypto';
import fc from 'fast-check';
import type { PersistedOperation } from '../../../src/graphql/ports';
import { send, LogClaims, type Engine, type Sent, type Target } from './calls';
import { judge, signatureOf, type Problem } from './checks';
import type { FuzzConfig } from './config';
import type { LogLine } from './harness';
import type { RootField } from './schema-model';

export interface Stats {
  calls: number;
  valid: number;
  codes: Map<string, number>;
  /** The first message seen with each code, for the report. */
  examples: Map<string, string>;
}

export interface Finding {
  signature: string;
  kind: Problem['kind'];
  detail: string;
  target: string;
  actor: string;
  seed: number;
  shrunk: boolean;
  /** Calls that hit the same signature. */
  count: number;
  document: string;
  variables: Record<string, unknown>;
  actAs?: boolean;
  status?: number;
  response: string;
  logLines: LogLine[];
}

const BATCH = 8;
const MAX_SHRINKS = 25;

export class FuzzRun {
  /** By `${field}|${actor}` (each call counts for every root field it names). */
  readonly stats = new Map<string, Stats>();
  readonly findings = new Map<string, Finding>();
  readonly claims = new LogClaims();
  readonly started = Date.now();
  private budgetLeft: number;
  private targetsLeft: number;

  constructor(
    readonly engine: Engine,
    readonly config: FuzzConfig,
    totalTargets: number,
  ) {
    this.budgetLeft = config.budgetMs;
    this.targetsLeft = totalTargets;
  }

  statsOf(field: string, actor: string): Stats {
    const key = `${field}|${actor}`;
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = { calls: 0, valid: 0, codes: new Map(), examples: new Map() }));
    return s;
  }

  /** Runs targets `lanes` at a time, in order. */
  async runAll(targets: { target: Target; root?: RootField; op?: PersistedOperation }[]): Promise<void> {
    const queue = [...targets];
    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.runTarget(next.target, next.root, next.op);
    };
    await Promise.all(Array.from({ length: Math.min(this.config.lanes, targets.length) }, lane));
  }

  private seedFor(target: Target, batch: number): number {
    return crypto
      .createHash('sha256')
      .update(`${this.config.seed}|${target.label}|${target.actor}|${batch}`)
      .digest()
      .readInt32LE(0);
  }

  private record(
    target: Target,
    problem: Problem,
    sent: Sent,
    lines: LogLine[],
    seed: number,
    shrunk: boolean,
  ): Finding {
    return {
      signature: signatureOf(target.label, target.actor, problem),
      kind: problem.kind,
      detail: problem.detail,
      target: target.label,
      actor: target.actor,
      seed,
      shrunk,
      count: 1,
      document: sent.document,
      variables: sent.variables,
      ...(sent.actAs !== undefined ? { actAs: sent.actAs } : {}),
      status: sent.answer.status,
      response:
        JSON.stringify(
          sent.answer.close ? { close: sent.answer.close, messages: sent.answer.body } : sent.answer.body,
        )?.slice(0, 3000) ?? String(sent.answer.transportError),
      logLines: lines.slice(0, 3),
    };
  }

  async runTarget(target: Target, root?: RootField, op?: PersistedOperation): Promise<void> {
    const share = (this.budgetLeft * this.config.lanes) / Math.max(1, this.targetsLeft);
    this.targetsLeft--;
    const began = Date.now();
    const first = this.statsOf(target.fields[0]!, target.actor);
    for (let batch = 0; ; batch++) {
      const short = first.valid < this.config.minCalls && first.calls < this.config.minCalls * 15;
      if (!short && Date.now() - began >= share) break;
      const seed = this.seedFor(target, batch);
      let goal: string | undefined;
      let smallest: Finding | undefined;
      const property = fc.asyncProperty(fc.limitShrink(target.input, MAX_SHRINKS), async (input) => {
        const from = this.engine.world.log.lines.length;
        const sent = await send(this.engine, target, root, op, input);
        const lines = this.claims.claim(this.engine, from, sent.answer.requestId, `${target.label} ${target.actor}`);
        const verdict = judge(sent.answer, lines);
        for (const field of target.fields) {
          const s = this.statsOf(field, target.actor);
          s.calls++;
          if (verdict.valid) s.valid++;
          for (const code of verdict.codes) s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
          for (const [code, message] of verdict.examples) if (!s.examples.has(code)) s.examples.set(code, message);
        }
        let fails = false;
        for (const problem of verdict.problems) {
          const signature = signatureOf(target.label, target.actor, problem);
          const known = this.findings.get(signature);
          if (known) {
            known.count++;
            continue;
          }
          goal ??= signature;
          if (signature === goal) {
            // Shrinking only keeps failing inputs, so the last one recorded is the smallest.
            smallest = { ...this.record(target, problem, sent, lines, seed, true), count: (smallest?.count ?? 0) + 1 };
            fails = true;
          } else this.findings.set(signature, this.record(target, problem, sent, lines, seed, false));
        }
        return !fails;
      });
      // The first batch is just the minimum, so a tight budget still reaches every target.
      const details = await fc.check(property, {
        seed,
        numRuns: batch === 0 ? Math.max(1, this.config.minCalls) : BATCH,
        endOnFailure: false,
      });
      if (goal && smallest) this.findings.set(goal, { ...smallest, shrunk: details.numShrinks > 0 });
    }
    this.budgetLeft = Math.max(0, this.budgetLeft - (Date.now() - began) / this.config.lanes);
  }

  /** Error lines that came after their call had returned: findings of their own. */
  sweepLogs(): void {
    for (const { line, owner } of this.claims.unclaimed(this.engine)) {
      const problem: Problem = {
        kind: 'error-log',
        detail: `${line.msg ?? ''}: ${line.err?.message ?? ''}`.slice(0, 160),
      };
      const signature = `${owner}|late|${problem.detail}`;
      const known = this.findings.get(signature);
      if (known) known.count++;
      else
        this.findings.set(signature, {
          signature,
          kind: 'error-log',
          detail: problem.detail,
          target: owner,
          actor: '-',
          seed: this.config.seed,
          shrunk: false,
          count: 1,
          document: '',
          variables: {},
          response: '',
          logLines: [line],
        });
    }
  }
}
