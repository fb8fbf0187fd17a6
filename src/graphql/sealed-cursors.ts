// Connection cursors are sealed: encrypted and authenticated, bound to the tenant and to the list
// they came from (issue 17). Pothos' own cursors are readable base64 (`GPC:` + the row's key):
// they showed row ids, could be forged, and a garbage one failed inside Pothos or Prisma as an
// INTERNAL_SERVER_ERROR. Here every cursor leaves the server as
//
//   base64url( version 1 | epoch (u16, 30-day periods) | nonce (12) | AES-256-GCM(inner) | tag (16) )
//
// under a key derived from ctx.cursorKey for the tenant and the epoch, with the list's type name
// (the connection type, or the page type of a plain feed) as associated data. So a cursor opens
// only for the tenant it was issued to (another tenant's key fails the tag), and only on the list
// it came from. The per-tenant, per-epoch key keeps each key's count of random 96-bit nonces far
// below GCM's 2^32 bound even if every edge of every page is sealed. Whatever does not open is
// BAD_USER_INPUT naming the argument.
//
// The plugin: resolvers of connection fields (those with both `after` and `before`) open their
// cursor arguments before Pothos reads them, and so does the Prisma plugin's query planning of a
// nested connection (extensions.pothosPrismaSelect, read while its parent plans); edge `cursor`
// and PageInfo `startCursor`/`endCursor` seal what Pothos returns, lazily (only when selected),
// memoized per request so that endCursor is the last edge's cursor. Other cursors (the change
// feed) call sealCursor/openCursor themselves.
import crypto from 'node:crypto';
import SchemaBuilder, {
  BasePlugin,
  createContextCache,
  type PothosOutputFieldConfig,
  type SchemaTypes,
} from '@pothos/core';
import { getNamedType, GraphQLError, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import { tenantOf, type Viewer } from '../auth/viewer';
import { boundedCache, memo, type LRUCache } from '../cache';

const VERSION = 1;
const EPOCH_MS = 30 * 86_400_000;
const HEADER = 3; // version, epoch
const NONCE = 12;
const TAG = 16;
/** No cursor this API issues is longer; anything longer is refused before any work. */
const MAX_SEALED_CHARS = 2048;

/** `argument` was not issued by this API for this tenant and list. */
export class CursorError extends GraphQLError {
  constructor(argument: string) {
    super(`${argument} is not a cursor this API issued for this list (pass back a cursor exactly as received)`, {
      extensions: { code: 'BAD_USER_INPUT', argument },
    });
  }
}

/** What sealing needs of a request context. */
export interface SealingContext {
  cursorKey: Buffer;
  viewer: Viewer;
}

/** Whose cursors these are: the tenant, or for platform admins (no tenant) the platform. */
function scopeOf(viewer: Viewer): string {
  const tenant = tenantOf(viewer);
  if (tenant) return `tenant:${tenant}`;
  return viewer.kind === 'admin' ? 'platform' : 'anonymous';
}

// Derived keys by master key, then `${epoch}|${scope}`. Bounded: a flood of tenants only costs
// the next requests a derivation (about 10 µs) each.
const derivedKeys = new WeakMap<Buffer, LRUCache<string, Buffer>>();
const MAX_DERIVED_KEYS = 10_000;

function keyFor(cursorKey: Buffer, scope: string, epoch: number): Buffer {
  let keys = derivedKeys.get(cursorKey);
  if (!keys) derivedKeys.set(cursorKey, (keys = boundedCache({ max: MAX_DERIVED_KEYS })));
  const id = `${epoch}|${scope}`;
  return memo(keys, id, () =>
    Buffer.from(crypto.hkdfSync('sha256', cursorKey, Buffer.alloc(0), `creatorgraph cursor v${VERSION}|${id}`, 32)),
  );
}

// The associated data of each list, by its type name (a fixed set: the schema's types).
const bindings = new Map<string, Buffer>();
function bindingOf(list: string): Buffer {
  let aad = bindings.get(list);
  if (!aad) bindings.set(list, (aad = Buffer.from(list, 'utf8')));
  return aad;
}

// Nonces come from a pool of random bytes, refilled 512 at a time (one randomBytes call each
// instead of one per cursor).
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
function nextNonce(): Buffer {
  if (nonceAt + NONCE > noncePool.length) {
    noncePool = crypto.randomBytes(NONCE * 512);
    nonceAt = 0;
  }
  nonceAt += NONCE;
  return noncePool.subarray(nonceAt - NONCE, nonceAt);
}

/** Per request: the tenant's current key, and what was sealed and opened (by list). */
interface RequestCursors {
  scope: string;
  epoch: number;
  key: Buffer;
  sealed: Map<string, Map<string, string>>;
  opened: Map<string, Map<string, Buffer>>;
}

const requestCursors = createContextCache((ctx: SealingContext): RequestCursors => {
  const scope = scopeOf(ctx.viewer);
  const epoch = Math.floor(Date.now() / EPOCH_MS) & 0xffff;
  return { scope, epoch, key: keyFor(ctx.cursorKey, scope, epoch), sealed: new Map(), opened: new Map() };
});

function perList<V>(maps: Map<string, Map<string, V>>, list: string): Map<string, V> {
  let map = maps.get(list);
  if (!map) maps.set(list, (map = new Map<string, V>()));
  return map;
}

/** Seals `inner` for this request's tenant and the list `list`. */
export function sealCursor(ctx: SealingContext, list: string, inner: string | Buffer): string {
  const state = requestCursors(ctx);
  const plain = typeof inner === 'string' ? Buffer.from(inner, 'utf8') : inner;
  const nonce = nextNonce();
  const cipher = crypto.createCipheriv('aes-256-gcm', state.key, nonce, { authTagLength: TAG });
  cipher.setAAD(bindingOf(list));
  const out = Buffer.allocUnsafe(HEADER + NONCE + plain.length + TAG);
  out[0] = VERSION;
  out.writeUInt16BE(state.epoch, 1);
  nonce.copy(out, HEADER);
  // GCM is a stream mode: update returns exactly the plaintext's length, final nothing.
  cipher.update(plain).copy(out, HEADER + NONCE);
  cipher.final();
  cipher.getAuthTag().copy(out, HEADER + NONCE + plain.length);
  return out.toString('base64url');
}

/** The inner cursor of `sealed`, if this request's tenant was issued it for `list`; else CursorError. */
export function openCursor(ctx: SealingContext, list: string, sealed: unknown, argument: string): Buffer {
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_CHARS) throw new CursorError(argument);
  const state = requestCursors(ctx);
  const opened = perList(state.opened, list);
  const known = opened.get(sealed);
  if (known) return known;
  const bytes = Buffer.from(sealed, 'base64url');
  // Node's decoder skips what is not base64url; only the canonical spelling is the cursor.
  if (bytes.length < HEADER + NONCE + TAG || bytes[0] !== VERSION || bytes.toString('base64url') !== sealed)
    throw new CursorError(argument);
  const epoch = bytes.readUInt16BE(1);
  const key = epoch === state.epoch ? state.key : keyFor(ctx.cursorKey, state.scope, epoch);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, bytes.subarray(HEADER, HEADER + NONCE), {
      authTagLength: TAG,
    });
    decipher.setAAD(bindingOf(list));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
    const inner = Buffer.concat([
      decipher.update(bytes.subarray(HEADER + NONCE, bytes.length - TAG)),
      decipher.final(),
    ]);
    opened.set(sealed, inner);
    return inner;
  } catch {
    throw new CursorError(argument);
  }
}

