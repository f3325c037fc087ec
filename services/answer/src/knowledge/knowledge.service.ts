import { Inject, Injectable } from '@nestjs/common';
import { detectLanguage, type AiEngine } from '@steward/ai';
import { RpcError, RpcErrorCode } from '@steward/bus';
import type { DocumentStatus, DocumentView, KnowledgePassageView } from '@steward/contracts';
import { DataSource } from '@steward/db';
import { AI_ENGINE } from '../ai-engine.provider.js';
import { KnowledgeRetriever } from '../retrieval/knowledge-retriever.js';
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
    private readonly retriever: KnowledgeRetriever,
    @Inject(AI_ENGINE) private readonly engine: AiEngine,
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

  /** Deletes the document and its passages; answers stop citing it at once. */
  async delete(tenantId: string, id: string): Promise<{ id: string; deleted: true }> {
    const [, deleted] = (await this.dataSource.query(
      'DELETE FROM documents WHERE id = $1 AND tenant_id = $2',
      [id, tenantId],
    )) as [unknown, number];
    if (!deleted) throw new RpcError(NOT_FOUND, `no knowledge document ${id}`);
    this.retriever.forget(tenantId);
    return { id, deleted: true };
  }

  /**
   * Indexes the document again from its stored text (answers leave it out until it is indexed
   * again); a document being indexed right now keeps its place.
   */
  async reindex(tenantId: string, id: string): Promise<{ id: string; status: DocumentStatus }> {
    const [rows] = (await this.dataSource.query(
      `UPDATE documents SET status = CASE WHEN status = 'indexing' THEN status ELSE 'pending' END,
              progress = CASE WHEN status = 'indexing' THEN progress ELSE 0 END, error = NULL, updated_at = now()
       WHERE id = $1 AND tenant_id = $2 RETURNING status`,
      [id, tenantId],
    )) as [{ status: DocumentStatus }[], number];
    if (!rows[0]) throw new RpcError(NOT_FOUND, `no knowledge document ${id}`);
    this.retriever.forget(tenantId);
    this.indexer.schedule(id);
    return { id, status: rows[0].status };
  }

  /**
   * The passages the answer path would retrieve for this question: the question's language, the
   * engine's query rewrite against the knowledge base's languages and headings, the same search.
   */
  async search(tenantId: string, question: string, limit: number): Promise<KnowledgePassageView[]> {
    const language = detectLanguage(question);
    const profile = await this.retriever.profile(tenantId);
    if (profile.languages.length === 0) return [];
    const query = await this.engine.rewriteQuery(question, language, profile.languages, profile.headings);
    const passages = await this.retriever.search(tenantId, query, profile.languages, {
      limit,
      preferredLanguage: language,
      question,
    });
    return passages.map((passage) => ({
      documentId: passage.documentId,
      title: passage.title,
      heading: passage.heading ?? null,
      content: passage.content,
      score: passage.score,
      language: passage.language ?? null,
    }));
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
