// The cursor of a paged user export: where the export stands (a section and the last row read in it),
// for which user, and as of when. Opaque to clients (base64url JSON), and checked field by field
// when it comes back, so that a forged or foreign cursor is a ValidationError, never a query.
import { ValidationError } from '../../graphql/errors';
import { EXPORT_SECTIONS, SECTIONS } from './export-sections';

/** Where an export stands: the section, and the last row read in it (none: its start). */
export interface Position {
  section: number;
  group?: string | null;
  at: string | null;
  id: string | null;
}

interface ExportCursor extends Position {
  userId: string;
  exportedAt: string;
}

export function encodeCursor(cursor: ExportCursor): string {
  return Buffer.from(
    JSON.stringify({
      v: 2,
      u: cursor.userId,
      e: cursor.exportedAt,
      s: cursor.section,
      g: cursor.group ?? null,
      a: cursor.at,
      i: cursor.id,
    }),
  ).toString('base64url');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(after: string, userId: string): ExportCursor {
  const invalid = () =>
    new ValidationError([
      {
        path: 'after',
        message: 'is not a cursor of this export (pass the endCursor of the previous page, for the same user)',
      },
    ]);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  const { v, u, e, s, g, a, i } = raw ?? {};
  const section = typeof s === 'number' && Number.isInteger(s) && s >= 1 && s < EXPORT_SECTIONS.length ? s : undefined;
  const at = a === null || (typeof a === 'string' && INSTANT.test(a)) ? a : undefined;
  const id = i === null || (typeof i === 'string' && UUID.test(i)) ? i : undefined;
  const group = g === undefined || g === null ? null : typeof g === 'string' && UUID.test(g) ? g : undefined;
  if (
    v !== 2 ||
    u !== userId ||
    typeof e !== 'string' ||
    Number.isNaN(Date.parse(e)) ||
    section === undefined ||
    at === undefined ||
    id === undefined ||
    group === undefined ||
    (at === null) !== (id === null)
  )
    throw invalid();
  if ((group !== null) !== (at !== null && SECTIONS[section - 1]!.group !== undefined)) throw invalid();
  return { userId, exportedAt: e, section, group, at, id };
}
