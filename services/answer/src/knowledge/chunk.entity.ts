import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One heading-aware passage of a document. Its `search_vector` column (the full-text index,
 * built with the language's text search configuration) is written and read in SQL only.
 */
@Entity({ name: 'chunks' })
export class KnowledgeChunk {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'integer' })
  ordinal!: number;

  /** The heading path above the passage ("Account > Passwords"), empty before any heading. */
  @Column({ type: 'text' })
  heading!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'text' })
  language!: string;
}
