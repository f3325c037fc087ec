import type { MigrationInterface, QueryRunner } from '@steward/db';
import { chunkVocabulary } from '../retrieval/chunk-words.js';

const BACKFILL_BATCH = 500;

/**
 * The tenant's vocabulary: each chunk's distinct words, with a trigram index per tenant, so a
 * misspelt word is looked up among short words instead of compared with every chunk's whole
 * text. It replaces the trigram index on chunk contents.
 */
export class ChunkWords1764000000000 implements MigrationInterface {
  name = 'ChunkWords1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    // btree_gin lets one GIN index hold the tenant and the word's trigrams (a trusted extension).
    await runner.query('CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public');
    await runner.query(`
      CREATE TABLE chunk_words (
        chunk_id bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        word text NOT NULL,
        PRIMARY KEY (chunk_id, word)
      )`);
    for (let after = '0'; ;) {
      const chunks = (await runner.query(
        'SELECT id::text, tenant_id AS "tenantId", content FROM chunks WHERE id > $1 ORDER BY id LIMIT $2',
        [after, BACKFILL_BATCH],
      )) as { id: string; tenantId: string; content: string }[];
      if (chunks.length === 0) break;
      const rows = chunks.flatMap((chunk) =>
        chunkVocabulary(chunk.content).map((word) => [chunk.id, chunk.tenantId, word]),
      );
      await runner.query(
        `INSERT INTO chunk_words (chunk_id, tenant_id, word)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`,
        [rows.map((row) => row[0]), rows.map((row) => row[1]), rows.map((row) => row[2])],
      );
      after = chunks[chunks.length - 1]!.id;
    }
    // Built after the rows are in: one bulk build instead of an insert per word.
    await runner.query(
      'CREATE INDEX chunk_words_tenant_word_idx ON chunk_words USING gin (tenant_id, word public.gin_trgm_ops)',
    );
    await runner.query('ANALYZE chunk_words');
    await runner.query('DROP INDEX chunks_content_trgm_idx');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE INDEX chunks_content_trgm_idx ON chunks USING gin (content public.gin_trgm_ops)',
    );
    await runner.query('DROP TABLE chunk_words');
  }
}
