import { Inject, Injectable } from '@nestjs/common';
import { MeteringRpc } from '@steward/contracts';
import { CONFIG } from '@steward/runtime';
import type { AdminApiConfig } from '../config.js';
import { RpcClient } from '../rpc/rpc.client.js';
import { PlanRequiredError } from './plan-required.error.js';

/** Plans change rarely; a dashboard polls often. */
const CACHE_MS = 30_000;

/**
 * Live monitoring and takeover are Standard and Pro features: asks metering for the tenant's
 * entitlements (kept for 30 s) and refuses lower plans with 403 `plan_required`. In local mode
 * the local tenant is on Pro even before metering has heard of it.
 */
@Injectable()
export class PlanGate {
  private readonly cache = new Map<string, { allowed: boolean; expiresAt: number }>();

  constructor(
    private readonly rpc: RpcClient,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
  ) {}

  async requireLiveMonitoring(tenantId: string): Promise<void> {
    if (!(await this.allowed(tenantId))) throw new PlanRequiredError();
  }

  /** Forgets a tenant's answer (after a plan change). */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async allowed(tenantId: string): Promise<boolean> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt > Date.now()) return cached.allowed;
    const { plan, features } = await this.rpc.request(MeteringRpc.entitlements, { tenantId });
    const allowed =
      (features.liveMonitoring && features.takeover) ||
      (plan === null && tenantId === this.config.STEWARD_LOCAL_TENANT_ID);
    this.cache.set(tenantId, { allowed, expiresAt: Date.now() + CACHE_MS });
    return allowed;
  }
}
