// Reads a user's data for an export: the profile record, and one keyset page of a section at a
// time, cut to a byte budget. Every record is made JSON-safe and measured on the way out.
import type { TenantTransaction } from '../../db/tenant';
import { NotFoundError } from '../../graphql/errors';
import type { Position } from './export-cursor';
import { SECTIONS } from './export-sections';

/** JSON-safe (BigInt as a string, Dates as ISO strings: JSON.stringify's own rule), and its size. */
function measured<T>(value: T): { value: unknown; bytes: number } {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return { value: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

// One section after the other, each read in (time, id) order with a keyset: a page is one
// statement for the ids and sizes of at most `first` rows past the cursor, and one for the rows
// that fit the page's byte budget. Nothing holds more than a page, whatever the history's size.

/**
 * Up to `first` records of the section at `position`, within `budgetBytes` (at least one
 * record), and where the next page starts (null: the section is done).
 */
export async function readSection(
  tx: TenantTransaction,
  userId: string,
  position: Position,
  first: number,
  budgetBytes: number,
): Promise<{ records: unknown[]; bytes: number; next: Position | null }> {
  const section = SECTIONS[position.section - 1]!;
  // Table and column names are constants (export-sections.ts); values are parameters. The order (and keyset)
  // is (group, time, id), or (time, id).
  const keys = [...(section.group ? [`t.${section.group}`] : []), `t.${section.at}`, 't.id'].join(', ');
  const after = [...(section.group ? ['$5::uuid'] : []), '$2::timestamptz', '$3::uuid'].join(', ');
  const rows = await tx.$queryRawUnsafe<{ id: string; grp: string | null; at: string; bytes: number }[]>(
    `SELECT t.id::text AS id, ${section.group ? `t.${section.group}::text` : 'NULL::text'} AS grp,
            to_char(t.${section.at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, octet_length(t::text)::int AS bytes
       FROM ${section.table} t
      WHERE ${section.owner}
        AND ($2::timestamptz IS NULL OR (${keys}) > (${after}))
      ORDER BY ${keys}
      LIMIT $4`,
    userId,
    position.at,
    position.id,
    first + 1,
    ...(section.group ? [position.group ?? null] : []),
  );
  // As many as fit the budget (by their stored size), at least one, at most `first`.
  let take = 0;
  let estimate = 0;
  while (take < Math.min(first, rows.length) && (take === 0 || estimate + rows[take]!.bytes <= budgetBytes))
    estimate += rows[take++]!.bytes;
  const chosen = rows.slice(0, take);
  const loaded = chosen.length
    ? await section.load(
        tx,
        chosen.map((r) => r.id),
      )
    : [];
  const byId = new Map(loaded.map((r) => [r.id, r]));
  // The stored size only estimates the JSON: the page is cut again by the records' real size,
  // as the page's JSON array holds them (brackets and commas included).
  let bytes = 2;
  let last: (typeof rows)[number] | undefined;
  let cut = false;
  const records: unknown[] = [];
  for (const row of chosen) {
    const record = byId.get(row.id);
    // A row deleted between the two statements is simply not there any more.
    if (record) {
      const m = measured(record);
      const added = m.bytes + (records.length > 0 ? 1 : 0);
      if (records.length > 0 && bytes + added > budgetBytes) {
        cut = true;
        break;
      }
      bytes += added;
      records.push(m.value);
    }
    last = row;
  }
  const done = !cut && rows.length <= take;
  return {
    records,
    bytes,
    next: done || !last ? null : { section: position.section, group: last.grp, at: last.at, id: last.id },
  };
}

export async function profileRecord(tx: TenantTransaction, userId: string): Promise<{ value: unknown; bytes: number }> {
  const user = await tx.user.findUnique({
    where: { id: userId },
    include: { profile: true },
    omit: { changeXid: true },
  });
  if (!user) throw new NotFoundError('User');
  const { profile, ...profileless } = user;
  return measured({ user: profileless, profile });
}
