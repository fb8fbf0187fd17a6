// npm run build: compiles the server (every src/**/*.ts but the explorer's browser client, which
// scripts/build-explorer.js bundles into dist/explorer/) into plain CommonJS in dist/, which
// `npm start` runs on plain node. Under load, tsx cost the server 6-10% of its requests per
// second: esbuild's keepNames helper ran on every closure created, and tsx's require hook on
// every runtime require() (Apollo's createHash calls module.require('crypto') per request).
//
//   node scripts/build-server.js             build
//   node scripts/build-server.js --if-stale  build only when src/, tsconfig.json, this script or
//                                           esbuild changed (prestart; milliseconds when current)
//   node scripts/build-server.js --root DIR  build another checkout (bench/ablate.ts, for a
//                                           checkout older than this script)
//
// One file per source, no bundling, at the same depth as in src/ (src/x/y.ts -> dist/x/y.js),
// because the code finds files relative to __dirname: the partner manifest (paths.ts), the
// dashboard's public/ (copied beside it, as every non-TypeScript file under src/), dist/explorer
// (explorer.ts, three levels up) and prisma/migrations (migrate.ts walks up). Source maps point
// at src/ (`node --enable-source-maps`).
//
// dist/ is shared with the explorer's build: this script writes and removes only the top-level
// entries of its own builds, listed in dist/.build-server.json with the stamp that --if-stale
// compares. A build is written beside dist/ entries and moved in, so outputs of deleted sources
// go, and a killed build leaves the old one and no current stamp.
//
// esbuild is a devDependency, but tsx (a dependency) depends on it, so a production install
// (npm ci --omit=dev) still has the one tsx uses.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? path.resolve(process.argv[rootArg + 1] ?? '.') : path.resolve(__dirname, '..');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'dist');
const tsconfig = path.join(root, 'tsconfig.json');
/** The browser app: bundled by scripts/build-explorer.js, never run by node. */
const CLIENT = path.join('server', 'explorer', 'client');
/** What the explorer's build owns in dist/ (its output, and its builds in progress). */
const EXPLORER = /^explorer(?:\.(?:tmp|old)-\d+)?$/;
const STAMP = path.join(outDir, '.build-server.json');
const ENTRY = path.join(outDir, 'main.js');

/** esbuild's package directory: tsx's own (a dependency), else the root install's. */
function esbuildDir() {
  const paths = [];
  try {
    paths.push(path.dirname(require.resolve('tsx/package.json', { paths: [root] })));
  } catch {
    // no tsx: esbuild from the root install
  }
  paths.push(root, __dirname);
  return path.dirname(require.resolve('esbuild/package.json', { paths }));
}

/** The server's inputs under src/, relative to it: every file outside the browser client. */
function inputFiles() {
  return fs
    .readdirSync(srcDir, { recursive: true })
    .map(String)
    .filter((f) => f !== CLIENT && !f.startsWith(CLIENT + path.sep))
    .filter((f) => fs.statSync(path.join(srcDir, f)).isFile())
    .sort();
}

const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');

/** Everything else the output depends on besides src/. */
const extraInputs = () => [__filename, tsconfig].filter((f) => fs.existsSync(f));

