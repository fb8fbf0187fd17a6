// Counters are kept by triggers, so they are exact whoever writes: the application role
// through RLS, or the owner with raw SQL. The application cannot set them itself.
import crypto from 'node:crypto';
import type pg from 'pg';
import { counterDrift } from '../helpers/counters';
import { connect, type TwoTenants } from '../helpers/fixtures';
import { useDatabase } from '../helpers/harness';

const database = useDatabase();
let owner: pg.Client;
let app: pg.Client;
let tenants: TwoTenants;

beforeAll(async () => {
  ({ owner, tenants } = database);
  app = await connect(database.db.appUrl);
  database.onTeardown(() => app.end());
});

/** As the application role, committed, with the tenant set. */
async function asCreator<T>(creatorId: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  await app.query('BEGIN');
  try {
    await app.query(`SELECT set_config('app.current_creator_id', $1, true)`, [creatorId]);
    const result = await fn(app);
    await app.query('COMMIT');
    return result;
  } catch (error) {
    await app.query('ROLLBACK');
    throw error;
  }
}

const one = async (c: pg.Client, sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows[0];

test('the seeded data starts with every counter exact', async () => {
  expect(await counterDrift(owner)).toEqual([]);
});

test('asCreatorA: enrollments in one statement and in many move programs.enrollment_count exactly', async () => {
  const { creatorA } = tenants;
  await asCreator(creatorA, async (c) => {
    const program = await one(c, `INSERT INTO programs (name) VALUES ('Counted') RETURNING id, enrollment_count`);
    expect(program.enrollment_count).toBe(0);
    const users = (
      await c.query(
        `INSERT INTO users (external_id, channel) SELECT 'count-' || g, 'web' FROM generate_series(1, 50) g RETURNING id`,
      )
    ).rows;
    await c.query(`INSERT INTO program_enrollments (program_id, user_id) SELECT $1, unnest($2::uuid[])`, [
      program.id,
      users.map((u) => u.id),
    ]);
    expect((await one(c, `SELECT enrollment_count FROM programs WHERE id = $1`, [program.id])).enrollment_count).toBe(
      50,
    );
    await c.query(`DELETE FROM program_enrollments WHERE program_id = $1 AND user_id = ANY($2::uuid[])`, [
      program.id,
      users.slice(0, 20).map((u) => u.id),
    ]);
    expect((await one(c, `SELECT enrollment_count FROM programs WHERE id = $1`, [program.id])).enrollment_count).toBe(
      30,
    );
    // Deleting users cascades to their enrollments; the counter follows.
    await c.query(`DELETE FROM users WHERE id = ANY($1::uuid[])`, [users.slice(20, 25).map((u) => u.id)]);
    expect((await one(c, `SELECT enrollment_count FROM programs WHERE id = $1`, [program.id])).enrollment_count).toBe(
      25,
    );
  });
  expect(await counterDrift(owner)).toEqual([]);
});

test('asCreatorA: a value for a counter on insert is ignored, and an update of one is refused', async () => {
  await asCreator(tenants.creatorA, async (c) => {
    const program = await one(
      c,
      `INSERT INTO programs (name, enrollment_count) VALUES ('Cheat', 999) RETURNING id, enrollment_count`,
    );
    expect(program.enrollment_count).toBe(0);
    await c.query('SAVEPOINT s');
    await expect(
      c.query(`UPDATE programs SET enrollment_count = 999 WHERE id = $1`, [program.id]),
    ).rejects.toMatchObject({ code: '42501' });
    await c.query('ROLLBACK TO SAVEPOINT s');
  });
});

test('asCreatorB: badges, messages, documents and chunks keep their counters', async () => {
  await asCreator(tenants.creatorB, async (c) => {
    const user = await one(
      c,
      `INSERT INTO users (external_id, channel) VALUES ('counter-user', 'mobile') RETURNING id`,
    );
    const badge = await one(c, `INSERT INTO badges (name) VALUES ('Counter badge') RETURNING id`);
    await c.query(`INSERT INTO user_badges (user_id, badge_id) VALUES ($1, $2)`, [user.id, badge.id]);
    expect((await one(c, `SELECT awarded_count FROM badges WHERE id = $1`, [badge.id])).awarded_count).toBe(1);

    const conversation = await one(
      c,
      `INSERT INTO conversations (user_id, channel) VALUES ($1, 'mobile') RETURNING id`,
      [user.id],
    );
    await c.query(
      `INSERT INTO messages (conversation_id, sender_type, content, created_at) VALUES ($1, 'user', 'a', now() - interval '2 minutes'), ($1, 'ai', 'b', now() - interval '1 minute')`,
      [conversation.id],
    );
    const after = await one(c, `SELECT message_count, last_message_at FROM conversations WHERE id = $1`, [
      conversation.id,
    ]);
    expect(after.message_count).toBe(2);
    await c.query(`DELETE FROM messages WHERE conversation_id = $1 AND content = 'b'`, [conversation.id]);
    const afterDelete = await one(c, `SELECT message_count, last_message_at FROM conversations WHERE id = $1`, [
      conversation.id,
    ]);
    expect(afterDelete.message_count).toBe(1);
    expect(afterDelete.last_message_at.getTime()).toBeLessThan(after.last_message_at.getTime());

    const kb = await one(c, `INSERT INTO knowledge_bases (name) VALUES ('Counted KB') RETURNING id`);
    const doc = await one(c, `INSERT INTO documents (knowledge_base_id, title) VALUES ($1, 'Doc') RETURNING id`, [
      kb.id,
    ]);
    await c.query(
      `INSERT INTO document_chunks (document_id, chunk_index, content) SELECT $1, g, 'chunk' FROM generate_series(0, 4) g`,
      [doc.id],
    );
    expect((await one(c, `SELECT document_count FROM knowledge_bases WHERE id = $1`, [kb.id])).document_count).toBe(1);
    expect((await one(c, `SELECT chunk_count FROM documents WHERE id = $1`, [doc.id])).chunk_count).toBe(5);
  });
  expect(await counterDrift(owner)).toEqual([]);
});

test('asCreatorA: channels count their users, from creation and as users come, go and move', async () => {
  await asCreator(tenants.creatorA, async (c) => {
    // Ada has no mobile channel yet: users who arrive first are counted when it is created.
    await c.query(
      `INSERT INTO users (external_id, channel) SELECT 'mobile-' || g, 'mobile' FROM generate_series(1, 3) g`,
    );
    const channel = await one(
      c,
      `INSERT INTO channels (channel_type, name) VALUES ('mobile', 'App') RETURNING id, user_count`,
    );
    expect(channel.user_count).toBe(3);
    const mover = await one(c, `SELECT id FROM users WHERE channel = 'web' LIMIT 1`);
    const webBefore = (await one(c, `SELECT user_count FROM channels WHERE channel_type = 'web'`)).user_count;
    await c.query(`UPDATE users SET channel = 'mobile' WHERE id = $1`, [mover.id]);
    expect((await one(c, `SELECT user_count FROM channels WHERE id = $1`, [channel.id])).user_count).toBe(4);
    expect((await one(c, `SELECT user_count FROM channels WHERE channel_type = 'web'`)).user_count).toBe(webBefore - 1);
  });
  expect(await counterDrift(owner)).toEqual([]);
});

test('an ordinary user update does not touch (or lock) the channel row', async () => {
  const before = await one(
    owner,
    `SELECT xmin::text AS version FROM channels WHERE creator_id = $1 AND channel_type = 'web'`,
    [tenants.creatorA],
  );
  await asCreator(tenants.creatorA, (c) => c.query(`UPDATE users SET last_active_at = now() WHERE channel = 'web'`));
  const after = await one(
    owner,
    `SELECT xmin::text AS version FROM channels WHERE creator_id = $1 AND channel_type = 'web'`,
    [tenants.creatorA],
  );
  expect(after.version).toBe(before.version);
});

test('raw SQL as the owner (a job, psql) keeps the counters exact too', async () => {
  const program = await one(
    owner,
    `SELECT id, creator_id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`,
    [tenants.creatorB],
  );
  const user = await one(
    owner,
    `INSERT INTO users (creator_id, external_id, channel) VALUES ($1, $2, 'web') RETURNING id`,
    [tenants.creatorB, `owner-${crypto.randomUUID()}`],
  );
  await owner.query(`INSERT INTO program_enrollments (creator_id, program_id, user_id) VALUES ($1, $2, $3)`, [
    tenants.creatorB,
    program.id,
    user.id,
  ]);
  await owner.query(
    `DELETE FROM programs WHERE id IN (SELECT id FROM programs WHERE creator_id = $1 AND status = 'archived')`,
    [tenants.creatorB],
  );
  expect(await counterDrift(owner)).toEqual([]);
});
