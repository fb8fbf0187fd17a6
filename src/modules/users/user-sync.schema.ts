// What an integration needs to keep another system in step with the creator's users: a change
// feed it can resume from a cursor, and an idempotent upsert by (channel, external id).
import { Prisma } from '../../generated/prisma/client';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { ValidationError } from '../../graphql/errors';
import { CursorError, openCursor, sealCursor, type SealingContext } from '../../graphql/sealed-cursors';
import { prismaFor } from '../../graphql/tenant';
import { parseInput, z } from '../../graphql/validation';
import { ChannelTypeEnum } from '../shared/enums';
import { userFields } from './user.schema';

const MAX_FEED_PAGE = 500;

interface FeedPage {
  ids: string[];
  cursor: string;
  hasMore: boolean;
}

// The cursor is the (change_xid, id) of the last row returned: change_xid is the id of the
// transaction that last wrote a user (see the user_change_feed migration). That id is global to
// the platform, so the pair travels sealed (src/graphql/sealed-cursors.ts), in a fixed width
// (8 + 16 bytes) so that not even its length shows how far the platform's count has gone.
const FEED = 'UserChangeFeed';
const START: [string, string] = ['0', '00000000-0000-0000-0000-000000000000'];

function sealFeedCursor(ctx: SealingContext, xid: string, id: string): string {
  const plain = Buffer.alloc(24);
  plain.writeBigInt64BE(BigInt(xid));
  plain.write(id.replace(/-/g, ''), 8, 'hex');
  return sealCursor(ctx, FEED, plain);
}

function openFeedCursor(ctx: SealingContext, after: string): [string, string] {
  const plain = openCursor(ctx, FEED, after, 'after');
  if (plain.length !== 24) throw new CursorError('after');
  const hex = plain.toString('hex', 8);
  return [
    plain.readBigInt64BE(0).toString(),
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
  ];
}

const UserChangeFeed = builder.objectRef<FeedPage>('UserChangeFeed').implement({
  description: 'One page of users changed (created or updated) after a cursor, in the order the changes committed.',
  fields: (t) => ({
    users: t.prismaField({
      type: ['User'],
      resolve: async (query, page, _args, ctx) => {
        const rows = await prismaFor(ctx).user.findMany({ ...query, where: { id: { in: page.ids } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return page.ids.flatMap((id) => byId.get(id) ?? []);
      },
    }),
    cursor: t.string({
      description:
        "Pass it as `after` to continue from here. Store it after processing the page. Opaque: only this creator's calls accept it.",
      resolve: (page) => page.cursor,
    }),
    hasMore: t.boolean({
      description: 'More changes are ready now: ask again at once.',
      resolve: (page) => page.hasMore,
    }),
  }),
});

builder.queryField('userChanges', (t) =>
  t.field({
    type: UserChangeFeed,
    description:
      'Users created or updated after `after` (from the start without it). A change is listed once every transaction that began before it has ended, so none can appear behind a cursor later; a user changed again moves to the end.',
    args: {
      after: t.arg.string(),
      first: t.arg.int({ defaultValue: 100, description: `At most ${MAX_FEED_PAGE}.` }),
    },
    authScopes: { tenant: true },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 100;
      if (first < 1 || first > MAX_FEED_PAGE)
        throw new ValidationError([{ path: 'first', message: `must be between 1 and ${MAX_FEED_PAGE}` }]);
      const [xid, id] = args.after != null ? openFeedCursor(ctx, args.after) : START;
      // Only transactions older than every running one (the snapshot's xmin) have finished:
      // their rows are final. Newer rows wait for the next call. The ORDER BY names the table's
      // column: a bare `change_xid` would be the text output column, which sorts "1018" before
      // "987" (it did, once transaction ids passed 999 in the middle of a test's feed).
      const rows = await prismaFor(ctx).$queryRaw<{ id: string; change_xid: string }[]>`
        SELECT u.id, u.change_xid::text AS change_xid FROM users u
        WHERE u.change_xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
          AND (u.change_xid, u.id) > (${xid}::bigint, ${id}::uuid)
        ORDER BY u.change_xid, u.id
        LIMIT ${first + 1}`;
      const page = rows.slice(0, first);
      const last = page.at(-1);
      return {
        ids: page.map((row) => row.id),
        // Caught up: the cursor it was given, which resumes from the same place.
        cursor: last ? sealFeedCursor(ctx, last.change_xid, last.id) : (args.after ?? sealFeedCursor(ctx, xid, id)),
        hasMore: rows.length > first,
      };
    },
  }),
);

builder.queryField('user', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description:
      "One end user by id: null if there is no such user (or it is another creator's); a malformed or non-User id is VALIDATION_FAILED.",
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('User', { required: true }) },
    resolve: (query, _root, { id }, ctx) => prismaFor(ctx).user.findUnique({ ...query, where: { id } }),
  }),
);

