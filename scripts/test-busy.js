#!/usr/bin/env node
// The whole suite while every core is busy: `npm test` (the README's command) with CI=1, so the
// Redis and PgBouncer suites run too, next to one spinning process per core at normal priority.
// A test that passes alone but fails here depends on timing it does not wait for (a short
// timeout, a sleep standing in for an event, jest's default 5 s, a race with background work).
//
//   node scripts/test-busy.js                 one run
//   node scripts/test-busy.js --runs 3        three runs, one after the other
//   node scripts/test-busy.js --busy 0        the same report without the load (to compare)
//   node scripts/test-busy.js -- test/modules extra arguments go to jest (a path, -t ...)
//
// Prints each run's wall time, pass/fail counts and failing tests, and exits with jest's status
// (the first failing run's, when several ran). The busy processes end with this script however
// it ends: on exit and on signals they are killed, and each one also exits by itself once its
// parent is gone (SIGKILL gives no chance to clean up).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function parseArgs(argv) {
  const options = { runs: 1, busy: os.availableParallelism(), jestArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.jestArgs = argv.slice(i + 1);
      break;
    }
    const [name, inline] = arg.split('=', 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || !/^\d+$/.test(v)) usage(`${name} needs a whole number`);
      return Number(v);
    };
    if (name === '--runs') options.runs = Math.max(1, value());
    else if (name === '--busy') options.busy = value();
    else if (name === '--help' || name === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(problem) {
  if (problem) console.error(`test-busy: ${problem}`);
  console.error('usage: node scripts/test-busy.js [--runs N] [--busy CORES] [-- jest arguments]');
  process.exit(problem ? 2 : 0);
}

// The spinner checks, about every 50 ms, that its parent still lives: when the parent dies the
// child is re-parented, and process.ppid changes.
const SPIN = `
const parent = process.ppid;
let next = Date.now() + 50;
for (;;) {
  for (let i = 0; i < 1e6; i++);
  if (Date.now() >= next) {
    if (process.ppid !== parent) process.exit(0);
    next = Date.now() + 50;
  }
}`;

const spinners = new Set();

function startSpinners(count) {
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' });
    spinners.add(child);
    child.on('exit', () => spinners.delete(child));
  }
}

function stopSpinners() {
  for (const child of spinners) child.kill('SIGKILL');
  spinners.clear();
}

let jest;
let interrupted = false;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted = true;
    stopSpinners();
    // A terminal's Ctrl-C reaches npm and jest too; a signal sent to this script alone is passed
    // on. Either way jest's exit ends the script, with jest's status.
    if (jest && jest.exitCode === null) jest.kill(signal);
    else process.exit(130);
  });
}
process.on('exit', stopSpinners);

function runSuite(run, options) {
  const output = path.join(os.tmpdir(), `creatorgraph-test-busy-${process.pid}-${run}.json`);
  fs.rmSync(output, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // `npm test` as the README says; --json --outputFile only add a machine-readable copy of the
  // results (the usual report still goes to the terminal).
  const args = ['test', '--', '--json', `--outputFile=${output}`, ...options.jestArgs];
  const started = process.hrtime.bigint();
  startSpinners(options.busy);
  return new Promise((resolve) => {
    jest = spawn(npm, args, { stdio: 'inherit', env: { ...process.env, CI: '1' } });
    const done = (code, signal) => {
      stopSpinners();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const load = os.loadavg()[0]; // read before the spinners' absence shows in it
      resolve({
        run,
        seconds,
        load,
        status: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1),
        results: readResults(output),
      });
    };
    jest.on('exit', done);
    jest.on('error', (error) => {
      console.error(`test-busy: could not start npm: ${error.message}`);
      done(1, null);
    });
  });
}

function readResults(file) {
  try {
    const results = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.rmSync(file, { force: true });
    return results;
  } catch {
    return undefined; // jest died before writing it
  }
}

function failuresOf(results) {
  const lines = [];
  for (const suite of results.testResults) {
    const file = path.relative(process.cwd(), suite.name);
    const failed = suite.assertionResults.filter((a) => a.status === 'failed');
    for (const a of failed) lines.push(`${file} › ${a.fullName}`);
    // A file that failed outside its tests (beforeAll, a worker crash, a leak jest reports).
    if (failed.length === 0 && suite.status === 'failed')
      lines.push(`${file} (the file itself: ${firstLine(suite.message)})`);
  }
  return lines;
}

function firstLine(message) {
  const line = (message || '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('●'));
  return line ? line.slice(0, 160) : 'no message';
}

function report(outcome, options) {
  const { run, seconds, load, status, results } = outcome;
  const wall = `${Math.floor(seconds / 60)}m${(seconds % 60).toFixed(1).padStart(4, '0')}s`;
  console.log(
    `\n=== test-busy run ${run}/${options.runs}: ${options.busy} busy process(es) on ${os.availableParallelism()} core(s), wall ${wall}, load average ${load.toFixed(1)}, jest status ${status}`,
  );
  if (!results) {
    console.log('    no results from jest (it did not finish writing them)');
    return;
  }
  console.log(
    `    tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped, ${results.numTotalTests} total`,
  );
  console.log(
    `    files: ${results.numPassedTestSuites} passed, ${results.numFailedTestSuites} failed, ${results.numTotalTestSuites} total`,
  );
  const failures = failuresOf(results);
  for (const line of failures) console.log(`    FAILED ${line}`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const outcomes = [];
  for (let run = 1; run <= options.runs; run++) {
    const outcome = await runSuite(run, options);
    outcomes.push(outcome);
    report(outcome, options);
    if (interrupted) break;
  }
  if (options.runs > 1) {
    console.log('\n=== test-busy summary');
    for (const o of outcomes) {
      const r = o.results;
      console.log(
        `    run ${o.run}: ${o.seconds.toFixed(1)} s, status ${o.status}${r ? `, ${r.numPassedTests} passed, ${r.numFailedTests} failed` : ''}`,
      );
    }
  }
  const failed = outcomes.find((o) => o.status !== 0);
  process.exit(failed ? failed.status : 0);
}

main().catch((error) => {
  stopSpinners();
  console.error(error);
  process.exit(1);
});
