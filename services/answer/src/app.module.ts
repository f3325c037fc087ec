import { Module, type DynamicModule } from '@nestjs/common';
import { takeoverMirrorProvider } from '@steward/runtime';
import { aiEngineProvider } from './ai-engine.provider.js';
import { AnswerQuota } from './answering/answer-quota.js';
import { answerRequestsController } from './answering/answer-requests.controller.js';
import { AnswerService } from './answering/answer.service.js';
import { RequestClaims } from './answering/request-claims.js';
import { UnansweredController } from './answering/unanswered.controller.js';
import { UnansweredQuestions } from './answering/unanswered-questions.js';
import type { AnswerConfig } from './config.js';
import { Housekeeping } from './housekeeping.js';
import { KnowledgeIndexer } from './knowledge/knowledge-indexer.js';
import { KnowledgeController } from './knowledge/knowledge.controller.js';
import { KnowledgeService } from './knowledge/knowledge.service.js';
import { VocabularyBackfill } from './knowledge/vocabulary-backfill.js';
import { ConversationMemory } from './memory/conversation-memory.js';
import { ProactiveDueController } from './proactive/proactive-due.controller.js';
import { ProactivePosts } from './proactive/proactive-posts.service.js';
import { proactiveWriterProvider } from './proactive/proactive-writer.provider.js';
import { KnowledgeRetriever } from './retrieval/knowledge-retriever.js';

@Module({})
export class AnswerModule {
  static forRoot(config: AnswerConfig): DynamicModule {
    return {
      module: AnswerModule,
      controllers: [
        KnowledgeController,
        UnansweredController,
        answerRequestsController({ concurrency: config.ANSWER_CONCURRENCY }),
        ProactiveDueController,
      ],
      providers: [
        aiEngineProvider,
        KnowledgeService,
        KnowledgeIndexer,
        VocabularyBackfill,
        KnowledgeRetriever,
        ConversationMemory,
        RequestClaims,
        UnansweredQuestions,
        AnswerQuota,
        takeoverMirrorProvider,
        AnswerService,
        Housekeeping,
        proactiveWriterProvider,
        ProactivePosts,
      ],
    };
  }
}
