import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DocumentStatus } from '@steward/contracts';

/** A text the tenant added to its knowledge base; indexed into chunks after it is stored. */
@Entity({ name: 'documents' })
export class KnowledgeDocument {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  content!: string;

  /** Detected when indexed. */
  @Column({ type: 'text', nullable: true })
  language!: string | null;

  @Column({ type: 'text' })
  status!: DocumentStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** Indexing progress, 0..1. */
  @Column({ type: 'real' })
  progress!: number;

  @Column({ name: 'chunk_count', type: 'integer' })
  chunkCount!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
