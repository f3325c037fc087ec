import { Inject, Injectable } from '@nestjs/common';
import type { MeteringReply, MeteringRpc, ReserveDenial } from '@steward/contracts';
import { DataSource, preparedQuery } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { z } from 'zod';
import { CLOCK, type Clock } from '../clock.js';
import { FactOutbox } from '../facts/fact-outbox.js';
import { USAGE_OUTBOX_COLUMNS, type UsageOutboxRow } from '../facts/usage-fact.js';
import { GroupCommit } from './group-commit.js';
import { REGRANT_RESERVATION, RESERVE_BATCH } from './reserve-statement.js';
import { rejectionsTotal, releasesTotal, reservesTotal, reserveDuration } from '../metrics.js';
import { ThresholdNotifier } from '../notifications/threshold-notifier.js';
import { THRESHOLDS, type Threshold } from '../notifications/thresholds.js';
import { billingPeriodAt, type BillingPeriod } from '../periods/billing-period.js';
import { planById, type Plan } from '../plans/plans.js';
import { postgresCode, retryingConflicts, transaction } from '../sql.js';
import { SubscriptionStore } from '../subscriptions/subscription.store.js';

export type ReserveRequest = z.output<typeof MeteringRpc.reserve.request>;
export type ReserveReply = MeteringReply<'reserve'>;
export type ReleaseRequest = z.output<typeof MeteringRpc.release.request>;
export type ReleaseReply = MeteringReply<'release'>;

type ReserveOutcome = 'granted' | 'denied' | 'replayed';

interface Settled {
  outcome: ReserveOutcome;
  reply: ReserveReply;
}

/** A request with what the tenant's subscription says about it at the time it arrived. */
interface Reservation {
  request: ReserveRequest;
  at: Date;
  plan: Plan | undefined;
  period: BillingPeriod | undefined;
  refusal: ReserveDenial | null;
  quota: number;
}

interface Crossing {
  threshold: Threshold;
  used: number;
}

interface BatchResult {
  decided: Array<{ ord: number; used: number | null }>;
  facts: UsageOutboxRow[];
  crossed: Array<Crossing & { tenant_id: string }>;
}

interface RegrantResult {
  used: number | null;
  fact: UsageOutboxRow | null;
  crossed: Crossing[];
}

const UNIQUE_VIOLATION = '23505';
const DEADLOCK = '40P01';
/** Batches of reservations in flight at once; the rest wait and leave together. */
const MAX_BATCHES_IN_FLIGHT = 4;
const MAX_BATCH = 256;

const operationKey = (request: ReserveRequest) => `${request.tenantId}\u0000${request.operationId}`;

/**
 * Reserves one message of a tenant's quota per operation id, and gives it back on release.
 *
 * New operations are reserved in batches (group commit, see group-commit.ts) by one SQL
 * statement each (see reserve-statement.ts): the guarded increments of the tenants' counters
 * for the period, the ledger rows, the usage facts and any threshold reached. An operation id
 * the ledger already holds is answered as it was the first time. A batch locks counters before
 * it inserts ledger rows, a release locks its ledger row before the counter: the one deadlock
 * that allows (a release racing a concurrent re-reservation of the same id) is broken by
 * Postgres and retried by both sides.
 */
