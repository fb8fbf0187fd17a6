// Enums used by more than one domain.
import { builder } from '../../graphql/builder';

export const ChannelTypeEnum = builder.enumType('ChannelType', {
  description: 'How end users reach a creator.',
  values: {
    WEB: { value: 'web' },
    WHATSAPP: { value: 'whatsapp' },
    TELEGRAM: { value: 'telegram' },
    MOBILE: { value: 'mobile' },
  } as const,
});

export const SortOrderEnum = builder.enumType('SortOrder', {
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});

export const DateRangeInput = builder.inputType('DateTimeRange', {
  description: 'A half-open time range [from, to).',
  fields: (t) => ({ from: t.field({ type: 'DateTime' }), to: t.field({ type: 'DateTime' }) }),
});

export const DateRangeFilter = builder.inputType('DateRange', {
  description: 'An inclusive range of calendar days.',
  fields: (t) => ({ from: t.field({ type: 'Date' }), to: t.field({ type: 'Date' }) }),
});

/** Prisma `where` for a DateTimeRange. */
export function timeRange(range: { from?: Date | null; to?: Date | null } | null | undefined) {
  if (!range) return undefined;
  return { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) };
}

/** Prisma `where` for a DateRange. */
export function dayRange(range: { from?: Date | null; to?: Date | null } | null | undefined) {
  if (!range) return undefined;
  return { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lte: range.to } : {}) };
}
