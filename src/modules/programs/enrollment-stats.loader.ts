// Enrollment counts by status per program, batched into one grouped query per request.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { prismaFor } from '../../graphql/tenant';
import type { Context } from '../../graphql/context';

export interface EnrollmentStats {
  active: number;
  paused: number;
  completed: number;
  dropped: number;
  total: number;
}

export const enrollmentStatsFor = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, EnrollmentStats>(
      async (programIds) => {
        const rows = await prismaFor(ctx).programEnrollment.groupBy({
          by: ['programId', 'status'],
          where: { programId: { in: [...programIds] } },
          _count: { _all: true },
        });
        return programIds.map((programId) => {
          const stats: EnrollmentStats = { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 };
          for (const row of rows.filter((r) => r.programId === programId)) {
            stats[row.status as keyof Omit<EnrollmentStats, 'total'>] = row._count._all;
            stats.total += row._count._all;
          }
          return stats;
        });
      },
      { cache: false },
    ),
);
