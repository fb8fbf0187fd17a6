// npm run deps:check: the root install stays lean and honest about Node. Fails when
//
//   1. package.json `engines.node` differs from what the installed packages declare: the
//      intersection of every `engines.node` under node_modules/ (nested copies included). Saying
//      less lets people install on a Node that some dependency refuses; saying more refuses a
//      Node that works. The intersection is printed, so a dependency update that moves it
//      shows what to write.
//   2. the running Node is outside some installed package's `engines.node`: each such package
//      is one `npm warn EBADENGINE` line on every install.
//   3. a root dependency is imported only from bench/: it belongs in bench/package.json, which
//      `npm run bench` installs on first use (scripts/bench-deps.js).
//
// Run after `npm install` or `npm ci` (it reads the installed tree, not the registry).
const fs = require('node:fs');
const path = require('node:path');
const semver = require('semver');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const failures = [];

// ---- 1 and 2: engines.node over the installed tree -------------------------------------------

/** Every installed package.json under dir/node_modules, nested node_modules included. */
function* installed(dir) {
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) return;
  for (const entry of fs.readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
    const dirs = entry.name.startsWith('@')
      ? fs
          .readdirSync(path.join(modules, entry.name), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(modules, entry.name, d.name))
      : [path.join(modules, entry.name)];
    for (const packageDir of dirs) {
      const file = path.join(packageDir, 'package.json');
      if (!fs.existsSync(file)) continue;
      yield { where: path.relative(root, packageDir), json: JSON.parse(fs.readFileSync(file, 'utf8')) };
      yield* installed(packageDir);
    }
  }
}

// Installed but never loaded by this project, so their engines do not bind it. Each needs a
// reason that a reader can check in node_modules.
const NEVER_LOADED = {
  // Only `prisma dev` (a local Prisma Postgres) loads it, through a dynamic import in
  // @prisma/dev/dist/index.cjs; prisma 7.10.1 pins @prisma/dev, which pins it, and every version
  // declares Node >= 22. This project runs its own embedded PostgreSQL and never `prisma dev`.
  // Its one EBADENGINE warning on Node 20 is the price of the Prisma CLI.
  '@prisma/streams-local': 'loaded only by `prisma dev`',
};

/** Which packages declare each distinct engines.node range. */
const declared = new Map();
for (const { where, json } of installed(root)) {
  if (NEVER_LOADED[json.name]) continue;
  const range = json.engines && typeof json.engines === 'object' ? json.engines.node : undefined;
  if (typeof range !== 'string' || range.trim() === '' || range.trim() === '*') continue;
  if (!semver.validRange(range)) {
    console.warn(
      `deps:check: ${where} declares engines.node ${JSON.stringify(range)}, which is not a semver range; ignored`,
    );
    continue;
  }
  if (!declared.has(range)) declared.set(range, []);
  declared.get(range).push(`${json.name}@${json.version} (${where})`);
}

// The versions to test: each major's x.0.0, and every version a range names with the one
// right after it. A range's answer can change only at those points, so testing them is exact.
const grid = new Set();
for (let major = 0; major <= 40; major++) grid.add(`${major}.0.0`);
for (const range of [...declared.keys(), pkg.engines?.node ?? '*']) {
  for (const set of new semver.Range(range).set) {
    for (const c of set) {
      if (!c.semver.version) continue;
      grid.add(`${c.semver.major}.${c.semver.minor}.${c.semver.patch}`);
      grid.add(`${c.semver.major}.${c.semver.minor}.${c.semver.patch + 1}`);
    }
  }
}
const versions = [...grid].sort(semver.compare);
const ranges = [...declared.keys()].map((range) => new semver.Range(range));
const needed = versions.map((v) => ranges.every((r) => r.test(v)));