const UpsertUserByExternalIdInput = builder.inputType('UpsertUserByExternalIdInput', {
  description:
    'The user is found by (channel, externalId). Fields left out keep their current value (or the default, for a new user); null clears displayName and email, and keeps the others.',
  fields: (t) => ({
    channel: t.field({ type: ChannelTypeEnum, required: true }),
    externalId: t.string({ required: true }),
    displayName: t.string(),
    email: t.string(),
    profileData: t.field({ type: 'JSONObject' }),
    preferences: t.field({ type: 'JSONObject' }),
    timezone: t.string(),
    language: t.string(),
    isActive: t.boolean(),
  }),
});

const UpsertUserPayload = builder.objectRef<{ id: string; created: boolean }>('UpsertUserPayload').implement({
  fields: (t) => ({
    created: t.boolean({ description: 'True when this call created the user.', resolve: (p) => p.created }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, p, _args, ctx) => prismaFor(ctx).user.findUniqueOrThrow({ ...query, where: { id: p.id } }),
    }),
  }),
});

builder.mutationField('upsertUserByExternalId', (t) =>
  t.field({
    type: UpsertUserPayload,
    description:
      'Creates the user with this channel and external id, or updates it. Safe to repeat: an update that changes nothing writes nothing.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: UpsertUserByExternalIdInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const d = parseInput(z.object(userFields), input);
      const json = (value: object | null | undefined) => (value == null ? null : JSON.stringify(value));
      const clearName = input.displayName === null;
      const clearEmail = input.email === null;
      // One statement, so concurrent upserts of the same user cannot both insert. The WHERE on
      // the update skips a write (and an updated_at bump in the change feed) when nothing
      // changes; xmax = 0 tells an inserted row from an updated one.
      const next = Prisma.sql`(
          CASE WHEN ${clearName} THEN NULL ELSE COALESCE(${d.displayName ?? null}, u.display_name) END,
          CASE WHEN ${clearEmail} THEN NULL ELSE COALESCE(${d.email ?? null}, u.email) END,
          COALESCE(${json(d.profileData)}::jsonb, u.profile_data), COALESCE(${json(d.preferences)}::jsonb, u.preferences),
          COALESCE(${d.timezone ?? null}, u.timezone), COALESCE(${d.language ?? null}, u.language), COALESCE(${d.isActive ?? null}::boolean, u.is_active))`;
      const upserted = await prismaFor(ctx).$queryRaw<{ id: string; created: boolean }[]>`
        INSERT INTO users AS u (channel, external_id, display_name, email, profile_data, preferences, timezone, language, is_active)
        VALUES (${d.channel}, ${d.externalId}, ${d.displayName ?? null}, ${d.email ?? null},
                COALESCE(${json(d.profileData)}::jsonb, '{}'), COALESCE(${json(d.preferences)}::jsonb, '{}'),
                COALESCE(${d.timezone ?? null}, 'UTC'), COALESCE(${d.language ?? null}, 'en'), COALESCE(${d.isActive ?? null}::boolean, true))
        ON CONFLICT (creator_id, channel, external_id) DO UPDATE
          SET (display_name, email, profile_data, preferences, timezone, language, is_active) = ${next}
          WHERE (u.display_name, u.email, u.profile_data, u.preferences, u.timezone, u.language, u.is_active) IS DISTINCT FROM ${next}
        RETURNING id, (xmax = 0) AS created`;
      if (upserted[0]) return upserted[0];
      const existing = await prismaFor(ctx).user.findFirstOrThrow({
        where: { channel: d.channel, externalId: d.externalId },
        select: { id: true },
      });
      return { id: existing.id, created: false };
    },
  }),
);
