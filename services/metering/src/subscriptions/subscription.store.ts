import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription as NatsSubscription } from '@nats-io/transport-node';
import { Bus } from '@steward/bus';
import type { PlanId, SubscriptionView } from '@steward/contracts';
import { DataSource, preparedQuery } from '@steward/db';
import { CONFIG } from '@steward/runtime';
import type { MeteringConfig } from '../config.js';
import { query } from '../sql.js';

export interface Subscription {
  tenantId: string;
  plan: PlanId;
  anchorDay: number;
  notifyEmails: string[];
  updatedAt: Date;
}

interface SubscriptionRow {
  tenant_id: string;
  plan: PlanId;
  anchor_day: number;
  notify_emails: string[];
  updated_at: Date;
}

/**
 * Core NATS subject on which every metering replica hears that a tenant's subscription
 * changed (payload: the tenant id), so a change takes effect at once everywhere.
 */
export const SUBSCRIPTION_CHANGED_SUBJECT = 'metering.subscription.changed';

const COLUMNS = 'tenant_id, plan, anchor_day, notify_emails, updated_at';

/**
 * Tenants' plans. Reservations read them through a small cache (one query less per
 * reservation); a change clears it on this replica at once and on the others by a broadcast,
 * with a short expiry as the backstop should a broadcast be missed.
 */
@Injectable()
export class SubscriptionStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly cache = new Map<string, { subscription: Subscription | undefined; expiresAt: number }>();
  /** Bumped by every invalidation: a read that started before one must not fill the cache. */
  private generation = 0;
  private readonly loading = new Map<string, Promise<Subscription | undefined>>();
  private changes?: NatsSubscription;

  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: MeteringConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.changes = this.bus.connection.subscribe(SUBSCRIPTION_CHANGED_SUBJECT, {
      callback: (error, message) => {
        if (!error) this.forget(message.string());
      },
    });
  }

  onModuleDestroy(): void {
    this.changes?.unsubscribe();
  }

  /** The subscription as stored now. */
  async find(tenantId: string): Promise<Subscription | undefined> {
    const { rows } = await preparedQuery<SubscriptionRow>(
      this.db,
      'metering_subscription',
      `SELECT ${COLUMNS} FROM subscriptions WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0] && toSubscription(rows[0]);
  }

  /**
   * The subscription, from the cache. An expired entry is still answered while one read per
   * tenant refreshes it in the background, so reservations never queue behind the refresh of
   * every tenant cached at the same moment; a change clears the entry at once (see above).
   */
  async findCached(tenantId: string): Promise<Subscription | undefined> {
    const cached = this.cache.get(tenantId);
    if (cached) {
      if (cached.expiresAt <= Date.now()) void this.load(tenantId).catch(() => undefined);
      return cached.subscription;
    }
    return this.load(tenantId);
  }

  /** Reads a tenant's subscription into the cache; concurrent callers share one read. */
  private load(tenantId: string): Promise<Subscription | undefined> {
    let loading = this.loading.get(tenantId);
    if (loading) return loading;
    const generation = this.generation;
    loading = this.find(tenantId)
      .then((subscription) => {
        if (generation === this.generation) {
          if (this.cache.size >= 100_000) this.cache.clear();
          this.cache.set(tenantId, {
            subscription,
            expiresAt: Date.now() + this.config.METERING_SUBSCRIPTION_CACHE_MS,
          });
        }
        return subscription;
      })
      .finally(() => {
        if (this.loading.get(tenantId) === loading) this.loading.delete(tenantId);
      });
    this.loading.set(tenantId, loading);
    return loading;
  }

  /**
   * Creates or changes a subscription. Fields left out keep their value; a new one starts
   * with calendar-month periods (anchor day 1) and no notification addresses.
   */
  async set(change: {
    tenantId: string;
    plan: PlanId;
    anchorDay?: number;
    notifyEmails?: string[];
  }): Promise<Subscription> {
    const { rows } = await query<SubscriptionRow>(
      this.db,
      `INSERT INTO subscriptions (tenant_id, plan, anchor_day, notify_emails)
       VALUES ($1, $2, COALESCE($3::smallint, 1), COALESCE($4::text[], '{}'))
       ON CONFLICT (tenant_id) DO UPDATE SET
         plan = EXCLUDED.plan,
         anchor_day = COALESCE($3::smallint, subscriptions.anchor_day),
         notify_emails = COALESCE($4::text[], subscriptions.notify_emails),
         updated_at = now()
       RETURNING ${COLUMNS}`,
      [change.tenantId, change.plan, change.anchorDay ?? null, change.notifyEmails ?? null],
    );
    this.forget(change.tenantId);
    this.bus.connection.publish(SUBSCRIPTION_CHANGED_SUBJECT, change.tenantId);
    return toSubscription(rows[0]!);
  }

  private forget(tenantId: string): void {
    this.generation++;
    this.cache.delete(tenantId);
    // A read already under way may predate the change; the next caller reads afresh.
    this.loading.delete(tenantId);
  }
}

export function subscriptionView(subscription: Subscription): SubscriptionView {
  return { ...subscription, updatedAt: subscription.updatedAt.toISOString() };
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    tenantId: row.tenant_id,
    plan: row.plan,
    anchorDay: Number(row.anchor_day),
    notifyEmails: row.notify_emails,
    updatedAt: row.updated_at,
  };
}
