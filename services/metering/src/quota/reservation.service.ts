import { Inject, Injectable } from '@nestjs/common';
import type { MeteringReply, MeteringRpc, ReserveDenial } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { z } from 'zod';
import { CLOCK, type Clock } from '../clock.js';
import { FactOutbox } from '../facts/fact-outbox.js';
import { USAGE_OUTBOX_COLUMNS, type UsageOutboxRow } from '../facts/usage-fact.js';
import { INSERT_RESERVATION, REGRANT_RESERVATION } from './reserve-statement.js';
import { rejectionsTotal, releasesTotal, reservesTotal, reserveDuration } from '../metrics.js';
import { ThresholdNotifier } from '../notifications/threshold-notifier.js';
import { THRESHOLDS, thresholdCounts, type Threshold } from '../notifications/thresholds.js';
import { billingPeriodAt, type BillingPeriod } from '../periods/billing-period.js';
import { planById, type Plan } from '../plans/plans.js';
import { postgresCode, preparedQuery, transaction } from '../sql.js';
import { SubscriptionStore } from '../subscriptions/subscription.store.js';

export type ReserveRequest = z.output<typeof MeteringRpc.reserve.request>;
export type ReserveReply = MeteringReply<'reserve'>;
export type ReleaseRequest = z.output<typeof MeteringRpc.release.request>;
export type ReleaseReply = MeteringReply<'release'>;

type ReserveOutcome = 'granted' | 'denied' | 'replayed';

