// What a run found, as text: a summary for the test's failure message, and the markdown report
// `npm run fuzz` writes (seed, duration, calls per root field per actor, outcome codes, and each
// distinct failure with a minimal reproduction).
import fs from 'node:fs';
import path from 'node:path';
import type { FuzzRun, Finding } from './runner';

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Variables with long strings and arrays cut, so a reproduction stays readable. */
export function compact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > 120 ? `${value.slice(0, 40)}…<${value.length} chars>` : value;
  if (value && typeof value === 'object' && depth >= 6) return `…<nested ${Array.isArray(value) ? 'list' : 'object'}>`;
  if (Array.isArray(value))
    return value.length > 8
      ? [...value.slice(0, 4).map((v) => compact(v, depth + 1)), `…<${value.length} items>`]
      : value.map((v) => compact(v, depth + 1));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 20)
        .map(([k, v]) => [k.length > 40 ? `${k.slice(0, 20)}…` : k, compact(v, depth + 1)]),
    );
  return value;
}

export function describeFinding(f: Finding): string {
  const lines = [
    `- [${f.kind}] ${f.target} as ${f.actor}${f.actAs === false ? ' (admin not acting as a creator)' : ''}: ${f.detail} (seed ${f.seed}, ${f.count} call(s)${f.shrunk ? ', shrunk' : ''})`,
    `    document:  ${truncate(f.document, 600)}`,
    `    variables: ${truncate(JSON.stringify(compact(f.variables)), 800)}`,
    `    answer:    ${f.status !== undefined ? `HTTP ${f.status} ` : ''}${truncate(f.response, 600)}`,
  ];
  for (const l of f.logLines)
    lines.push(
      `    log:       ${truncate(JSON.stringify({ level: l.level, msg: l.msg, err: l.err ? { type: l.err.type, message: l.err.message } : undefined }), 600)}`,
    );
  return lines.join('\n');
}

export function findingsSummary(findings: Finding[]): string {
  return findings.map(describeFinding).join('\n');
}

export interface ReportInput {
  run: FuzzRun;
  minutes: number;
  extraFindings: string[];
  uncovered: string[];
}

export function writeReport(file: string, input: ReportInput): void {
  const { run } = input;
  const duration = (Date.now() - run.started) / 1000;
  const findings = [...run.findings.values()].sort(
    (a, b) => a.target.localeCompare(b.target) || a.actor.localeCompare(b.actor),
  );
  const actors = [...new Set([...run.stats.keys()].map((k) => k.split('|')[1]!))].sort();
  const fields = [...new Set([...run.stats.keys()].map((k) => k.split('|')[0]!))].sort();
  const out: string[] = [
    `# Schema-wide fuzz: ${new Date(run.started).toISOString()}`,
    '',
    `- seed: \`${run.config.seed}\` (rerun: \`FUZZ_SEED=${run.config.seed} FUZZ_BUDGET_MS=${run.config.budgetMs} CI= npx jest test/graphql/fuzz --runInBand\`)`,
    `- budget: ${run.config.budgetMs / 1000} s (${input.minutes} min), took ${duration.toFixed(0)} s; at least ${run.config.minCalls} validated calls per root field and actor`,
    `- calls: ${[...run.stats.values()].reduce((n, s) => n + s.calls, 0)}; distinct failures: ${findings.length + input.extraFindings.length}; uncovered: ${input.uncovered.length ? input.uncovered.join(', ') : 'none'}`,
    '',
    '## Failures',
    '',
    findings.length || input.extraFindings.length
      ? [...input.extraFindings.map((f) => `- ${f}`), ...findings.map(describeFinding)].join('\n')
      : 'None.',
    '',
    '## Calls per root field and actor (validated / all)',
    '',
    `| field | ${actors.join(' | ')} |`,
    `|---|${actors.map(() => '---').join('|')}|`,
    ...fields.map(
      (f) =>
        `| ${f} | ${actors.map((a) => (run.stats.has(`${f}|${a}`) ? `${run.stats.get(`${f}|${a}`)!.valid} / ${run.stats.get(`${f}|${a}`)!.calls}` : '')).join(' | ')} |`,
    ),
    '',
    '## Outcome codes',
    '',
  ];
  const totals = new Map<string, number>();
  for (const s of run.stats.values()) for (const [code, n] of s.codes) totals.set(code, (totals.get(code) ?? 0) + n);
  out.push(
    '| code | answers |',
    '|---|---|',
    ...[...totals].sort((a, b) => b[1] - a[1]).map(([c, n]) => `| ${c} | ${n} |`),
    '',
  );
  out.push('## Outcome codes per root field', '');
  for (const f of fields) {
    const codes = new Map<string, number>();
    const examples = new Map<string, string>();
    for (const a of actors) {
      for (const [c, n] of run.stats.get(`${f}|${a}`)?.codes ?? []) codes.set(c, (codes.get(c) ?? 0) + n);
      for (const [c, m] of run.stats.get(`${f}|${a}`)?.examples ?? []) if (!examples.has(c)) examples.set(c, m);
    }
    out.push(
      `- ${f}: ${[...codes]
        .sort((x, y) => y[1] - x[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
    );
    for (const [c, m] of examples) out.push(`  - ${c}: ${JSON.stringify(truncate(m, 160))}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${out.join('\n')}\n`);
}
