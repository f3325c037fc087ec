import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG, LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { ModerationConfig } from '../config.js';
import { decisionsTotal } from '../metrics.js';
import { ModerationLogStore } from './moderation-log.store.js';

const BATCH = 100;

/**
 * An action stays `pending` until egress reports what Discord did. When no report comes (a
 * command that ran out of deliveries unreported, a crash on its last one), the log would say
 * `pending` for ever; after MODERATION_PENDING_TIMEOUT_MS it says the action failed for want of
 * news instead, and a report that arrives after all still settles it.
 */
@Injectable()
export class PendingActionsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly log: ModerationLogStore,
    @Inject(CONFIG) private readonly config: ModerationConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      () => this.sweep(),
      config.MODERATION_PENDING_SWEEP_INTERVAL_MS,
      (error) => this.logger.error({ err: error }, 'pending actions sweep failed; retrying on the next one'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  private async sweep(): Promise<void> {
    const pendingBefore = new Date(Date.now() - this.config.MODERATION_PENDING_TIMEOUT_MS);
    let given: number;
    do {
      // No moderation.actioned fact: the outcome is not final, a late report may still settle it.
      const rows = await this.log.giveUpPending(pendingBefore, BATCH);
      for (const row of rows) {
        decisionsTotal.inc({ action: row.action, outcome: row.outcome });
        this.logger.warn(
          { guildId: row.guildId, messageId: row.messageId, action: row.action, commandId: row.commandId },
          'no outcome came back for a moderation action; the log shows it as failed',
        );
      }
      given = rows.length;
    } while (given === BATCH && !this.task.isStopped);
  }
}
