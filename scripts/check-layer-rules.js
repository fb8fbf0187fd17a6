// node scripts/check-layer-rules.js: proves that .dependency-cruiser.cjs bites. It copies src/ (with
// the config and tsconfig.json) to a temporary directory, plants one file per rule that breaks it,
// and some that must pass, cruises the copy exactly as `npm run lint:deps` does, and fails unless
// each planted break, and nothing planted to pass, is reported. src/ itself is never written; the
// copy is removed in any case.
//
// node scripts/check-layer-rules.js --report (npm run layers:report): counts the violations in
// src/ by rule, and the upward imports of server/ and the import cycles (both 0 today).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const CONFIG = '.dependency-cruiser.cjs';
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Violations that depcruise reports for src/ under `cwd`. */
function cruise(cwd) {
  const args = [depcruise, 'src', '--config', CONFIG, '--output-type', 'json'];
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error || !run.stdout.trim().startsWith('{'))
    throw new Error(`depcruise did not run: ${run.error ?? run.stderr}`);
  return JSON.parse(run.stdout).summary.violations;
}

// Each probe plants files in the copy; `expect` is the rule they must break, or null when they
// import only what the rules allow. Paths are relative to src/.
const PROBES = [
  { files: { 'graphql/__layer_probe_upward.ts': "import '../server/http';\n" }, expect: 'no-upward-import-of-server' },
  {
    files: {
      'modules/users/__layer_probe_type_only.ts':
        "import type * as Http from '../../server/http';\nexport type Probe = typeof Http;\n",
    },
    expect: 'no-upward-import-of-server',
  },
  {
    files: { 'realtime/__layer_probe_upward.ts': "import '../server/context';\n" },
    expect: 'no-upward-import-of-server',
  },
  { files: { 'jobs/__layer_probe_upward.ts': "import '../server/limits';\n" }, expect: 'no-upward-import-of-server' },
  { files: { '__layer_probe_not_entry.ts': "import './server/http';\n" }, expect: 'no-upward-import-of-server' },
  { files: { 'db/__layer_probe_graphql.ts': "import '../graphql/errors';\n" }, expect: 'db-stays-below' },
  {
    files: { 'db/__layer_probe_modules.ts': "import '../modules/programs/flow.service';\n" },
    expect: 'db-stays-below',
  },
  {
    files: { 'modules/audit/__layer_probe_private.ts': "import '../programs/program.schema';\n" },
    expect: 'module-public-entry-only',
  },
  {
    files: {
      'modules/audit/__layer_probe_entry.ts':
        "import '../programs/flow.service';\nimport '../shared/enums';\nimport './audit.schema';\n",
    },
    expect: null,
  },
  {
    files: {
      'modules/users/__layer_probe.service.ts':
        "import type { Context } from '../../graphql/context';\nexport type Probe = Context;\n",
    },
    expect: 'services-know-no-request',
  },
  {
    files: { 'jobs/__layer_probe_private.ts': "import '../modules/programs/program.schema';\n" },
    expect: 'outside-reaches-modules-by-entry',
  },
  {
    files: {
      'realtime/__layer_probe_cycle_a.ts': "import type { B } from './__layer_probe_cycle_b';\nexport type A = B;\n",
      'realtime/__layer_probe_cycle_b.ts':
        "import type { A } from './__layer_probe_cycle_a';\nexport type B = A | 1;\n",
    },
    expect: 'no-circular',
  },
];
const plantedIn = (probe) => Object.keys(probe.files).map((file) => `src/${file}`);
const PLANTED = new Set(PROBES.flatMap(plantedIn));

function prove() {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'layer-rules-'));
  try {
    fs.cpSync(path.join(root, 'src'), path.join(copy, 'src'), { recursive: true });
    for (const file of [CONFIG, 'tsconfig.json']) fs.copyFileSync(path.join(root, file), path.join(copy, file));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    for (const probe of PROBES)
      for (const [file, text] of Object.entries(probe.files)) fs.writeFileSync(path.join(copy, 'src', file), text);

    const reported = cruise(copy);
    const failures = [];
    for (const probe of PROBES) {
      const files = plantedIn(probe);
      const from = files.join(' + ');
      const rules = [...new Set(reported.filter((v) => files.includes(v.from)).map((v) => v.rule.name))];
      if (probe.expect && !rules.includes(probe.expect))
        failures.push(`${from}: expected ${probe.expect}, got ${rules.join(', ') || 'nothing'}`);
      if (!probe.expect && rules.length > 0)
        failures.push(`${from}: imports only public entries, yet reported ${rules.join(', ')}`);
    }
    // The entry wiring may import server/: app.ts and main.ts are never reported for it.
    for (const v of reported.filter(
      (v) => /^src\/(app|main)\.ts$/.test(v.from) && v.rule.name === 'no-upward-import-of-server',
    )) {
      failures.push(`${v.from} → ${v.to}: the entry wiring may import server/`);
    }
    // Only the planted files break a rule; the rest of src/ is clean.
    for (const v of reported.filter((v) => !PLANTED.has(v.from))) {
      failures.push(`${v.from} → ${v.to}: ${v.rule.name}, not planted (npm run lint:deps)`);
    }
    if (failures.length > 0) {
      console.error(`check-layer-rules failed:\n- ${failures.join('\n- ')}`);
      process.exitCode = 1; // not process.exit(): the finally block removes the copy
      return;
    }
    console.log(
      `check-layer-rules: all ${PROBES.filter((p) => p.expect).length} planted breaks reported under their rules, ${PROBES.filter((p) => !p.expect).length} planted import of public entries passed, app.ts/main.ts may import server/`,
    );
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function report() {
  const all = cruise(root);
  const byRule = new Map();
  for (const v of all) byRule.set(v.rule.name, (byRule.get(v.rule.name) ?? 0) + 1);
  console.log(`layer rules over src/: ${all.length} violations`);
  for (const [rule, count] of [...byRule].sort()) console.log(`  ${String(count).padStart(3)} ${rule}`);
  console.log(
    `upward imports of server/: ${byRule.get('no-upward-import-of-server') ?? 0}; import cycles: ${byRule.get('no-circular') ?? 0}`,
  );
  for (const v of all) console.log(`  ${v.rule.name} ${v.from} → ${v.to}`);
}

if (process.argv.includes('--report')) report();
else prove();
