import { Inject, Injectable } from '@nestjs/common';
import {
  usageChannels,
  usageKinds,
  type MeteringReply,
  type UsageChannelName,
  type UsageKindName,
} from '@steward/contracts';
import { DataSource } from '@steward/db';
import { CLOCK, type Clock } from '../clock.js';
import { billingPeriodAt, daysOf } from '../periods/billing-period.js';
import { NO_FEATURES, planById } from '../plans/plans.js';
import { query } from '../sql.js';
import { SubscriptionStore } from '../subscriptions/subscription.store.js';

export type UsageReport = MeteringReply<'usage'>;
export type Entitlements = MeteringReply<'entitlements'>;

interface UsageGroup {
  kind: UsageKindName;
  channel: UsageChannelName;
  guild_id: string | null;
  day: string;
  used: number;
}

/** Read side for the dashboard and for callers' gating: usage per period, plan features. */
@Injectable()
export class UsageService {
  constructor(
    private readonly db: DataSource,
    private readonly subscriptions: SubscriptionStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async entitlements(tenantId: string): Promise<Entitlements> {
    const subscription = await this.subscriptions.find(tenantId);
    if (!subscription) return { tenantId, plan: null, quota: 0, features: NO_FEATURES };
    const plan = planById(subscription.plan);
    return { tenantId, plan: plan.id, quota: plan.monthlyMessages, features: plan.features };
  }

  /** The period containing `date` (YYYY-MM-DD), or the current one. */
  async report(tenantId: string, date?: string): Promise<UsageReport> {
    const now = this.clock.now();
    const subscription = await this.subscriptions.find(tenantId);
    const anchorDay = subscription?.anchorDay ?? 1;
    const period = billingPeriodAt(date ? new Date(`${date}T00:00:00Z`) : now, anchorDay);
    const current = period.start === billingPeriodAt(now, anchorDay).start;
    const plan = subscription ? planById(subscription.plan) : undefined;

    const [{ rows: counters }, { rows: groups }] = await Promise.all([
      query<{ used: number; quota: number }>(
        this.db,
        'SELECT used, quota FROM period_usage WHERE tenant_id = $1 AND period_start = $2',
        [tenantId, period.start],
      ),
      query<UsageGroup>(
        this.db,
        `SELECT kind, channel, guild_id, (reserved_at AT TIME ZONE 'UTC')::date::text AS day, count(*)::int AS used
         FROM operations WHERE tenant_id = $1 AND period_start = $2 AND state = 'granted'
         GROUP BY 1, 2, 3, 4`,
        [tenantId, period.start],
      ),
    ]);
    // The current period follows the plan of today; a past one keeps the quota it was counted against.
    const quota = current || !counters[0] ? (plan?.monthlyMessages ?? 0) : counters[0].quota;
    const used = counters[0]?.used ?? 0;

    const byKind = zeroPerKind();
    const byChannel = Object.fromEntries(usageChannels.map((channel) => [channel, 0])) as Record<
      UsageChannelName,
      number
    >;
    const byGuild = new Map<string, number>();
    const byDay = new Map<string, Record<UsageKindName, number>>();
    for (const group of groups) {
      byKind[group.kind] += group.used;
      byChannel[group.channel] += group.used;
      if (group.guild_id) byGuild.set(group.guild_id, (byGuild.get(group.guild_id) ?? 0) + group.used);
      const day = byDay.get(group.day) ?? zeroPerKind();
      day[group.kind] += group.used;
      byDay.set(group.day, day);
    }
    return {
      tenantId,
      plan: plan?.id ?? null,
      period,
      quota,
      used,
      remaining: Math.max(0, quota - used),
      byKind,
      byChannel,
      byGuild: [...byGuild]
        .map(([guildId, count]) => ({ guildId, used: count }))
        .sort((a, b) => b.used - a.used),
      daily: daysOf(period, now).map((date) => {
        const kinds = byDay.get(date) ?? zeroPerKind();
        return { date, used: sum(Object.values(kinds)), byKind: kinds };
      }),
    };
  }
}

function zeroPerKind(): Record<UsageKindName, number> {
  return Object.fromEntries(usageKinds.map((kind) => [kind, 0])) as Record<UsageKindName, number>;
}

function sum(counts: number[]): number {
  return counts.reduce((total, count) => total + count, 0);
}
