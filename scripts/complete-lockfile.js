// The npm registry reachable from our machines serves only the Linux builds of packages that
// ship one package per platform (@swc/core-darwin-arm64 is a 404 there). `npm install` cannot
// record what it cannot fetch, so it leaves those optional entries out of package-lock.json,
// and `npm ci` then refuses the lock as out of sync with package.json.
//
// This adds the missing entries, marked optional with the os/cpu their names declare, so that
// `npm ci` accepts the lock and, as for any optional package for another platform, skips them
// without fetching. Run it after `npm install` changes the lock: `npm run lockfile:complete`.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lockPath = path.join(root, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OS = {
  openharmony: 'openharmony',
  darwin: 'darwin',
  linux: 'linux',
  win32: 'win32',
  android: 'android',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  sunos: 'sunos',
  aix: 'aix',
  wasm32: null,
};
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32', 'universal'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => p in OS);
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os || !cpu) return undefined;
  const entry = { cpu: [cpu === 'universal' ? 'arm64' : cpu] };
  if (OS[os]) entry.os = [OS[os]];
  else entry.cpu = ['wasm32'];
  if (parts.includes('gnu') || parts.includes('gnueabihf')) entry.libc = ['glibc'];
  if (parts.includes('musl') || parts.includes('musleabihf')) entry.libc = ['musl'];
  return entry;
}

let added = 0;
for (const [key, pkg] of Object.entries(packages)) {
  if (!key.startsWith('node_modules/') || !pkg.optionalDependencies) continue;
  for (const [name, version] of Object.entries(pkg.optionalDependencies)) {
    const where = `node_modules/${name}`;
    if (packages[where] || packages[`${key}/node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue;
    packages[where] = { version, ...platform, ...(pkg.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}

if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
  );
  fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`package-lock.json: added ${added} optional platform entries`);
