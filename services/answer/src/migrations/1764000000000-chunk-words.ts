import type { MigrationInterface, QueryRunner } from '@steward/db';

/**
 * The tenant's vocabulary: each chunk's distinct words, under a trigram index keyed by tenant,
 * so a misspelt word is looked up among short words instead of compared with every chunk's
 * whole text. It replaces the trigram index on chunk contents. The words of chunks stored
 * before are filled in by the service (`VocabularyBackfill`), so this runs in a moment
 * whatever the size of the knowledge bases.
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
    await runner.query(
      'CREATE INDEX chunk_words_tenant_word_idx ON chunk_words USING gin (tenant_id, word public.gin_trgm_ops)',
    );
    await runner.query('DROP INDEX chunks_content_trgm_idx');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE INDEX chunks_content_trgm_idx ON chunks USING gin (content public.gin_trgm_ops)',
    );
    await runner.query('DROP TABLE chunk_words');
  }
}
