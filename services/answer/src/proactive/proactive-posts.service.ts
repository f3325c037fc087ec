import { Inject, Injectable } from '@nestjs/common';
import {
  detectLanguage,
  maxSimilarity,
  type AiEngine,
  type KnowledgePassage,
  type Language,
  type ProactivePost,
  type ProactiveWriter,
} from '@steward/ai';
import { Bus, PermanentError } from '@steward/bus';
import { encode, ProactivePostWrittenSchema, type ProactiveDue } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { AI_ENGINE } from '../ai-engine.provider.js';
import { KnowledgeRetriever } from '../retrieval/knowledge-retriever.js';
import { proactivePostsWritten, proactiveWriteSeconds } from './metrics.js';
import { PROACTIVE_WRITER } from './proactive-writer.provider.js';

/** Subject of the written post (stream STEWARD); the scheduler posts it. */
export const PROACTIVE_WRITTEN_SUBJECT = 'steward.proactive.written';
/** A draft at least this similar to a recent post is written again, once. */
export const MAX_SIMILARITY_TO_RECENT = 0.5;
/** Knowledge passages a post is written from. */
const PASSAGES = 5;

/**
 * Writes the text of a due proactive post: the knowledge passages for its topic, the recent posts
 * of the channel as "do not repeat", a similarity check that asks for a second draft when the
 * first is too close to a recent post. The text goes back to the scheduler as a fact whose id is
 * the run's and the request's attempt: a redelivered request is stored once, while the text of a
 * later attempt (the scheduler asked again) is not dropped as a duplicate of the first. The
 * scheduler posts only one text per run.
 */
@Injectable()
export class ProactivePosts {
  constructor(
    private readonly bus: Bus,
    private readonly retriever: KnowledgeRetriever,
    @Inject(AI_ENGINE) private readonly engine: AiEngine,
    @Inject(PROACTIVE_WRITER) private readonly writer: ProactiveWriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async write(due: ProactiveDue): Promise<void> {
    assertValid(due);
    const stopTimer = proactiveWriteSeconds.startTimer();
    const topic = due.topic.trim();
    const language = detectLanguage(topic);
    const passages = await this.passagesFor(due.tenantId, topic, language);
    const recentPosts = due.recentPosts.filter((post) => post.trim());

    let post = await this.writer.composeProactivePost({ topic, passages, recentPosts, language });
    let similarity = maxSimilarity(post.text, recentPosts, language);
    let regenerated = false;
    if (similarity >= MAX_SIMILARITY_TO_RECENT) {
      const second = await this.writer.composeProactivePost({ topic, passages, recentPosts: [post.text, ...recentPosts], language });
      const secondSimilarity = maxSimilarity(second.text, recentPosts, language);
      regenerated = true;
      if (secondSimilarity < similarity) [post, similarity] = [second, secondSimilarity];
    }

    await this.publish(due, post, language, passages, similarity, regenerated);
    stopTimer();
    proactivePostsWritten.inc({ engine: post.engine, regenerated: String(regenerated) });
    this.logger.info(
      { runId: due.runId, tenantId: due.tenantId, guildId: due.guildId, engine: post.engine, passages: passages.length, similarity, regenerated },
      'proactive post written',
    );
  }

  private async passagesFor(tenantId: string, topic: string, language: Language): Promise<KnowledgePassage[]> {
    const profile = await this.retriever.profile(tenantId);
    if (profile.languages.length === 0) return [];
    const query = await this.engine.rewriteQuery(topic, language, profile.languages, profile.headings);
    return this.retriever.search(tenantId, query, profile.languages, {
      limit: PASSAGES,
      preferredLanguage: language,
      question: topic,
    });
  }

  private async publish(
    due: ProactiveDue,
    post: ProactivePost,
    language: Language,
    passages: readonly KnowledgePassage[],
    similarity: number,
    regenerated: boolean,
  ): Promise<void> {
    const sources = post.sourceDocumentIds.flatMap((documentId) => {
      const passage = passages.find((candidate) => candidate.documentId === documentId);
      return passage ? [{ documentId, title: passage.title, score: passage.score }] : [];
    });
    await this.bus.publish(
      PROACTIVE_WRITTEN_SUBJECT,
      encode(ProactivePostWrittenSchema, {
        runId: due.runId,
        scheduleId: due.scheduleId,
        tenantId: due.tenantId,
        guildId: due.guildId,
        topic: due.topic,
        text: post.text,
        language,
        engine: post.engine,
        sources,
        similarityToRecent: similarity,
        regenerated,
        atMs: BigInt(Date.now()),
      }),
      { msgId: `proactive-written:${due.runId}:${due.attempt}` },
    );
  }
}

function assertValid(due: ProactiveDue): void {
  const missing = (['runId', 'tenantId', 'guildId', 'topic'] as const).filter((field) => !due[field].trim());
  if (missing.length > 0) throw new PermanentError(`ProactiveDue without ${missing.join(', ')}`);
  if (due.topic.length > 200) throw new PermanentError('ProactiveDue topic is longer than 200 characters');
}
