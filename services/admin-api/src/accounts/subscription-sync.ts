import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { MeteringRpc } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { RpcClient } from '../rpc/rpc.client.js';

/** How often tenants metering has not confirmed yet are offered again. */
const RETRY_INTERVAL_MS = 30_000;

/**
 * Tells metering each tenant's plan (`rpc.metering.subscription.set`), with the owners'
 * addresses for quota notices. A tenant is marked once metering confirms; until then it is
 * retried at start and every 30 s, so a sign-up never waits on (or fails with) metering.
 */
@Injectable()
export class SubscriptionSync implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private again = false;

  constructor(
    private readonly db: DataSource,
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.syncSoon();
    this.timer = setInterval(() => this.syncSoon(), RETRY_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.again = false;
    await this.round;
  }

  /** Starts a round now (or right after the one under way) without waiting for it. */
  syncSoon(): void {
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.syncPending()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'subscription sync failed'))
      .finally(() => {
        this.round = undefined;
        if (this.again) {
          this.again = false;
          this.syncSoon();
        }
      });
  }

  private async syncPending(): Promise<void> {
    const tenants: Array<{ id: string; plan: 'starter' | 'standard' | 'pro' }> = await this.db.query(
      `SELECT id, plan FROM tenants WHERE subscription_synced_at IS NULL ORDER BY created_at LIMIT 100`,
    );
    for (const tenant of tenants) {
      const owners: Array<{ email: string }> = await this.db.query(
        `SELECT email FROM users WHERE tenant_id = $1 AND role = 'owner' ORDER BY created_at LIMIT 20`,
        [tenant.id],
      );
      try {
        await this.rpc.request(MeteringRpc.subscriptionSet, {
          tenantId: tenant.id,
          plan: tenant.plan,
          notifyEmails: owners.map((owner) => owner.email),
        });
      } catch (error) {
        // Metering is down or not deployed yet: the next round tries again.
        this.logger.warn(
          { tenantId: tenant.id, err: (error as Error).message },
          'metering did not take the subscription; will retry',
        );
        return;
      }
      await this.db.query('UPDATE tenants SET subscription_synced_at = now() WHERE id = $1', [tenant.id]);
      this.logger.info({ tenantId: tenant.id, plan: tenant.plan }, 'subscription sent to metering');
    }
  }
}
