// Benchmark target (C), the practical floor: node:http and pg, no GraphQL. Each query is one
// hand-written SQL statement that builds the response JSON inside PostgreSQL (JSON
// aggregation), run as BEGIN; set_config(tenant); <query>; COMMIT on the same non-owner role
// under the same row-level security, the two statements prepared once per connection. The JSON
// text PostgreSQL returns is written to the client as it is: no parse, no serialise.
//
//   node --import tsx bench/targets/raw.ts
//   env: PORT (127.0.0.1), DATABASE_URL (the app role), JWT_SECRET
//
// POST /q/<Q0..Q6> with a JSON body of variables. Authentication is our server's: a Bearer JWT
// (HS256, audience and issuer checked, exp required) or, for Q5, an X-Api-Key that is checked
// in the same statement as the query (revocation is immediate).
import crypto from 'node:crypto';
import http from 'node:http';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { parseApiKey } from '../../src/auth/api-keys';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const BADGES_OF_USER = (user: string, limit: number, withIds: boolean) => `
  coalesce((SELECT json_agg(json_build_object(${withIds ? `'id', ub.id, ` : ''}'earnedAt', ub.earned_at, 'badge', json_build_object('id', b.id, 'name', b.name${withIds ? `, 'description', b.description` : ''})) ORDER BY ub.earned_at DESC, ub.id)
              FROM (SELECT * FROM user_badges ub WHERE ub.user_id = ${user} ORDER BY ub.earned_at DESC, ub.id LIMIT ${limit}) ub
              JOIN badges b ON b.id = ub.badge_id), '[]')`;

/** The canonical response of each query, built by PostgreSQL. $1 is the query's one parameter. */
const RAW_SQL: Record<string, string> = {
  Q1: `SELECT json_build_object('id', p.id, 'name', p.name, 'description', p.description, 'status', p.status, 'version', p.version, 'createdAt', p.created_at)
         FROM programs p WHERE p.id = $1::uuid`,
  Q2: `SELECT json_build_object(
           'totalCount', (SELECT count(*) FROM users),
           'hasNextPage', (SELECT count(*) > 20 FROM (SELECT 1 FROM users ORDER BY created_at DESC, id LIMIT 21) x),
           'nodes', coalesce((SELECT json_agg(json_build_object('id', u.id, 'externalId', u.external_id, 'displayName', u.display_name, 'channel', u.channel, 'createdAt', u.created_at) ORDER BY u.created_at DESC, u.id)
                                FROM (SELECT * FROM users ORDER BY created_at DESC, id LIMIT 20) u), '[]'))`,
  Q3: `SELECT json_build_object('id', p.id, 'name', p.name, 'enrollments', coalesce((
           SELECT json_agg(json_build_object('id', e.id, 'status', e.status, 'progress', e.progress, 'enrolledAt', e.enrolled_at,
                    'user', json_build_object('id', u.id, 'externalId', u.external_id, 'badges', ${BADGES_OF_USER('u.id', 5, false)})) ORDER BY e.enrolled_at DESC, e.id)
             FROM (SELECT * FROM program_enrollments e WHERE e.program_id = p.id ORDER BY e.enrolled_at DESC, e.id LIMIT 20) e
             JOIN users u ON u.id = e.user_id), '[]'))
         FROM programs p WHERE p.id = $1::uuid`,
  // The same SQL as the server's daySummary (src/modules/analytics/insights.service.ts).
  Q4: `WITH d AS (SELECT $1::date AS day, $1::date::timestamptz AS start, ($1::date + 1)::timestamptz AS stop)
       SELECT json_build_object('date', d.day,
           'newUsers', (SELECT count(*) FROM users u WHERE u.created_at >= d.start AND u.created_at < d.stop),
           'activeUsers', (SELECT count(*) FROM users u WHERE u.last_active_at >= d.start AND u.last_active_at < d.stop),
           'messages', (SELECT count(*) FROM messages m WHERE m.created_at >= d.start AND m.created_at < d.stop),
           'conversationsEscalated', (SELECT count(*) FROM conversations c WHERE c.escalated_at >= d.start AND c.escalated_at < d.stop AND c.escalated_to_human),
           'badgesAwarded', (SELECT count(*) FROM user_badges b WHERE b.earned_at >= d.start AND b.earned_at < d.stop),
           'enrollmentsCompleted', (SELECT count(*) FROM program_enrollments e WHERE e.completed_at >= d.start AND e.completed_at < d.stop AND e.status = 'completed'))
         FROM d`,
  Q6: `SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'enrollments', json_build_object(
           'totalCount', (SELECT count(*) FROM program_enrollments e WHERE e.program_id = p.id),
           'nodes', coalesce((
             SELECT json_agg(json_build_object('id', e.id, 'status', e.status,
                      'user', json_build_object('id', u.id, 'externalId', u.external_id, 'badges', ${BADGES_OF_USER('u.id', 3, false)})) ORDER BY e.enrolled_at DESC, e.id)
               FROM (SELECT * FROM program_enrollments e WHERE e.program_id = p.id ORDER BY e.enrolled_at DESC, e.id LIMIT 10) e
               JOIN users u ON u.id = e.user_id), '[]'))) ORDER BY p.created_at DESC, p.id), '[]')
         FROM (SELECT * FROM programs ORDER BY created_at DESC, id LIMIT 5) p`,
  // The key check and the data in one statement: no row unless the key is live.
  Q5: `SELECT json_build_object('id', u.id, 'externalId', u.external_id,
           'pointsTotal', (SELECT coalesce(sum(a.points), 0) FROM achievements a WHERE a.user_id = u.id),
           'badges', json_build_object('totalCount', (SELECT count(*) FROM user_badges ub WHERE ub.user_id = u.id), 'nodes', ${BADGES_OF_USER('u.id', 50, true)}),
           'achievements', json_build_object('totalCount', (SELECT count(*) FROM achievements a WHERE a.user_id = u.id), 'nodes', coalesce((
               SELECT json_agg(json_build_object('id', a.id, 'achievementType', a.achievement_type, 'points', a.points, 'earnedAt', a.earned_at) ORDER BY a.earned_at DESC, a.id)
                 FROM (SELECT * FROM achievements a WHERE a.user_id = u.id ORDER BY a.earned_at DESC, a.id LIMIT 50) a), '[]')))
         FROM users u
        WHERE u.id = $1::uuid
          AND EXISTS (SELECT 1 FROM api_keys k JOIN creators c ON c.id = k.creator_id
                       WHERE k.key_hash = $2 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND c.is_active)`,
};

