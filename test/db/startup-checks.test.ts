// The server refuses to start on a database where tenant isolation would not hold: an
// application role that is superuser or BYPASSRLS, a tenant table without forced RLS, or
// (when it does not migrate itself) pending migrations.
import { createEmptyDatabase, type TestDatabase } from '../helpers/database';
import { useDatabase } from '../helpers/harness';
import { startTestServer } from '../helpers/server';

const database = useDatabase({ seed: false });
let db: TestDatabase;
beforeAll(() => {
  ({ db } = database);
});

test('an application role with BYPASSRLS (here: the owner) is refused', async () => {
  await expect(startTestServer(db, { DATABASE_URL: db.ownerUrl })).rejects.toThrow(/BYPASSRLS|superuser/);
});

test('a tenant table without forced row-level security is refused, and named', async () => {
  const owner = database.owner;
  try {
    await owner.query(`ALTER TABLE messages NO FORCE ROW LEVEL SECURITY`);
    await expect(startTestServer(db)).rejects.toThrow(/not enabled and forced on: messages/);
    await owner.query(`ALTER TABLE messages FORCE ROW LEVEL SECURITY`);
    await owner.query(`ALTER TABLE badges DISABLE ROW LEVEL SECURITY`);
    await expect(startTestServer(db)).rejects.toThrow(/badges/);
  } finally {
    await owner.query(`ALTER TABLE badges ENABLE ROW LEVEL SECURITY`);
  }
  const server = await startTestServer(db);
  await server.stop();
});

test('with MIGRATE_ON_START=false, pending migrations are refused', async () => {
  // Built by hand: the harness only gives migrated databases, and this one must have none applied.
  const empty = await createEmptyDatabase();
  try {
    await expect(startTestServer(empty, { MIGRATE_ON_START: 'false' })).rejects.toThrow(
      /Migrations are pending \(20261121000100_init, /,
    );
  } finally {
    await empty.drop();
  }
  // A migrated database starts without migrating.
  const server = await startTestServer(db, { MIGRATE_ON_START: 'false' });
  await server.stop();
});
