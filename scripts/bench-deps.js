// Installs the benchmarks' own dependencies (bench/package.json: PostGraphile, autocannon) on
// first use, then runs the command after `--`:
//
//   node scripts/bench-deps.js -- node --import tsx bench/run.ts [args]
//
// They live apart from the app's so that a plain `npm install` stays lean: PostGraphile's stack
// alone was about a fifth of the root tree, and every package of it declared Node >= 22 (one
// EBADENGINE warning each on Node 20). Bench files still import the app (../src) and its
// dependencies from the root node_modules: Node resolves a bare import from the importing
// file's directory upward, so bench/node_modules is found first for bench files only.
//
// `npm ci --prefix bench` runs when bench/node_modules is missing or was installed from another
// bench/package-lock.json (a stamp holds the lockfile's hash), so a pulled lock change
// reinstalls, and a current install costs a hash of one file.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const bench = path.resolve(__dirname, '..', 'bench');
const lockFile = path.join(bench, 'package-lock.json');
const stamp = path.join(bench, 'node_modules', '.installed-from-lock');

function ensureInstalled() {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(lockFile)).digest('hex');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  console.error("bench: installing the benchmarks' dependencies (npm ci --prefix bench, once)");
  const install = spawnSync('npm', ['ci', '--prefix', bench, '--no-audit', '--no-fund'], {
    stdio: ['inherit', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  // PostGraphile's packages all declare Node >= 22: on Node 20 that is one five-line EBADENGINE
  // warning each, expected and handled (bench/targets/postgraphile.ts polyfills the one Node 22
  // API it needs). One line says so; every other message passes through.
  const lines = (install.stderr ?? '').split('\n');
  const engine = lines.filter((line) => line.includes('EBADENGINE'));
  process.stderr.write(lines.filter((line) => !line.includes('EBADENGINE')).join('\n'));
  const refusing = engine.filter((line) => /package: /.test(line)).length;
  if (refusing > 0)
    console.error(
      `bench: ${refusing} of the benchmarks' packages (PostGraphile 5) declare a newer Node than ${process.version}; bench/targets/postgraphile.ts polyfills what they need`,
    );
  if (install.error) throw install.error;
  if (install.status !== 0) process.exit(install.status ?? 1);
  fs.writeFileSync(stamp, hash);
}

ensureInstalled();
const separator = process.argv.indexOf('--');
const command = separator === -1 ? [] : process.argv.slice(separator + 1);
if (command.length > 0) {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  // Ctrl-C reaches the benchmark too (same process group); wait for it to stop its servers and
  // PostgreSQL instead of returning to the shell first. SIGTERM is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (error) => {
    console.error(`bench: cannot run ${command[0]}: ${error.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 : 1);
  });
}
