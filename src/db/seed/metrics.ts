// The demo creator's numbers over time: 60 days of engagement metrics, 30 of program analytics,
// and the billing subscription with 30 days of usage.
import { DAY, uuid, type SeedScope } from './scope';

/** Analytics: 60 days of daily metrics, overall and per channel, and each program's last 30 days. */
export async function seedAnalytics({ tx, demo, rnd, today }: SeedScope, enrollable: { id: string }[]): Promise<void> {
  const metricRows = [];
  for (let d = 59; d >= 0; d--) {
    const date = new Date(today.getTime() - d * DAY);
    const trend = 1 + (59 - d) / 60;
    metricRows.push(
      { metricType: 'active_users', metricValue: Math.round(rnd.float(8, 14) * trend), dimensions: {}, date },
      { metricType: 'new_users', metricValue: rnd.int(0, 3), dimensions: {}, date },
      { metricType: 'messages', metricValue: Math.round(rnd.float(20, 60) * trend), dimensions: {}, date },
      ...demo.channels.map((channel) => ({
        metricType: 'active_users',
        metricValue: Math.round(rnd.float(2, 6) * trend),
        dimensions: { channel },
        date,
      })),
    );
  }
  await tx.engagementMetric.createMany({ data: metricRows });
  await tx.programAnalytic.createMany({
    data: enrollable.flatMap((p) =>
      Array.from({ length: 30 }, (_, d) => {
        const date = new Date(today.getTime() - (29 - d) * DAY);
        return [
          { programId: p.id, metricType: 'enrollments', metricValue: rnd.int(0, 4), date },
          { programId: p.id, metricType: 'completions', metricValue: rnd.int(0, 2), date },
          { programId: p.id, metricType: 'active_users', metricValue: rnd.int(2, 9), date },
        ];
      }).flat(),
    ),
  });
}

/** Billing and usage. */
export async function seedBilling({ tx, demo, rnd, now, today, ago }: SeedScope): Promise<void> {
  await tx.billingSubscription.create({
    data: {
      tier: demo.tier,
      status: 'active',
      stripeSubscriptionId: `sub_demo_${uuid().slice(0, 10)}`,
      currentPeriodStart: ago(10),
      currentPeriodEnd: new Date(now.getTime() + 20 * DAY),
    },
  });
  await tx.usageRecord.createMany({
    data: Array.from({ length: 30 }, (_, d) => {
      const date = new Date(today.getTime() - (29 - d) * DAY);
      return [
        { usageType: 'api_requests', quantity: BigInt(rnd.int(200, 2_000)), date },
        { usageType: 'ai_interactions', quantity: BigInt(rnd.int(20, 120)), date },
        { usageType: 'messages', quantity: BigInt(rnd.int(20, 120)), date },
      ];
    }).flat(),
  });
}
