import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { toGlobalId } from '../../src/graphql/ids';

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  server = await startTestServer(db, { LOG_LEVEL: 'silent' });
});
afterAll(async () => { await server?.stop(); await db?.drop(); });

test('probe', async () => {
  const owner = await connect(db.ownerUrl);
  const { rows } = await owner.query(`SELECT id FROM badges WHERE creator_id=$1 LIMIT 1`, [tenants.creatorA]);
  const badge = toGlobalId('Badge', rows[0].id);
  const tA = server.tokenFor(tenants.creatorA);
  const tB = server.tokenFor(tenants.creatorB);
  const q = `query($id: ID!){ node(id:$id){ __typename id ... on Badge { name } } }`;
  const out: Record<string, unknown> = {};
  out.a = (await server.gql(q, { id: badge }, { token: tA })).body;
  out.b = (await server.gql(q, { id: badge }, { token: tB })).body;
  out.anon = (await server.gql(q, { id: badge })).body;
  out.malformed = (await server.gql(q, { id: 'not-base64!!' }, { token: tA }));
  out.malformed2 = (await server.gql(q, { id: Buffer.from('garbage').toString('base64') }, { token: tA }));
  out.unknownType = (await server.gql(q, { id: toGlobalId('Nope', rows[0].id) }, { token: tA }));
  out.wrongType = (await server.gql(q, { id: toGlobalId('User', rows[0].id) }, { token: tA })).body;
  out.notUuid = (await server.gql(q, { id: toGlobalId('Badge', 'abc') }, { token: tA }));
  out.widget = (await server.gql(q, { id: toGlobalId('WidgetConfig', rows[0].id) }, { token: tA }));
  out.nodes = (await server.gql(`query($ids:[ID!]!){ nodes(ids:$ids){ __typename id } }`, { ids: [badge, 'xx', toGlobalId('Nope', rows[0].id)] }, { token: tA }));
  out.list = (await server.gql(`{ badges { totalCount } }`)).body;
  out.mut = (await server.gql(`mutation { deleteBadge(id: "${badge}") { __typename } }`)).body;
  console.log(JSON.stringify(out, (k, v) => (v instanceof Headers ? undefined : v), 2));
  await owner.end();
});
