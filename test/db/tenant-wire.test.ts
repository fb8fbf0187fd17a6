// src/db/tenant-wire.ts reaches into node-postgres' and Prisma's internals. It names the versions it
// was verified against; an upgrade of any of them fails here until someone has re-run the checklist
// in docs/tenant-wire-path.md and updated WIRE_DEPENDENCIES.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WIRE_DEPENDENCIES } from '../../src/db/tenant-wire';

/** The version of `name` that `from` loads (walking up from its entry point to its package.json). */
function installedVersion(name: string, from: string): string {
  let dir = path.dirname(createRequire(from).resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (manifest.name === name) return manifest.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${name} above ${from}`);
    dir = parent;
  }
}

test('the installed pg, pg-pool, pg-protocol and Prisma are the versions tenant-wire.ts was verified against (docs/tenant-wire-path.md)', () => {
  const root = path.join(__dirname, '../../src/db/tenant-wire.ts');
  // pg-pool and pg-protocol as pg itself loads them.
  const pg = createRequire(root).resolve('pg');
  const installed = {
    pg: installedVersion('pg', root),
    'pg-pool': installedVersion('pg-pool', pg),
    'pg-protocol': installedVersion('pg-protocol', pg),
    '@prisma/adapter-pg': installedVersion('@prisma/adapter-pg', root),
    '@prisma/client': installedVersion('@prisma/client', root),
  };
  expect(installed).toEqual(WIRE_DEPENDENCIES);
});