function main(): void {
  const port = Number(process.env.PORT);
  const secret = process.env.JWT_SECRET;
  if (!port || !secret || !process.env.DATABASE_URL) throw new Error('PORT, DATABASE_URL and JWT_SECRET are required');
  const key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

  function creatorFromJwt(header: string | undefined): string | undefined {
    if (!header?.startsWith('Bearer ')) return undefined;
    try {
      const claims = jwt.verify(header.slice(7), key, {
        algorithms: ['HS256'],
        audience: 'creatorgraph-api',
        issuer: 'creatorgraph',
        clockTolerance: 5,
      }) as jwt.JwtPayload;
      return typeof claims.exp === 'number' &&
        claims.role === 'creator' &&
        typeof claims.sub === 'string' &&
        UUID.test(claims.sub)
        ? claims.sub
        : undefined;
    } catch {
      return undefined;
    }
  }

  // Named (prepared) statements: each connection parses and plans a query once, as a hand-written
  // service would, and as PostGraphile does (its LRU of prepared statements).
  async function run(creatorId: string, id: string, params: unknown[]): Promise<string> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query({
          name: 'tenant',
          text: `SELECT set_config('app.current_creator_id', $1, true), set_config('statement_timeout', '5000', true)`,
          values: [creatorId],
        });
        const result = await client.query({
          name: id,
          text: RAW_SQL[id]!,
          values: params,
          rowMode: 'array',
          types: { getTypeParser: () => (v: string) => v },
        });
        await client.query('COMMIT');
        return (result.rows[0]?.[0] as string | undefined) ?? 'null';
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      client.release();
    }
  }

  const send = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const id = req.url?.startsWith('/q/') ? req.url.slice(3) : '';
        if (req.method !== 'POST' || !/^Q[0-6]$/.test(id))
          return send(res, 404, '{"errors":[{"message":"not found"}]}');
        let variables: Record<string, string>;
        try {
          variables = chunks.length
            ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>)
            : {};
        } catch {
          return send(res, 400, '{"errors":[{"message":"invalid JSON"}]}');
        }
        if (id === 'Q0') return send(res, 200, '{"data":{"__typename":"Query"}}');
        let creatorId: string | undefined;
        const params: unknown[] = [];
        if (id === 'Q5') {
          const apiKey = parseApiKey(String(req.headers['x-api-key'] ?? ''));
          if (apiKey) {
            creatorId = apiKey.creatorId;
            params.push(variables.userId, apiKey.hash);
          }
        } else {
          creatorId = creatorFromJwt(req.headers.authorization);
          if (id === 'Q1' || id === 'Q3') params.push(variables.programId);
          if (id === 'Q4') params.push(variables.date);
        }
        if (!creatorId) return send(res, 401, '{"errors":[{"message":"unauthenticated"}]}');
        if (params.some((p) => typeof p !== 'string'))
          return send(res, 400, '{"errors":[{"message":"bad variables"}]}');
        try {
          send(res, 200, `{"data":${await run(creatorId, id, params)}}`);
        } catch (error) {
          send(res, 500, JSON.stringify({ errors: [{ message: (error as Error).message }] }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`raw target listening on ${port}\n`));
  const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
