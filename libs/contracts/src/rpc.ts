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
