/**
 * Auto-resume: a conversation whose agent has done nothing for the takeover window goes back
 * to the AI, and the live feed hears of it. KV `takeover` forgets the key by itself (max age),
 * but NATS 2.9 does not announce that, so the service looks for due conversations itself.
 *
 * One statement claims the due rows (FOR UPDATE SKIP LOCKED) and flips them, so replicas
 * sweeping at the same moment never hand the same conversation back twice, and a conversation
 * an agent is acting on right now (its row locked) waits for the next sweep. The facts are
 * published before the commit with ids derived from the takeover, so a failed commit only
 * repeats a fact the stream de-duplicates.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HandBackReason } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { CONFIG, LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { TakeoverConfig } from '../config.js';
import type { ConversationRow } from '../conversations/conversation.store.js';
import { conversationsInHumanHands, handBacks } from '../metrics.js';
import { query, transaction } from '../sql.js';
import { TakeoverBucket } from './takeover-bucket.js';
import { TakeoverFacts } from './takeover-facts.js';

const BATCH = 100;

type DueRow = ConversationRow & { previous_agent_id: string | null; previous_agent_name: string | null };

@Injectable()
export class AutoResumeSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: DataSource,
    private readonly bucket: TakeoverBucket,
    private readonly facts: TakeoverFacts,
    @Inject(CONFIG) private readonly config: TakeoverConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      () => this.sweep(),
      config.TAKEOVER_SWEEP_INTERVAL_MS,
      (error) => this.logger.error({ err: error }, 'auto-resume sweep failed; retrying on the next one'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Hands every due conversation back to the AI; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const resumed = await this.resumeBatch();
      total += resumed;
      if (resumed < BATCH) break;
    }
    const [human] = await query<{ count: number }>(
      this.db,
      `SELECT count(*)::int AS count FROM conversations WHERE state = 'human'`,
    );
    conversationsInHumanHands.set(human?.count ?? 0);
    return total;
  }

  private resumeBatch(): Promise<number> {
    return transaction(this.db, async (sql) => {
      const rows = await sql<DueRow>(
        `WITH due AS (
           SELECT id, assigned_agent_id, assigned_agent_name FROM conversations
           WHERE state = 'human' AND last_agent_activity_at <= now() - make_interval(secs => $1)
           ORDER BY last_agent_activity_at LIMIT ${BATCH}
           FOR UPDATE SKIP LOCKED
         )
         UPDATE conversations c
         SET state = 'ai', assigned_agent_id = NULL, assigned_agent_name = NULL, updated_at = now()
         FROM due WHERE c.id = due.id
         RETURNING c.*, due.assigned_agent_id AS previous_agent_id, due.assigned_agent_name AS previous_agent_name`,
        [this.config.TAKEOVER_WINDOW_MS / 1000],
      );
      for (const row of rows) {
        await this.bucket.free(row.id);
        await this.facts.handedBack(
          row,
          HandBackReason.INACTIVE,
          { id: row.previous_agent_id ?? '', name: row.previous_agent_name ?? '' },
          row.taken_over_at,
        );
        handBacks.inc({ reason: 'inactive' });
        this.logger.info(
          { tenantId: row.tenant_id, conversationId: row.id, agentId: row.previous_agent_id },
          'agent inactive for the takeover window: the AI answers again',
        );
      }
      return rows.length;
    });
  }
}
