import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { CONFIG, LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { ModerationConfig } from '../config.js';
import { QuotaGate, type QuotaReservation } from './quota-gate.js';

const BATCH = 100;

/**
 * Checks made while metering did not answer, kept in Postgres until metering counts them. The
 * message's delivery is acknowledged once its check is kept here: delivering it again until
 * metering is back would pay the model for the same message on every delivery, and leave the
 * check uncounted after the last one. Metering counts an operation id once, so a check offered
 * twice (by two replicas, or after a crash before its row was removed) counts once.
 */
@Injectable()
export class UnmeteredChecks implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: DataSource,
    private readonly quota: QuotaGate,
    @Inject(CONFIG) private readonly config: ModerationConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      () => this.countDue(),
      config.MODERATION_UNMETERED_RETRY_MS,
      (error) =>
        this.logger.error(
          { err: error },
          'counting checks made without metering failed; retrying on the next round',
        ),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Keeps a check to be counted once metering answers again. */
  async add(check: QuotaReservation): Promise<void> {
    await this.db.query(
      'INSERT INTO unmetered_checks (operation_id, tenant_id, guild_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [check.operationId, check.tenantId, check.guildId],
    );
  }

  /** Offers the due checks to metering again; each it answers (granted or refused) is done with. */
  private async countDue(): Promise<void> {
    let counted = 0;
    let claimed: QuotaReservation[];
    do {
      claimed = await this.claimDue();
      const answered: string[] = [];
      for (const check of claimed) {
        // Still away: the rest of the batch waits for the next round (its claim lapses by then).
        if ((await this.quota.reserve(check)).kind === 'unavailable') break;
        answered.push(check.operationId);
      }
      if (answered.length)
        await this.db.query('DELETE FROM unmetered_checks WHERE operation_id = ANY($1)', [answered]);
      counted += answered.length;
      if (answered.length < claimed.length) break;
    } while (claimed.length === BATCH && !this.task.isStopped);
    if (counted) this.logger.info({ checks: counted }, 'metering answered for checks made while it was away');
  }

  /** Due checks, each claimed by this replica until the next round. */
  private async claimDue(): Promise<QuotaReservation[]> {
    const [rows]: [Array<{ operation_id: string; tenant_id: string; guild_id: string }>, number] =
      await this.db.query(
        `UPDATE unmetered_checks SET next_try_at = now() + make_interval(secs => $2::double precision / 1000)
       WHERE operation_id IN (SELECT operation_id FROM unmetered_checks WHERE next_try_at <= now()
                              ORDER BY next_try_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING operation_id, tenant_id, guild_id`,
        [BATCH, this.config.MODERATION_UNMETERED_RETRY_MS],
      );
    return rows.map((row) => ({
      operationId: row.operation_id,
      tenantId: row.tenant_id,
      guildId: row.guild_id,
    }));
  }
}
