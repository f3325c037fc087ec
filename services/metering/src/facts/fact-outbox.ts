import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { usageRecordedSubject } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { MeteringConfig } from '../config.js';
import { factPublishFailures } from '../metrics.js';
import { query, transaction } from '../sql.js';
import { encodeUsageFact, USAGE_OUTBOX_COLUMNS, usageFactMsgId, type UsageOutboxRow } from './usage-fact.js';

/** Rows younger than this are still being published by the request that wrote them. */
const SWEEP_GRACE_MS = 10_000;
const DELETE_BATCH_DELAY_MS = 50;

/**
 * Publishes the usage facts written to `usage_outbox`: at once after the commit, and again from
 * a periodic sweep for any that did not make it (NATS down, crash). The `Nats-Msg-Id`
 * makes a second publication of the same fact a no-op.
 */
@Injectable()
export class FactOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly inFlight = new Set<Promise<void>>();
  private published: string[] = [];
  private deleteTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: MeteringConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.METERING_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.closed = true;
    await this.sweeping;
    await Promise.allSettled(this.inFlight);
    await this.flushDeletes();
  }

  /** Publishes a committed fact without holding up the caller. */
  publishSoon(fact: UsageOutboxRow): void {
    const msgId = usageFactMsgId(fact);
    const task = this.publish(fact)
      .then(
        () => this.markPublished(fact.id),
        (error: unknown) => {
          factPublishFailures.inc();
          this.logger.warn({ err: error, msgId }, 'usage fact not published yet; the outbox retries it');
        },
      )
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Publishes facts left behind by earlier failures, oldest first. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => this.logger.error({ err: error }, 'usage fact sweep failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    for (;;) {
      const count = await transaction(this.db, async (sql) => {
        const { rows } = await sql<UsageOutboxRow>(
          `SELECT ${USAGE_OUTBOX_COLUMNS} FROM usage_outbox
           WHERE created_at < now() - make_interval(secs => $1)
           ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
          [SWEEP_GRACE_MS / 1000],
        );
        const done: string[] = [];
        for (const row of rows) {
          try {
            await this.publish(row);
            done.push(row.id);
          } catch (error) {
            this.logger.warn({ err: error, msgId: usageFactMsgId(row) }, 'usage fact still not published');
            break;
          }
        }
        if (done.length) await sql('DELETE FROM usage_outbox WHERE id = ANY($1::bigint[])', [done]);
        return { commit: true, result: done.length === rows.length ? rows.length : 0 };
      });
      if (count < 100) return;
    }
  }

  private async publish(row: UsageOutboxRow): Promise<void> {
    await this.bus.publish(usageRecordedSubject, encodeUsageFact(row), { msgId: usageFactMsgId(row) });
  }

  // Deletions are batched: one statement for many published facts.
  private markPublished(id: string): void {
    // After shutdown the row stays; the next start publishes it again under the same id.
    if (this.closed) return;
    this.published.push(id);
    this.deleteTimer ??= setTimeout(() => void this.flushDeletes(), DELETE_BATCH_DELAY_MS);
  }

  private async flushDeletes(): Promise<void> {
    clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    const ids = this.published;
    this.published = [];
    if (!ids.length) return;
    try {
      await query(this.db, 'DELETE FROM usage_outbox WHERE id = ANY($1::bigint[])', [ids]);
    } catch (error) {
      // The sweep publishes them again; their message ids make that harmless.
      this.logger.warn({ err: error }, 'could not clear published usage facts');
    }
  }
}
