import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { detectLanguage, textSearchConfig } from '@steward/ai';
import { DataSource } from '@steward/db';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AnswerConfig } from '../config.js';
import { chunkVocabulary } from '../retrieval/chunk-words.js';
import { KnowledgeRetriever } from '../retrieval/knowledge-retriever.js';
import { chunkMarkdown } from './chunking.js';
import { indexedChunks, indexingFailures } from './metrics.js';
import { StatisticsSchedule } from './statistics-schedule.js';

/** Chunks inserted per statement; progress is reported after each batch. */
const BATCH_SIZE = 50;
/** How much of a document the language is detected from. */
const LANGUAGE_SAMPLE_CHARS = 4_000;
/**
 * How long refreshing the vocabulary's statistics may wait for the table, which autovacuum
 * holds while it works: less than Postgres's deadlock_timeout (1 s), after which a waiting
 * ANALYZE would make Postgres cancel the autovacuum.
 */
const STATISTICS_LOCK_TIMEOUT_MS = 500;
/** Postgres's error code for a lock not granted within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';
/**
 * The sweep takes up documents unfinished this long after their last change. One being indexed
 * changes with every batch, and one just added is most likely still in the queue of the replica
 * that took it; the advisory lock keeps two replicas apart when that guess is wrong.
 */
const LEFT_BEHIND_AFTER_MS = 30_000;

/**
 * Indexes documents in the background, one at a time: detects the language, chunks the text
 * and writes the chunks with their full-text vectors and their words (the tenant's vocabulary,
 * for misspelt questions) in one transaction, so a document is either fully searchable or not
 * at all. The queue lives in memory: a replica that stops drops it, one that dies leaves its
 * document `indexing`. So at start, and then every ANSWER_INDEXING_SWEEP_INTERVAL_MS, it picks up
 * documents left `pending` or `indexing` (in a rolling deploy the old pod stops after the new one
 * started, so the start alone misses them); a session advisory lock keeps two replicas off the
 * same document.
 */
