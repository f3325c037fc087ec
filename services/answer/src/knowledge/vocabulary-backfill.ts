import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { chunkVocabulary } from '../retrieval/chunk-words.js';

const BATCH_SIZE = 500;
/** How often chunks written since the last look are checked. */
const EVERY_MS = 60_000;

/**
 * Gives every chunk its words in the tenant's vocabulary (`chunk_words`), which the indexer
 * writes with the chunks. Chunks stored before the vocabulary existed, or by a replica of an
 * older version while an upgrade rolls out, have none, and a misspelt question would never
 * find them. At start this goes through every chunk, then once a minute through the chunks
 * written since, in the background.
 */
@Injectable()
export class VocabularyBackfill implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The highest chunk id checked so far. */
  private checkedUpTo = '0';
  private readonly task: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      () => this.fill(),
      EVERY_MS,
      (error) => this.logger.warn({ err: error }, 'could not fill in the knowledge vocabulary; retrying'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start({ immediately: true });
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  private async fill(): Promise<void> {
    // Chunks written from now on are checked by the next run.
    const [{ last }] = (await this.dataSource.query(
      'SELECT COALESCE(max(id), 0)::text AS last FROM chunks',
    )) as { last: string }[];
    let filled = 0;
    for (let after = this.checkedUpTo; !this.task.isStopped;) {
      const chunks = (await this.dataSource.query(
        `SELECT c.id::text, c.tenant_id AS "tenantId", c.content FROM chunks c
         WHERE c.id > $1 AND c.id <= $2 AND NOT EXISTS (SELECT FROM chunk_words v WHERE v.chunk_id = c.id)
         ORDER BY c.id LIMIT $3`,
        [after, last, BATCH_SIZE],
      )) as { id: string; tenantId: string; content: string }[];
      const rows = chunks.flatMap((chunk) =>
        chunkVocabulary(chunk.content).map((word) => ({ chunkId: chunk.id, tenantId: chunk.tenantId, word })),
      );
      if (rows.length > 0) {
        // A chunk deleted meanwhile is skipped; one indexed again meanwhile has its words already.
        await this.dataSource.query(
          `INSERT INTO chunk_words (chunk_id, tenant_id, word)
           SELECT w.chunk_id, w.tenant_id, w.word
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS w(chunk_id, tenant_id, word)
           WHERE EXISTS (SELECT FROM chunks c WHERE c.id = w.chunk_id)
           ON CONFLICT DO NOTHING`,
          [rows.map((row) => row.chunkId), rows.map((row) => row.tenantId), rows.map((row) => row.word)],
        );
      }
      filled += chunks.length;
      if (chunks.length < BATCH_SIZE) {
        this.checkedUpTo = last;
        break;
      }
      after = chunks[chunks.length - 1]!.id;
    }
    if (filled > 0)
      this.logger.info({ chunks: filled }, 'filled in the knowledge vocabulary of chunks stored without it');
  }
}