@Injectable()
export class ReservationService {
  private readonly batches = new GroupCommit<Reservation, Settled>((batch) => this.reserveBatch(batch), {
    maxInFlight: MAX_BATCHES_IN_FLIGHT,
    maxBatch: MAX_BATCH,
  });

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
      const { outcome, reply } = await this.batches.submit(await this.prepare(request));
      reservesTotal.inc({ outcome, channel: request.channel });
      if (outcome === 'denied' && reply.reason) rejectionsTotal.inc({ reason: reply.reason });
      return reply;
    } finally {
      stopTimer();
    }
  }

  private async prepare(request: ReserveRequest): Promise<Reservation> {
    const at = this.clock.now();
    const subscription = await this.subscriptions.findCached(request.tenantId);
    const plan = subscription ? planById(subscription.plan) : undefined;
    const period = subscription ? billingPeriodAt(at, subscription.anchorDay) : undefined;
    const refusal: ReserveDenial | null = !plan
      ? 'no_subscription'
      : request.channel === 'discord' && !plan.features.discord
        ? 'plan_excludes_discord'
        : null;
    return { request, at, plan, period, refusal, quota: plan?.monthlyMessages ?? 0 };
  }

  private async reserveBatch(batch: Reservation[]): Promise<Array<PromiseSettledResult<Settled>>> {
    // The same operation id twice in one batch (a redelivery racing the first) is one operation.
    const distinct = new Map<string, Reservation>();
    for (const item of batch) {
      const key = operationKey(item.request);
      if (!distinct.has(key)) distinct.set(key, item);
    }
    const items = [...distinct.values()];
    const outcomes = new Map<Reservation, PromiseSettledResult<Settled>>();
    try {
      for (const [item, settled] of await this.recordNew(items)) outcomes.set(item, { status: 'fulfilled', value: settled });
    } catch (error) {
      const code = postgresCode(error);
      if (code !== UNIQUE_VIOLATION && code !== DEADLOCK) throw error;
      // Another batch (or a release) got in the way: one by one, each counts once, and one
      // operation's failure is its caller's alone.
      const alone = await Promise.allSettled(items.map((item) => this.recordNew([item])));
      alone.forEach((result, index) => {
        if (result.status === 'fulfilled') {
          for (const [item, settled] of result.value) outcomes.set(item, { status: 'fulfilled', value: settled });
        } else if (postgresCode(result.reason) !== UNIQUE_VIOLATION) {
          outcomes.set(items[index]!, result);
        }
      });
    }
    // Operation ids the ledger already held: the answer stored with them.
    const known = items.filter((item) => !outcomes.has(item));
    const replays = await Promise.allSettled(known.map((item) => this.replay(item)));
    replays.forEach((result, index) => outcomes.set(known[index]!, result));
    return batch.map((item) => outcomes.get(distinct.get(operationKey(item.request))!)!);
  }

  /** Counts and records the operations the ledger does not hold yet, in one statement. */
  private async recordNew(items: Reservation[]): Promise<Map<Reservation, Settled>> {
    const column = <T>(pick: (item: Reservation) => T) => items.map(pick);
    const { rows } = await preparedQuery<BatchResult>(this.db, 'metering_reserve_batch', RESERVE_BATCH, [
      column((item) => item.request.tenantId),
      column((item) => item.request.operationId),
      column((item) => item.request.kind),
      column((item) => item.request.channel),
      column((item) => item.request.guildId ?? null),
      column((item) => item.period?.start ?? null),
      column((item) => item.period?.end ?? null),
      column((item) => item.quota),
      column((item) => item.refusal),
      column((item) => item.plan?.id ?? null),
      column((item) => item.at),
      [...THRESHOLDS],
    ]);
    const { decided, facts, crossed } = rows[0]!;
    for (const fact of facts) this.outbox.publishSoon(fact);
    const settled = new Map<Reservation, Settled>();
    for (const { ord, used } of decided) {
      const item = items[ord - 1]!;
      settled.set(item, this.settle(item, used));
    }
    for (const tenantId of new Set(crossed.map((row) => row.tenant_id))) {
      // Thresholds are only reached by counted reservations, which have a plan and a period.
      const item = items.find((candidate) => candidate.request.tenantId === tenantId && !candidate.refusal)!;
      this.announce(
        item,
        crossed.filter((row) => row.tenant_id === tenantId),
      );
    }
    return settled;
  }

  /** The answer for a counted operation: `used` is the counter its grant reached, null if refused. */
  private settle(item: Reservation, used: number | null): Settled {
    const granted = used !== null;
    return {
      outcome: granted ? 'granted' : 'denied',
      reply: {
        granted,
        remaining: granted ? item.quota - used : 0,
        reason: item.refusal ?? (granted ? null : 'quota_exceeded'),
      },
    };
  }

  /** A known operation id: answered as the first time, unless it was released since. */
  private async replay(item: Reservation): Promise<Settled> {
    const { request } = item;
    const result = await transaction<RegrantResult | ReserveReply>(this.db, async (sql) => {
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
      const { rows } = await sql<RegrantResult>(REGRANT_RESERVATION, [
        request.tenantId,
        request.operationId,
        request.kind,
        request.channel,
        item.period?.start ?? null,
        item.period?.end ?? null,
        item.quota,
        item.at,
        item.refusal,
        request.guildId ?? null,
        item.plan?.id ?? null,
        [...THRESHOLDS],
      ]);
      return { commit: true, result: rows[0]! };
    });
    if ('granted' in result) return { outcome: 'replayed', reply: result };
    if (result.fact) this.outbox.publishSoon(result.fact);
    this.announce(item, result.crossed);
    return this.settle(item, result.used);
  }

  /** Gives back the message of a granted operation, once; anything else is ignored. */
  release(request: ReleaseRequest): Promise<ReleaseReply> {
    // A release racing a batch that re-reserves the same id can deadlock with it; the broken
    // statement changed nothing, so it runs again.
    return retryingConflicts(() => this.releaseOnce(request));
  }

  private async releaseOnce(request: ReleaseRequest): Promise<ReleaseReply> {
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

  /** Announces the thresholds a reservation was the first to reach. */
  private announce(item: Reservation, crossed: Crossing[]): void {
    const { plan, period } = item;
    if (!crossed.length || !plan || !period) return;
    for (const { threshold, used } of crossed) {
      const context = {
        tenantId: item.request.tenantId,
        plan: plan.id,
        used,
        quota: plan.monthlyMessages,
        period,
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
