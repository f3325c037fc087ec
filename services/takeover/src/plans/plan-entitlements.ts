import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { MeteringRpc, type PlanFeatures } from '@steward/contracts';
import { CONFIG } from '@steward/runtime';
import type { TakeoverConfig } from '../config.js';

const ENTITLEMENTS_TIMEOUT_MS = 3_000;
const LOCAL_TENANT_FEATURES: PlanFeatures = {
  discord: true,
  liveMonitoring: true,
  takeover: true,
  escalation: true,
};

/**
 * What a tenant's plan allows (Standard and Pro: live monitoring, takeover, escalation
 * e-mail), asked of metering and kept for a short while. In local mode the local tenant is on
 * plan Pro even before metering knows it, as everywhere else in the local stack.
 */
@Injectable()
export class PlanEntitlements {
  private readonly cache = new Map<string, { features: PlanFeatures; expiresAt: number }>();

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: TakeoverConfig,
  ) {}

  /** Throws when metering cannot be asked (the caller retries or reports it). */
  async features(tenantId: string): Promise<PlanFeatures> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt > Date.now()) return cached.features;
    const raw = await this.bus.requestJson(
      MeteringRpc.entitlements.subject,
      { tenantId },
      { timeoutMs: ENTITLEMENTS_TIMEOUT_MS },
    );
    const reply = MeteringRpc.entitlements.reply.parse(raw);
    const features =
      reply.plan === null && tenantId === this.config.STEWARD_LOCAL_TENANT_ID
        ? LOCAL_TENANT_FEATURES
        : reply.features;
    this.cache.set(tenantId, {
      features,
      expiresAt: Date.now() + this.config.TAKEOVER_ENTITLEMENTS_CACHE_MS,
    });
    return features;
  }
}
