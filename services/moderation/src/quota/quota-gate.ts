import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { MeteringRpc, type ReserveDenial } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { ModerationConfig } from '../config.js';

export type QuotaAnswer =
  | { kind: 'granted' }
  | { kind: 'denied'; reason: ReserveDenial }
  /** Metering did not answer: the check goes ahead, but nothing destructive is done unmetered. */
  | { kind: 'unavailable'; error: string };

/** One check's message of quota: the operation id names the message version it checks. */
export interface QuotaReservation {
  tenantId: string;
  guildId: string;
  operationId: string;
}

const UNAVAILABLE_LOG_INTERVAL_MS = 60_000;

/**
 * One moderation check = one message of the tenant's quota, reserved through metering with an
 * idempotency key per message version. A tenant out of quota is logged once (a row in
 * `quota_stops`, shared by replicas) until a reservation is granted again.
 */
@Injectable()
export class QuotaGate {
  /** Tenants this replica knows to be stopped, to skip the database on the way back. */
  private readonly stopped = new Set<string>();
  /** Tenants this replica has seen granted since it started (a stop row left by another life is cleared once). */
  private readonly granted = new Set<string>();
  private lastUnavailableLog = 0;

  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: ModerationConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async reserve(request: QuotaReservation): Promise<QuotaAnswer> {
    let reply;
    try {
      const raw = await this.bus.requestJson(
        MeteringRpc.reserve.subject,
        MeteringRpc.reserve.request.parse({ ...request, kind: 'moderation', channel: 'discord' }),
        { timeoutMs: this.config.MODERATION_RPC_TIMEOUT_MS },
      );
      reply = MeteringRpc.reserve.reply.parse(raw);
    } catch (error) {
      const message = error instanceof RpcError ? `${error.code}: ${error.message}` : (error as Error).message;
      if (Date.now() - this.lastUnavailableLog >= UNAVAILABLE_LOG_INTERVAL_MS) {
        this.lastUnavailableLog = Date.now();
        this.logger.warn({ err: message }, 'metering did not answer: moderating without destructive actions until it does');
      }
      return { kind: 'unavailable', error: message };
    }
    if (reply.granted) {
      const wasStopped = this.stopped.delete(request.tenantId);
      if (wasStopped || !this.granted.has(request.tenantId)) {
        this.granted.add(request.tenantId);
        // TypeORM answers a DELETE with [rows, affected count].
        const cleared: [unknown[], number] = await this.db.query('DELETE FROM quota_stops WHERE tenant_id = $1 RETURNING tenant_id', [request.tenantId]);
        if (cleared[1] > 0 || wasStopped) this.logger.info({ tenantId: request.tenantId }, 'moderation resumed: quota available again');
      }
      return { kind: 'granted' };
    }
    this.granted.delete(request.tenantId);
    const reason = reply.reason ?? 'quota_exceeded';
    if (!this.stopped.has(request.tenantId)) {
      this.stopped.add(request.tenantId);
      const inserted = await this.db.query(
        'INSERT INTO quota_stops (tenant_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING tenant_id',
        [request.tenantId, reason],
      );
      if (inserted.length > 0) {
        this.logger.warn({ tenantId: request.tenantId, reason }, 'moderation stopped for this tenant: no quota left in the period');
      }
    }
    return { kind: 'denied', reason };
  }
}