/** Cheap: names, sizes and modification times. Decides "current" in a few ms. */
function quickStamp(files, esbuildVersion) {
  const hash = crypto.createHash('sha256').update(`esbuild@${esbuildVersion}\0`);
  for (const file of [...files.map((f) => path.join(srcDir, f)), ...extraInputs()]) {
    const stat = fs.statSync(file);
    hash.update(`${path.relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  return hash.digest('hex');
}

/** Exact: contents. Asked only when the quick stamp differs (a checkout touches mtimes). */
function contentStamp(files, esbuildVersion) {
  const hash = crypto.createHash('sha256').update(`esbuild@${esbuildVersion}\0`);
  for (const file of [...files.map((f) => path.join(srcDir, f)), ...extraInputs()]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8'));
  } catch {
    return null;
  }
}

function writeStamp(stamp) {
  const tmp = `${STAMP}.${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`);
  fs.renameSync(tmp, STAMP);
}

/** Removes what builds that were killed left in dist/ (their process is gone). */
function removeLeftovers() {
  if (!fs.existsSync(outDir)) return;
  for (const name of fs.readdirSync(outDir)) {
    const pid = Number(
      /^\.build-server\.(?:tmp|old)-(\d+)$/.exec(name)?.[1] ?? /^\.build-server\.json\.(\d+)$/.exec(name)?.[1],
    );
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0); // still building: leave it
    } catch {
      fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
    }
  }
}

function build(esbuild, files, stamps) {
  const started = Date.now();
  const sources = files.filter(isSource);
  const assets = files.filter((f) => !f.endsWith('.ts'));
  const clash = files.find((f) => f.includes(path.sep) && EXPLORER.test(f.split(path.sep)[0]));
  if (clash) throw new Error(`src/${clash}: dist/explorer/ is the explorer's build, not a place for server output`);
  // In memory first: the paths (and so the source maps' relative paths to src/) are the final ones.
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: sources.map((f) => path.join(srcDir, f)),
    outbase: srcDir,
    outdir: outDir,
    tsconfig: fs.existsSync(tsconfig) ? tsconfig : undefined,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    bundle: false,
    write: false,
    logLevel: 'warning',
  });
  fs.mkdirSync(outDir, { recursive: true });
  removeLeftovers();
  const tmp = path.join(outDir, `.build-server.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    for (const file of result.outputFiles) {
      const target = path.join(tmp, path.relative(outDir, file.path));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.contents);
    }
    for (const f of assets) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.copyFileSync(path.join(srcDir, f), path.join(tmp, f));
    }
    const entries = fs.readdirSync(tmp).sort();
    const previous = readStamp()?.entries ?? [];
    fs.rmSync(STAMP, { force: true }); // until the swap is complete, nothing is current
    swapIn(tmp, entries, previous);
    writeStamp({ ...stamps, entries });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `server: built dist/ (${sources.length} modules, ${assets.length} other files) in ${Date.now() - started} ms`,
  );
}

/**
 * Moves the new top-level entries into dist/ and the previous build's away (its stale outputs
 * with them). Entry by entry: a file is replaced atomically, a directory in two renames.
 */
function swapIn(tmp, entries, previous) {
  const old = path.join(outDir, `.build-server.old-${process.pid}`);
  fs.rmSync(old, { recursive: true, force: true });
  fs.mkdirSync(old);
  try {
    for (const name of new Set([...previous, ...entries])) {
      if (EXPLORER.test(name) || name.startsWith('.build-server')) continue;
      const target = path.join(outDir, name);
      const fresh = entries.includes(name);
      if (fs.existsSync(target) && (!fresh || fs.statSync(target).isDirectory()))
        fs.renameSync(target, path.join(old, name));
      if (!fresh) continue;
      try {
        fs.renameSync(path.join(tmp, name), target);
      } catch (error) {
        // Another build moved in the same entry first: same inputs, so its output will do.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      }
    }
  } finally {
    fs.rmSync(old, { recursive: true, force: true });
  }
}

function main() {
  if (!fs.existsSync(srcDir)) throw new Error(`${srcDir} does not exist`);
  const dir = esbuildDir();
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const esbuild = () => require(dir); // loaded only to build (10 ms)
  const files = inputFiles();
  const quick = quickStamp(files, version);
  const stamp = readStamp();
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && stamp && fs.existsSync(ENTRY)) {
    if (stamp.quick === quick) return;
    // Touched but maybe not changed (a checkout, a save without edits): compare contents.
    const content = contentStamp(files, version);
    if (stamp.content === content) return writeStamp({ ...stamp, quick });
    return build(esbuild(), files, { quick, content });
  }
  build(esbuild(), files, { quick, content: contentStamp(files, version) });
}

try {
  main();
} catch (error) {
  console.error(`server: build failed: ${error.stack ?? error}`);
  process.exitCode = 1;
}
