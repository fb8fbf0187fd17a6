// Regenerates the Prisma client and Pothos types when schema.prisma is newer than them, so
// `npm start`, `npm test` and the type check never run against a stale client. A no-op
// (a few ms) when they are current. Generation skips the schema-engine download, which
// fails offline and which `prisma generate` does not need (README, "Prisma offline").
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const schema = path.join(root, 'prisma', 'schema.prisma');
const outputs = [path.join(root, 'src/generated/prisma/client.ts'), path.join(root, 'src/generated/pothos-types.ts')];
const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

if (process.argv.includes('--force') || outputs.some((file) => mtime(file) < mtime(schema))) {
  // The generators (prisma-pothos-types) are found on PATH, as under `npm run`.
  const bin = path.join(root, 'node_modules', '.bin');
  execSync('prisma generate', {
    cwd: root,
    stdio: process.env.CI ? 'inherit' : ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
}
