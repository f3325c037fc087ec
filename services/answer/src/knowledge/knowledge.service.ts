import { Injectable } from '@nestjs/common';
import { RpcError, RpcErrorCode } from '@steward/bus';
import type { DocumentView } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { KnowledgeDocument } from './document.entity.js';
import { KnowledgeIndexer } from './knowledge-indexer.js';

/** RpcError code for a document that does not exist for the asking tenant (admin API: 404). */
export const NOT_FOUND = RpcErrorCode.NotFound;

/** The tenant's documents: stored at once, indexed in the background. Every call is scoped by tenant. */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indexer: KnowledgeIndexer,
  ) {}

  private get documents() {
    return this.dataSource.getRepository(KnowledgeDocument);
  }

  async add(tenantId: string, title: string, content: string): Promise<{ id: string; status: 'pending' }> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO documents (tenant_id, title, content, status) VALUES ($1, $2, $3, 'pending') RETURNING id`,
      [tenantId, title, content],
    )) as { id: string }[];
    this.indexer.schedule(row!.id);
    return { id: row!.id, status: 'pending' };
  }

  async get(tenantId: string, id: string): Promise<DocumentView> {
    const document = await this.documents.findOne({ where: { id, tenantId } });
    // Another tenant's document is indistinguishable from a missing one.
    if (!document) throw new RpcError(NOT_FOUND, `no knowledge document ${id}`);
    return toView(document);
  }

  async list(tenantId: string): Promise<DocumentView[]> {
    const documents = await this.documents.find({
      where: { tenantId },
      order: { createdAt: 'ASC', id: 'ASC' },
      // Everything but the content, which can be megabytes per document.
      select: {
        id: true,
        title: true,
        status: true,
        language: true,
        chunkCount: true,
        progress: true,
        error: true,
        createdAt: true,
        updatedAt: true,
      },
    });
    return documents.map(toView);
  }
}

function toView(document: KnowledgeDocument): DocumentView {
  return {
    id: document.id,
    title: document.title,
    status: document.status,
    language: document.language,
    chunkCount: document.chunkCount,
    progress: Math.min(1, Math.max(0, document.progress)),
    error: document.error,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}