interface StatementResult {
  used: number | null;
  fact: UsageOutboxRow | null;
  crossed: Array<{ threshold: Threshold; used: number }>;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Reserves one message of a tenant's quota per operation id, and gives it back on release.
 *
 * A new operation is reserved by one SQL statement (see reserve-statement.ts): the guarded
 * increment of the tenant's counter for the period, the ledger row, the usage fact and any
 * threshold reached. A repeated operation id makes that statement fail as a whole, and the
 * answer stored with the id is returned instead. Reserve and release lock the ledger row
 * before the counter, so they never deadlock.
 */
@Injectable()
export class ReservationService {
  constructor(
    private readonly db: DataSource,
    private readonly subscriptions: SubscriptionStore,
    private readonly outbox: FactOutbox,
    private readonly notifier: ThresholdNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async reserve(request: ReserveRequest): Promise<ReserveReply> {
    const stopTimer = reserveDuration.startTimer();
    try {
      const { outcome, reply } = await this.reserveOnce(request);
      reservesTotal.inc({ outcome, channel: request.channel });
      if (outcome === 'denied' && reply.reason) rejectionsTotal.inc({ reason: reply.reason });
      return reply;
    } finally {
      stopTimer();
    }
  }

  private async reserveOnce(
    request: ReserveRequest,
  ): Promise<{ outcome: ReserveOutcome; reply: ReserveReply }> {
    const at = this.clock.now();
    const subscription = await this.subscriptions.findCached(request.tenantId);
    const plan = subscription ? planById(subscription.plan) : undefined;
    const period = subscription ? billingPeriodAt(at, subscription.anchorDay) : undefined;
    const refusal: ReserveDenial | null = !plan
      ? 'no_subscription'
      : request.channel === 'discord' && !plan.features.discord
        ? 'plan_excludes_discord'
        : null;
    const quota = plan?.monthlyMessages ?? 0;
    const params = [
      request.tenantId,
      request.operationId,
      request.kind,
      request.channel,
      period?.start ?? null,
      period?.end ?? null,
      quota,
      at,
      refusal,
      request.guildId ?? null,
      plan?.id ?? null,
      [...THRESHOLDS],
      thresholdCounts(quota),
    ];
    const decide = (result: StatementResult): { outcome: ReserveOutcome; reply: ReserveReply } => {
      this.afterCommit(result, { tenantId: request.tenantId, plan, period });
      const granted = result.used !== null;
      const reason: ReserveDenial | null = refusal ?? (granted ? null : 'quota_exceeded');
      return {
        outcome: granted ? 'granted' : 'denied',
        reply: { granted, remaining: granted ? quota - result.used! : 0, reason },
      };
    };

    try {
      const { rows } = await preparedQuery<StatementResult>(
        this.db,
        'metering_reserve',
        INSERT_RESERVATION,
        params,
      );
      return decide(rows[0]!);
    } catch (error) {
      if (postgresCode(error) !== UNIQUE_VIOLATION) throw error;
    }
    // The operation id is known: answer as the first time, unless it was released since.
    const repeated = await transaction<StatementResult | ReserveReply>(this.db, async (sql) => {
      const { rows: found } = await sql<{ state: string; reason: ReserveDenial | null; remaining: number }>(
        'SELECT state, reason, remaining FROM operations WHERE tenant_id = $1 AND operation_id = $2 FOR UPDATE',
        [request.tenantId, request.operationId],
      );
      const existing = found[0]!;
      if (existing.state !== 'released') {
        return {
          commit: false,
          result: {
            granted: existing.state === 'granted',
            remaining: existing.remaining,
            reason: existing.reason,
          },
        };
      }
      // Released earlier (it never reached the model) and now retried: it counts again, once.
      const { rows } = await sql<StatementResult>(REGRANT_RESERVATION, params);
      return { commit: true, result: rows[0]! };
    });
    return 'granted' in repeated ? { outcome: 'replayed', reply: repeated } : decide(repeated);
  }

  /** Gives back the message of a granted operation, once; anything else is ignored. */
  async release(request: ReleaseRequest): Promise<ReleaseReply> {
    // One statement: the ledger row flips from granted to released at most once, and only
    // then is the counter of the period it was counted in decremented.
    const { rows } = await preparedQuery<{
      used: number | null;
      quota: number | null;
      fact: UsageOutboxRow | null;
    }>(
      this.db,
      'metering_release',
      `WITH released AS (
         UPDATE operations SET state = 'released', released_at = $3
         WHERE tenant_id = $1 AND operation_id = $2 AND state = 'granted'
         RETURNING period_start, period_end, kind, channel, guild_id, grants
       ), counter AS (
         UPDATE period_usage SET used = period_usage.used - 1
         FROM released WHERE period_usage.tenant_id = $1 AND period_usage.period_start = released.period_start
         RETURNING period_usage.used, period_usage.quota
       ), fact AS (
         INSERT INTO usage_outbox
           (change, tenant_id, operation_id, grant_no, kind, channel, guild_id, period_start, period_end, used, quota, at)
         SELECT 'released', $1::text, $2::text, released.grants, released.kind, released.channel, released.guild_id,
                released.period_start, released.period_end, counter.used, counter.quota, $3::timestamptz
         FROM released, counter
         RETURNING ${USAGE_OUTBOX_COLUMNS}
       )
       SELECT (SELECT used FROM counter) AS used, (SELECT quota FROM counter) AS quota, (SELECT row_to_json(fact) FROM fact) AS fact`,
      [request.tenantId, request.operationId, this.clock.now()],
    );
    const { used, quota, fact } = rows[0] ?? { used: null, quota: null, fact: null };
    const released = used !== null && quota !== null;
    releasesTotal.inc({ outcome: released ? 'released' : 'ignored' });
    if (fact) this.outbox.publishSoon(fact);
    return released
      ? { released, remaining: Math.max(0, quota - used) }
      : { released: false, remaining: null };
  }

  /** Publishes the fact, and announces thresholds this reservation was the first to reach. */
  private afterCommit(
    result: StatementResult,
    usage: { tenantId: string; plan: Plan | undefined; period: BillingPeriod | undefined },
  ): void {
    if (result.fact) this.outbox.publishSoon(result.fact);
    if (!result.crossed.length || !usage.plan || !usage.period) return;
    for (const { threshold, used } of result.crossed) {
      const context = {
        tenantId: usage.tenantId,
        plan: usage.plan.id,
        used,
        quota: usage.plan.monthlyMessages,
        period: usage.period,
      };
      // Logged once per tenant and period: the threshold row is inserted once.
      if (threshold === 100) {
        this.logger.warn(
          context,
          'tenant has used its whole monthly quota: AI answers, moderation checks and proactive posts are refused until the period ends or the plan is upgraded',
        );
      } else {
        this.logger.info(context, `tenant has used ${threshold} % of its monthly quota`);
      }
    }
    this.notifier.kick();
  }
}