/** sealCursor for a connection's string cursors, memoized per request and list. */
function sealConnectionCursor(ctx: SealingContext, list: string, inner: string): string {
  const sealed = perList(requestCursors(ctx).sealed, list);
  let cursor = sealed.get(inner);
  if (cursor === undefined) sealed.set(inner, (cursor = sealCursor(ctx, list, inner)));
  return cursor;
}

type ConnectionArgs = { after?: unknown; before?: unknown };

/** The arguments with `after`/`before` opened (the same object when neither is given). */
function openArgs<A extends ConnectionArgs>(ctx: SealingContext, list: string, args: A): A {
  if (args.after == null && args.before == null) return args;
  return {
    ...args,
    ...(args.after == null ? {} : { after: openCursor(ctx, list, args.after, 'after').toString('utf8') }),
    ...(args.before == null ? {} : { before: openCursor(ctx, list, args.before, 'before').toString('utf8') }),
  };
}

const isConnectionField = (fieldConfig: { args: object }) =>
  'after' in fieldConfig.args && 'before' in fieldConfig.args;

/** The connection type an edge cursor (path: edges, index, cursor) or PageInfo cursor belongs to. */
function connectionOf(info: GraphQLResolveInfo, edge: boolean): string {
  const typename = edge ? info.path.prev?.prev?.typename : info.path.prev?.typename;
  // Edges and PageInfo are only ever reached through a connection's fields.
  if (!typename) throw new Error(`sealed cursors: no connection above ${info.parentType.name}.${info.fieldName}`);
  return typename;
}

export class SealedCursorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  // The Prisma plugin plans a nested connection while its parent resolves, reading the
  // connection's arguments straight from the document: they are opened there too.
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    const select = fieldConfig.extensions?.pothosPrismaSelect;
    const type = fieldConfig.type;
    if (typeof select !== 'function' || !isConnectionField(fieldConfig) || type.kind === 'List') return fieldConfig;
    let list: string | undefined;
    const listName = () => (list ??= this.buildCache.getTypeConfig(type.ref).name);
    const plan = select as (args: ConnectionArgs, ctx: SealingContext, ...rest: unknown[]) => unknown;
    return {
      ...fieldConfig,
      extensions: {
        ...fieldConfig.extensions,
        pothosPrismaSelect: (args: ConnectionArgs, ctx: SealingContext, ...rest: unknown[]) =>
          plan(openArgs(ctx, listName(), args), ctx, ...rest),
      },
    };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (isConnectionField(fieldConfig)) {
      return (parent, args, ctx, info) => {
        const { after, before } = args as ConnectionArgs;
        if (after == null && before == null) return resolver(parent, args, ctx, info);
        return resolver(
          parent,
          openArgs(ctx as SealingContext, getNamedType(info.returnType).name, args as ConnectionArgs),
          ctx,
          info,
        );
      };
    }
    const exposed = fieldConfig.extensions?.pothosExposedField;
    const pageInfo =
      (this.builder.options as { relay?: { pageInfoTypeOptions?: { name?: string } } }).relay?.pageInfoTypeOptions
        ?.name ?? 'PageInfo';
    const edge = exposed === 'cursor' && fieldConfig.name === 'cursor' && fieldConfig.parentType.endsWith('Edge');
    if (!edge && !(fieldConfig.parentType === pageInfo && (exposed === 'startCursor' || exposed === 'endCursor')))
      return resolver;
    return (parent, args, ctx, info) => {
      const inner = resolver(parent, args, ctx, info);
      if (inner == null) return inner;
      // Pothos' cursors are strings, computed with the page: never a promise here.
      if (typeof inner !== 'string')
        throw new Error(`sealed cursors: ${info.parentType.name}.${info.fieldName} is not a string`);
      return sealConnectionCursor(ctx as SealingContext, connectionOf(info, edge), inner);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      sealedCursors: SealedCursorsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('sealedCursors', SealedCursorsPlugin);