@Injectable()
export class KnowledgeIndexer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly queue: string[] = [];
  private running?: Promise<void>;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;
  private readonly statistics = new StatisticsSchedule(() => this.analyze());

  constructor(
    private readonly dataSource: DataSource,
    private readonly retriever: KnowledgeRetriever,
    @Inject(CONFIG) private readonly config: AnswerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Without the wait, so a restart resumes at once; the lock guards what another replica is on.
    await this.resumeUnfinished(0);
    this.sweepTimer = setInterval(() => this.sweep(), this.config.ANSWER_INDEXING_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    this.queue.length = 0;
    await Promise.all([this.sweeping, this.running, this.statistics.stop()]);
  }

  /** Looks for documents other replicas left behind, unless a look is under way. */
  private sweep(): void {
    this.sweeping ??= this.resumeUnfinished(LEFT_BEHIND_AFTER_MS)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not look for unfinished knowledge documents; retrying'),
      )
      .finally(() => (this.sweeping = undefined));
  }

  /** Schedules the documents still `pending` or `indexing` whose last change is `idleMs` old or more. */
  private async resumeUnfinished(idleMs: number): Promise<void> {
    const unfinished = (await this.dataSource.query(
      `SELECT id FROM documents
       WHERE status IN ('pending', 'indexing') AND updated_at <= now() - make_interval(secs => $1)
       ORDER BY created_at`,
      [idleMs / 1000],
    )) as { id: string }[];
    const resumed = unfinished.filter(({ id }) => this.schedule(id)).length;
    if (resumed > 0) this.logger.info({ documents: resumed }, 'resuming knowledge indexing');
  }

  /** Queues the document for indexing; false when it is queued already (or the indexer stopped). */
  schedule(documentId: string): boolean {
    if (this.stopped || this.queue.includes(documentId)) return false;
    this.queue.push(documentId);
    this.drainSoon();
    return true;
  }

  private drainSoon(): void {
    if (this.running || this.stopped || this.queue.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A document scheduled between the last look at the queue and now.
      this.drainSoon();
    });
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) {
      if (await this.indexOrRecordFailure(id)) {
        await this.mergePendingIndexEntries();
        this.statistics.wanted();
      }
    }
  }

  /** Indexes the document, or marks it failed; true when it was indexed. */
  private async indexOrRecordFailure(documentId: string): Promise<boolean> {
    try {
      return await this.index(documentId);
    } catch (error) {
      indexingFailures.inc();
      this.logger.error({ err: error, documentId }, 'knowledge indexing failed');
      await this.dataSource
        .query(`UPDATE documents SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`, [
          documentId,
          error instanceof Error ? error.message : String(error),
        ])
        .catch(() => undefined);
      return false;
    }
  }

  /**
   * Moves a document's new entries into the search's GIN indexes in bulk. A GIN index first
   * queues them in a pending list, which every search reads in full until a vacuum merges it:
   * 36 ms instead of 0.3 for the similar-word search of a fresh 40-document knowledge base.
   * (Without the list, each word goes into the index on its own: four times slower.)
   */
  private async mergePendingIndexEntries(): Promise<void> {
    try {
      await this.dataSource.query(
        `SELECT gin_clean_pending_list('chunk_words_tenant_word_idx'::regclass),
                gin_clean_pending_list('chunks_search_vector_idx'::regclass)`,
      );
    } catch (error) {
      this.logger.warn({ err: error }, "could not merge the knowledge indexes' new entries; autovacuum will");
    }
  }

  /**
   * Brings the planner's statistics of the vocabulary up to date (`StatisticsSchedule` says
   * when). Until autovacuum analyzes it (a minute or more later), a tenant's new words look like
   * a handful of rows, and the similar-word search then compares every one of them with the
   * member's words instead of using the trigram index: 7 ms a word instead of 0.1 for 40
   * documents.
   */
  private async analyze(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      // Autovacuum may be working on the table: then it needs no help, and nothing waits.
      await runner.query(`SET LOCAL lock_timeout = '${STATISTICS_LOCK_TIMEOUT_MS}ms'`);
      await runner.query('ANALYZE chunk_words');
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      const busy = (error as { driverError?: { code?: string } }).driverError?.code === LOCK_NOT_AVAILABLE;
      if (busy) this.logger.debug('autovacuum is analyzing the vocabulary itself');
      else this.logger.warn({ err: error }, "could not refresh the vocabulary's statistics; autovacuum will");
    } finally {
      await runner.release();
    }
  }

  /** False when another replica holds the document, or it needs no indexing any more. */
  private async index(documentId: string): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [lock] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        `answer:index:${documentId}`,
      ])) as { locked: boolean }[];
      if (!lock?.locked) return false; // another replica is indexing it
      try {
        return await this.indexLocked(runner, documentId);
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`answer:index:${documentId}`]);
      }
    } finally {
      await runner.release();
    }
  }

  private async indexLocked(
    runner: ReturnType<DataSource['createQueryRunner']>,
    documentId: string,
  ): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [[document]] = (await this.dataSource.query(
      `UPDATE documents SET status = 'indexing', progress = 0, error = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'indexing')
       RETURNING tenant_id AS "tenantId", title, content`,
      [documentId],
    )) as [{ tenantId: string; title: string; content: string }[], number];
    if (!document) return false; // already indexed (or gone)

    const language = detectLanguage(`${document.title}\n${document.content.slice(0, LANGUAGE_SAMPLE_CHARS)}`);
    const chunks = chunkMarkdown(document.content);
    await runner.startTransaction();
    try {
      await runner.query('DELETE FROM chunks WHERE document_id = $1', [documentId]);
      for (let start = 0; start < chunks.length; start += BATCH_SIZE) {
        const batch = chunks.slice(start, start + BATCH_SIZE);
        const vocabulary = batch.map((chunk) => chunkVocabulary(chunk.content));
        // The chunks and their words (for the misspelling search) in one statement.
        await runner.query(
          `WITH inserted AS (
             INSERT INTO chunks (document_id, tenant_id, ordinal, heading, content, language, search_vector)
             SELECT $1, $2, c.ordinal, c.heading, c.content, $3,
                    setweight(to_tsvector($4::regconfig, unaccent($5 || ' ' || c.heading)), 'A') ||
                    setweight(to_tsvector($4::regconfig, unaccent(c.content)), 'C')
             FROM unnest($6::int[], $7::text[], $8::text[]) AS c(ordinal, heading, content)
             RETURNING id, ordinal
           )
           INSERT INTO chunk_words (chunk_id, tenant_id, word)
           SELECT inserted.id, $2, w.word
           FROM unnest($9::int[], $10::text[]) AS w(ordinal, word) JOIN inserted USING (ordinal)`,
          [
            documentId,
            document.tenantId,
            language,
            textSearchConfig(language),
            document.title,
            batch.map((_, index) => start + index),
            batch.map((chunk) => chunk.heading),
            batch.map((chunk) => chunk.content),
            vocabulary.flatMap((words, index) => words.map(() => start + index)),
            vocabulary.flat(),
          ],
        );
        // Outside the transaction, so the admin API sees it move.
        await this.dataSource.query('UPDATE documents SET progress = $2, updated_at = now() WHERE id = $1', [
          documentId,
          Math.min(0.99, (start + batch.length) / chunks.length),
        ]);
      }
      await runner.query(
        `UPDATE documents SET status = 'indexed', language = $2, chunk_count = $3, progress = 1, updated_at = now()
         WHERE id = $1`,
        [documentId, language, chunks.length],
      );
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
    this.retriever.forget(document.tenantId);
    indexedChunks.inc(chunks.length);
    this.logger.info({ documentId, language, chunks: chunks.length }, 'knowledge document indexed');
    return true;
  }
}
