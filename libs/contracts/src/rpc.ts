/**
 * Request/reply contracts (core NATS, JSON validated with zod on both sides). Each entry
 * names the subject, the request schema and the reply schema.
 */
import { z } from 'zod';

const tenantId = z.string().min(1).max(64);
const documentId = z.string().uuid();

export const documentStatus = z.enum(['pending', 'indexing', 'indexed', 'failed']);
export type DocumentStatus = z.infer<typeof documentStatus>;

export const documentView = z.object({
  id: documentId,
  title: z.string(),
  status: documentStatus,
  language: z.string().nullable(),
  chunkCount: z.number().int(),
  /** Indexing progress, 0..1. */
  progress: z.number().min(0).max(1),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DocumentView = z.infer<typeof documentView>;

/** One retrieved passage: the section of a document the answer would be built from. */
export const knowledgePassageView = z.object({
  documentId,
  title: z.string(),
  /** The heading path above the passage ("Account > Passwords"), null before any heading. */
  heading: z.string().nullable(),
  content: z.string(),
  /** Relevance, 0..1. */
  score: z.number().min(0).max(1),
  language: z.string().nullable(),
});
export type KnowledgePassageView = z.infer<typeof knowledgePassageView>;

export const Rpc = {
  knowledgeAdd: {
    subject: 'rpc.answer.knowledge.add',
    request: z.object({
      tenantId,
      title: z.string().trim().min(1, 'title must not be empty').max(200, 'title is longer than 200 characters'),
      content: z.string().trim().min(1, 'content must not be empty').max(2_000_000, 'content is larger than 2 MB'),
    }),
    reply: z.object({ id: documentId, status: documentStatus }),
  },
  knowledgeGet: {
    subject: 'rpc.answer.knowledge.get',
    request: z.object({ tenantId, id: documentId }),
    reply: documentView,
  },
  knowledgeList: {
    subject: 'rpc.answer.knowledge.list',
    request: z.object({ tenantId }),
    reply: z.object({ documents: z.array(documentView) }),
  },
  knowledgeDelete: {
    subject: 'rpc.answer.knowledge.delete',
    request: z.object({ tenantId, id: documentId }),
    reply: z.object({ id: documentId, deleted: z.literal(true) }),
  },
  /** Indexes a document again from its stored text (after a failure, or a change of the indexer). */
  knowledgeReindex: {
    subject: 'rpc.answer.knowledge.reindex',
    request: z.object({ tenantId, id: documentId }),
    reply: z.object({ id: documentId, status: documentStatus }),
  },
  /** What the answer path would retrieve for a question: the same query rewrite and search. */
  knowledgeSearch: {
    subject: 'rpc.answer.knowledge.search',
    request: z.object({
      tenantId,
      query: z
        .string()
        .trim()
        .min(1, 'query must not be empty')
        .max(1_000, 'query is longer than 1,000 characters'),
      limit: z.number().int().min(1).max(20).default(5),
    }),
    reply: z.object({ passages: z.array(knowledgePassageView) }),
  },
  unansweredList: {
    subject: 'rpc.answer.unanswered.list',
    request: z.object({ tenantId, limit: z.number().int().min(1).max(500).default(100) }),
    reply: z.object({
      questions: z.array(
        z.object({
          id: z.string().uuid(),
          guildId: z.string(),
          channelId: z.string(),
          question: z.string(),
          language: z.string(),
          askedAt: z.string(),
        }),
      ),
    }),
  },
} as const;

export type RpcName = keyof typeof Rpc;
export type RpcRequest<N extends RpcName> = z.input<(typeof Rpc)[N]['request']>;
export type RpcReply<N extends RpcName> = z.infer<(typeof Rpc)[N]['reply']>;