/** The set of versions (a boolean per entry of `versions`) as a range: `^20.19.0 || >=24.0.0`. */
function describe(allowed) {
  const parts = [];
  for (let i = 0; i < versions.length; i++) {
    if (!allowed[i] || (i > 0 && allowed[i - 1])) continue;
    let j = i;
    while (j + 1 < versions.length && allowed[j + 1]) j++;
    const from = versions[i];
    if (j === versions.length - 1) parts.push(`>=${from}`);
    else {
      const until = semver.parse(versions[j + 1]);
      parts.push(
        until.minor === 0 && until.patch === 0 && until.major === semver.major(from) + 1 && semver.major(from) > 0
          ? `^${from}`
          : `>=${from} <${until.version}`,
      );
    }
  }
  return parts.join(' || ') || '(no Node version satisfies them all)';
}

const stated = pkg.engines?.node;
const statedRange = stated && semver.validRange(stated) ? new semver.Range(stated) : undefined;
const allowed = versions.map((v) => (statedRange ? statedRange.test(v) : false));
const differ = versions.filter((_, i) => allowed[i] !== needed[i]);
if (differ.length > 0) {
  // The packages that refuse a version package.json allows are the ones that set the bound.
  const binding = [...declared].filter(([range]) =>
    differ.some((v) => allowed[versions.indexOf(v)] && !semver.satisfies(v, range)),
  );
  failures.push(
    `package.json engines.node is ${JSON.stringify(stated)}; the installed packages need ${JSON.stringify(describe(needed))}` +
      (binding.length
        ? `\n  set by: ${binding.map(([range, who]) => `${range}: ${who.slice(0, 3).join(', ')}${who.length > 3 ? ` and ${who.length - 3} more` : ''}`).join('\n          ')}`
        : ''),
  );
}

const refusing = [...declared].filter(([range]) => !semver.satisfies(process.versions.node, range));
if (refusing.length > 0) {
  const count = refusing.reduce((n, [, who]) => n + who.length, 0);
  failures.push(
    `${count} installed packages refuse this Node (${process.versions.node}); npm install warns EBADENGINE for each:\n  ${refusing.flatMap(([range, who]) => who.map((w) => `${w}: ${range}`)).join('\n  ')}`,
  );
}

// ---- 3: root dependencies that only the benchmarks use --------------------------------------

function sources(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(file, out);
    else if (/\.(ts|js|cjs|mjs|prisma)$/.test(entry.name)) out.push(fs.readFileSync(file, 'utf8'));
  }
  return out;
}
const topLevel = fs
  .readdirSync(root)
  .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f))
  .map((f) => fs.readFileSync(path.join(root, f), 'utf8'));
const app = [
  ...sources(path.join(root, 'src')),
  ...sources(path.join(root, 'test')),
  ...sources(path.join(root, 'scripts')),
  ...sources(path.join(root, 'prisma')),
  ...topLevel,
  JSON.stringify(pkg.scripts),
];
const benchOnly = sources(path.join(root, 'bench'));
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A quoted module specifier (`'name'`, `"name/sub"`) or, for a package with binaries, a command. */
function usedIn(texts, name) {
  const specifier = new RegExp(`['"\`]${escapeRegExp(name)}(/[^'"\`]*)?['"\`]`);
  let bins = [];
  try {
    const bin = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).bin;
    bins = typeof bin === 'string' ? [name.split('/').pop()] : Object.keys(bin ?? {});
  } catch {
    // not installed: judged by its imports alone
  }
  const command = bins.length
    ? new RegExp(`(^|[\\s"'&|;])(${bins.map(escapeRegExp).join('|')})(\\s|$|")`, 'm')
    : undefined;
  return texts.some((t) => specifier.test(t) || (command && command.test(t)));
}
const rootDeps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
for (const name of rootDeps) {
  const base = name.startsWith('@types/') ? name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : name;
  if (usedIn(benchOnly, base) && !usedIn(app, base)) {
    failures.push(
      `${name} is used only by bench/: move it to bench/package.json (installed by npm run bench on first use)`,
    );
  }
}

if (failures.length > 0) {
  console.error(`deps:check failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `deps:check: engines.node ${JSON.stringify(stated)} is what the ${[...declared.values()].flat().length} installed packages that declare one need, Node ${process.versions.node} satisfies them all, and no root dependency is used only by bench/`,
);
