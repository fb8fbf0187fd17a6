// Two tenants with a row in every tenant table: the demo seed, written through the owner role.
import pg from 'pg';
import { createPool, createPrismaClient } from '../../src/db/clients';
import { seedDemoData } from '../../src/db/seed/seed';
import type { TestDatabase } from './database';

export interface TwoTenants {
  /** ada@demo.creatorgraph.dev */
  creatorA: string;
  /** grace@demo.creatorgraph.dev */
  creatorB: string;
}

export async function seedTwoTenants(db: TestDatabase): Promise<TwoTenants> {
  const pool = createPool(db.ownerUrl, { max: 2, applicationName: 'test-seed' });
  const owner = createPrismaClient(pool);
  try {
    const [a, b] = await seedDemoData(owner);
    return { creatorA: a!.id, creatorB: b!.id };
  } finally {
    await owner.$disconnect();
    await pool.end();
  }
}

/** A pg client connected as the given URL; closed by the caller. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Runs `fn` as the application role with the tenant set, then rolls everything back. */
export async function asTenant<T>(
  client: pg.Client,
  creatorId: string | null,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    if (creatorId) await client.query(`SELECT set_config('app.current_creator_id', $1, true)`, [creatorId]);
    return await fn(client);
  } finally {
    await client.query('ROLLBACK');
  }
}
