// CI: fail when a commit changed schema.graphql in a way that breaks existing clients, unless
// that commit's message says so ("BREAKING CHANGE" in the message, as in Conventional Commits).
// Every commit since .ci/schema-baseline that touched the schema is checked against its parent,
// so a break in the middle of a submission is caught too. Dangerous changes are reported.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';

const root = path.resolve(__dirname, '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const schemaAt = (commit: string) => {
  try {
    return buildSchema(git('show', `${commit}:schema.graphql`));
  } catch {
    return undefined;
  }
};

const baseline = fs.readFileSync(path.join(root, '.ci', 'schema-baseline'), 'utf8').trim();
const commits = git('rev-list', '--reverse', `${baseline}..HEAD`, '--', 'schema.graphql').split('\n').filter(Boolean);
let failed = false;
for (const commit of commits) {
  const before = schemaAt(`${commit}~1`);
  const after = schemaAt(commit);
  if (!before || !after) continue;
  const breaking = findBreakingChanges(before, after);
  const dangerous = findDangerousChanges(before, after);
  const message = git('log', '-1', '--format=%B', commit);
  const subject = message.split('\n')[0];
  for (const change of dangerous) console.log(`warning ${commit.slice(0, 8)} (${subject}): ${change.description}`);
  if (breaking.length === 0) continue;
  const declared = /BREAKING CHANGE/.test(message);
  for (const change of breaking)
    console.log(`${declared ? 'declared' : 'BREAKING'} ${commit.slice(0, 8)} (${subject}): ${change.description}`);
  if (!declared) failed = true;
}
if (failed) {
  console.error(
    '\nschema.graphql has breaking changes in commits that do not say "BREAKING CHANGE". Make the change compatible (deprecate, then remove), or say so in the commit message.',
  );
  process.exit(1);
}
console.log(`schema.graphql: no undeclared breaking changes in ${commits.length} commit(s) since the baseline.`);
