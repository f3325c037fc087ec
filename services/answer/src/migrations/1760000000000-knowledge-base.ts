import type { MigrationInterface, QueryRunner } from '@steward/db';

/** Documents, their heading-aware chunks with full-text and trigram indexes. */
export class KnowledgeBase1760000000000 implements MigrationInterface {
  name = 'KnowledgeBase1760000000000';

  async up(runner: QueryRunner): Promise<void> {
    // Usually there already (they need a superuser); both live in public, on the search path.
    await runner.query('CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public');
    await runner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
    await runner.query(`
      CREATE TABLE documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        title text NOT NULL,
        content text NOT NULL,
        language text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'indexing', 'indexed', 'failed')),
        error text,
        progress real NOT NULL DEFAULT 0,
        chunk_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX documents_tenant_idx ON documents (tenant_id, created_at, id)');
    await runner.query(
      "CREATE INDEX documents_unfinished_idx ON documents (created_at) WHERE status IN ('pending', 'indexing')",
    );
    await runner.query(`
      CREATE TABLE chunks (
        id bigserial PRIMARY KEY,
        document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        ordinal integer NOT NULL,
        heading text NOT NULL DEFAULT '',
        content text NOT NULL,
        language text NOT NULL,
        search_vector tsvector NOT NULL,
        UNIQUE (document_id, ordinal)
      )`);
    await runner.query('CREATE INDEX chunks_tenant_language_idx ON chunks (tenant_id, language)');
    await runner.query('CREATE INDEX chunks_search_vector_idx ON chunks USING gin (search_vector)');
    await runner.query(
      'CREATE INDEX chunks_content_trgm_idx ON chunks USING gin (content public.gin_trgm_ops)',
    );
    // OR of many tsqueries in one query: tsquery_or is the function behind the || operator.
    await runner.query('CREATE AGGREGATE tsquery_or_all (tsquery) (SFUNC = tsquery_or, STYPE = tsquery)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP AGGREGATE tsquery_or_all (tsquery)');
    await runner.query('DROP TABLE chunks');
    await runner.query('DROP TABLE documents');
  }
}
