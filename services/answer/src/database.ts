import type { ServiceDatabase } from '@steward/db';
import { HandledRequest } from './answering/handled-request.entity.js';
import { UnansweredQuestion } from './answering/unanswered-question.entity.js';
import { KnowledgeChunk } from './knowledge/chunk.entity.js';
import { KnowledgeDocument } from './knowledge/document.entity.js';
import { RememberedTurn } from './memory/conversation-turn.entity.js';
import { TRIGRAM_THRESHOLD } from './retrieval/knowledge-retriever.js';
import { KnowledgeBase1760000000000 } from './migrations/1760000000000-knowledge-base.js';
import { Answering1760000000001 } from './migrations/1760000000001-answering.js';
import { ChunkWords1764000000000 } from './migrations/1764000000000-chunk-words.js';
import { DecidedReplies1764100000000 } from './migrations/1764100000000-decided-replies.js';

export const database: ServiceDatabase = {
  schema: 'answer',
  entities: [KnowledgeDocument, KnowledgeChunk, RememberedTurn, HandledRequest, UnansweredQuestion],
  migrations: [KnowledgeBase1760000000000, Answering1760000000001, ChunkWords1764000000000, DecidedReplies1764100000000],
  // The similar-word search's `%>` operator reads its threshold from the session.
  settings: { 'pg_trgm.word_similarity_threshold': String(TRIGRAM_THRESHOLD) },
};
