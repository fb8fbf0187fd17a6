// Enrollment counts by status per program, batched into one grouped query: program.schema.ts
// keeps one loader per request over the request's tenant client.
import DataLoader from 'dataloader';
import type { TenantClient } from '../../db/tenant';

export interface EnrollmentStats {
  active: number;
  paused: number;
  completed: number;
  dropped: number;
  total: number;
}

export function enrollmentStatsLoader(db: TenantClient): DataLoader<string, EnrollmentStats> {
  return new DataLoader<string, EnrollmentStats>(
    async (programIds) => {
      const rows = await db.programEnrollment.groupBy({
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
  );
}
