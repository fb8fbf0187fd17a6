// usage_tracking over the real database: the daily snapshot counts each creator's usage, and is
// idempotent.
import { useApiHarness, type Json } from '../../helpers/api';
import { snapshotUsage } from '../../../src/jobs/usage';
import { connect } from '../../helpers/fixtures';
import { quotaFixtures } from './fixtures';

const api = useApiHarness({ env: { RATE_LIMITS: 'on' } });
const { sql, one, count } = api;

const { B } = quotaFixtures(api);

test("usage_tracking: the daily snapshot counts each creator's usage, and a second run writes nothing", async () => {
  const owner = await connect(api.db.ownerUrl);
  try {
    const today = new Date().toISOString().slice(0, 10);
    const first = await snapshotUsage(owner, today);
    expect(first.written).toBeGreaterThan(0);
    expect((await snapshotUsage(owner, today)).written).toBe(0);
    const rows = await sql(
      `SELECT usage_type, quantity FROM usage_tracking WHERE creator_id = $1 AND date = $2::date`,
      [api.tenants.creatorA, today],
    );
    const byType = Object.fromEntries(rows.map((r) => [r.usage_type, Number(r.quantity)]));
    expect(byType.users).toBe(await count(`users WHERE creator_id = $1`, [api.tenants.creatorA]));
    expect(byType.programs).toBe(
      await count(`programs WHERE creator_id = $1 AND archived_at IS NULL`, [api.tenants.creatorA]),
    );
    expect(byType.messages).toBe(
      await count(`messages WHERE creator_id = $1 AND created_at >= $2::date`, [api.tenants.creatorA, today]),
    );
    // A change is picked up by the next run, and only that row is written.
    await sql(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, 'usage-new', 'web')`, [
      api.tenants.creatorA,
    ]);
    expect((await snapshotUsage(owner, today)).written).toBe(1);
    expect(
      Number(
        (await one(
          `SELECT quantity FROM usage_tracking WHERE creator_id = $1 AND date = $2::date AND usage_type = 'users'`,
          [api.tenants.creatorA, today],
        ))!.quantity,
      ),
    ).toBe(byType.users! + 1);
    // The creator reads it through the API; creator B sees only B's.
    const mine = await api.query('asCreatorB', `{ usage(first: 100) { nodes { id usageType quantity date } } }`);
    expect(mine.usage.nodes.length).toBeGreaterThan(0);
    const ids = mine.usage.nodes.map((n: Json) => Buffer.from(n.id, 'base64').toString().split(':')[1]);
    expect(await sql(`SELECT DISTINCT creator_id FROM usage_tracking WHERE id = ANY($1::uuid[])`, [ids])).toEqual([
      { creator_id: B() },
    ]);
  } finally {
    await owner.end();
  }
});
