// npm run explorer:build: bundles the GraphiQL explorer (src/server/explorer/client/) into
// dist/explorer/, which the server serves at /explorer/<file> (src/server/explorer/). GraphiQL 5
// ships no prebuilt bundle, and the page must fetch nothing from any other host, so it is built
// here with esbuild, Monaco's workers and fonts included.
//
//   node scripts/build-explorer.js             build
//   node scripts/build-explorer.js --if-stale  build only when the client sources, this script or
//                                             the installed versions changed (postinstall,
//                                             prestart, pretest: a few ms when current)
//
// A production install (npm ci --omit=dev) has neither esbuild nor graphiql: the script then
// says so in one line and exits 0, so that postinstall never fails; the server answers the
// explorer page with 503 and this command.
//
// Output: every file has a content hash in its name (served as immutable), plus manifest.json
// (what the page links: entry script and styles, modules to preload, the workers) and
// build-stamp.json (what --if-stale compares). The directory is built beside the old one and
// swapped in, so a running server never sees half a build.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const clientDir = path.join(root, 'src/server/explorer/client');
const outDir = path.join(root, 'dist/explorer');
const STAMP = 'build-stamp.json';
/** The packages whose versions decide what gets bundled, besides the sources. */
const INPUT_PACKAGES = [
  'graphiql',
  '@graphiql/react',
  '@graphiql/toolkit',
  'monaco-editor',
  'monaco-graphql',
  'react',
  'react-dom',
  'graphql',
  'graphql-ws',
  'esbuild',
];
/** Monaco's language workers: GraphiQL asks for them by label (client/explorer.jsx). */
const WORKERS = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};

function installedVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [root] }), 'utf8')).version;
  } catch {
    // monaco-editor has no exports map entry for package.json in some versions; look it up by path.
    const file = path.join(root, 'node_modules', name, 'package.json');
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : null;
  }
}

/** A hash of everything the output depends on: the client sources, this script, the versions. */
function inputStamp() {
  const hash = crypto.createHash('sha256');
  const files = fs
    .readdirSync(clientDir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(clientDir, f)).isFile())
    .sort();
  for (const file of [...files.map((f) => path.join(clientDir, f)), __filename]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  for (const name of INPUT_PACKAGES) hash.update(`${name}@${installedVersion(name)}\0`);
  return hash.digest('hex');
}

function currentStamp() {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, STAMP), 'utf8')).stamp;
  } catch {
    return null;
  }
}

/** The CSS rules of a stylesheet, for comparing what two sheets contain. */
const rulesOf = (css) =>
  new Set(
    css
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .split('}')
      .map((rule) => rule.trim())
      .filter(Boolean),
  );

/** Removes what builds that were killed left beside dist/explorer (their process is gone). */
function removeLeftovers() {
  const dist = path.dirname(outDir);
  if (!fs.existsSync(dist)) return;
  for (const name of fs.readdirSync(dist)) {
    const pid = Number(/^explorer\.(?:tmp|old)-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0); // still building: leave it
    } catch {
      fs.rmSync(path.join(dist, name), { recursive: true, force: true });
    }
  }
}

async function build(esbuild, stamp) {
  removeLeftovers();
  const tmp = `${outDir}.tmp-${process.pid}`;
  try {
    await buildInto(esbuild, tmp, stamp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function buildInto(esbuild, tmp, stamp) {
  const started = Date.now();
  const common = {
    absWorkingDir: root,
    bundle: true,
    minify: true,
    outdir: tmp,
    metafile: true,
    logLevel: 'warning',
    // Fonts become files of this build (Monaco's codicon) or stay inline as data: URLs.
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: '[name]-[hash]',
    entryNames: '[name]-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    target: ['es2022'],
  };
  // The page: ES modules with splitting, so that what GraphiQL imports lazily (Prettier for
  // "prettify", Monaco's language modes) stays out of the first download.
  const page = await esbuild.build({
    ...common,
    entryPoints: [{ in: path.join(clientDir, 'explorer.jsx'), out: 'explorer' }],
    format: 'esm',
    splitting: true,
    chunkNames: '[name]-[hash]',
    jsx: 'automatic',
  });
  // The workers: one self-contained classic script each, no chunks shared with the page.
  const workers = await esbuild.build({
    ...common,
    entryPoints: Object.entries(WORKERS).map(([label, entry]) => ({ in: entry, out: `${label}.worker` })),
    format: 'iife',
  });

  const nameOf = (file) => path.basename(file);
  const [entryFile, entry] = Object.entries(page.metafile.outputs).find(
    ([, o]) => o.entryPoint && o.entryPoint.endsWith('explorer.jsx'),
  );
  const css = entry.cssBundle ? [nameOf(entry.cssBundle)] : [];
  // esbuild writes the CSS that a lazily imported chunk imports next to that chunk, and
  // nothing ever loads it. Today all of it is also in the entry's stylesheet (GraphiQL imports
  // Monaco's CSS eagerly), so such a sheet is dropped; should a new version import CSS only
  // lazily, the page links that sheet too rather than render part of the editor unstyled.
  // Either way every stylesheet in the output is one the page links.
  const linked = new Set(css.flatMap((file) => [...rulesOf(fs.readFileSync(path.join(tmp, file), 'utf8'))]));
  for (const file of Object.keys(page.metafile.outputs)) {
    if (file === entry.cssBundle || !file.endsWith('.css')) continue;
    const rules = rulesOf(fs.readFileSync(path.join(root, file), 'utf8'));
    if ([...rules].every((rule) => linked.has(rule))) {
      fs.rmSync(path.join(root, file));
      delete page.metafile.outputs[file];
      continue;
    }
    css.push(nameOf(file));
    rules.forEach((rule) => linked.add(rule));
  }
  const outputs = { ...page.metafile.outputs, ...workers.metafile.outputs };
  const workerNames = {};
  for (const [file, output] of Object.entries(workers.metafile.outputs)) {
    const label = Object.keys(WORKERS).find((l) => output.entryPoint && output.entryPoint.endsWith(WORKERS[l]));
    if (label && file.endsWith('.js')) workerNames[label] = nameOf(file);
  }
  const manifest = {
    js: nameOf(entryFile),
    css,
    // The chunks the entry imports statically: the page asks for them at once, in parallel.
    preload: entry.imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => nameOf(i.path)),
    workers: workerNames,
    files: Object.keys(outputs).map(nameOf).sort(),
  };
  for (const label of Object.keys(WORKERS))
    if (!workerNames[label]) throw new Error(`no output for the ${label} worker`);
  fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(tmp, STAMP), `${JSON.stringify({ stamp }, null, 2)}\n`);
  swapIn(tmp);
  const bytes = Object.values(outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(
    `explorer: built dist/explorer/ (${manifest.files.length} files, ${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/** Replaces dist/explorer with the new build; another build that finished first wins the race. */
function swapIn(tmp) {
  const old = `${outDir}.old-${process.pid}`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  try {
    fs.renameSync(tmp, outDir);
  } catch (error) {
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

async function main() {
  let esbuild;
  try {
    esbuild = require('esbuild');
    require.resolve('graphiql/package.json', { paths: [root] });
  } catch {
    console.log(
      'explorer: not built (esbuild or graphiql is not installed, as in a production install); the server answers the explorer page with 503',
    );
    return;
  }
  const stamp = inputStamp();
  if (process.argv.includes('--if-stale') && currentStamp() === stamp) return;
  await build(esbuild, stamp);
}

main().catch((error) => {
  console.error(`explorer: build failed: ${error.stack ?? error}`);
  process.exitCode = 1;
});
