import { Inject, Injectable } from '@nestjs/common';
import {
  detectLanguage,
  languageFromLocale,
  rewriteQueryOffline,
  type AiEngine,
  type AnswerResult,
  type ContextMessage,
  type KnowledgePassage,
  type Language,
} from '@steward/ai';
import { Bus, PermanentError, type BusMessage } from '@steward/bus';
import { z } from '@steward/config';
import {
  AnswerOutcome,
  commandSubject,
  ConversationEscalatedSchema,
  ConversationTurnSchema,
  DiscordCommandSchema,
  encode,
  feedbackCustomId,
  Subjects,
  type AnswerRequested,
  type DiscordCommand,
} from '@steward/contracts';
import { CONFIG, LOGGER, TakeoverMirror } from '@steward/runtime';
import { withSpan, type Logger } from '@steward/telemetry';
import { AI_ENGINE } from '../ai-engine.provider.js';
import type { AnswerConfig } from '../config.js';
import { ConversationMemory } from '../memory/conversation-memory.js';
import { KnowledgeRetriever } from '../retrieval/knowledge-retriever.js';
import {
  answersTotal,
  generationSeconds,
  llmTokens,
  redeliveriesSkipped,
  retrievalSeconds,
} from './metrics.js';
import { AnswerQuota, MeteringUnavailableError } from './answer-quota.js';
import { ANSWER_FAILED, ANSWERS_PAUSED, ASK_INVITATION, FEEDBACK_LABELS, PERSON_IN_CHARGE } from './phrases.js';
import {
  conversationAfterReply,
  interactionReplyCommand,
  messageReplyCommand,
  type ReplyButtons,
  repliesInDiscord,
  repliesToInteraction,
  typingCommand,
} from './reply-commands.js';
import { replyMessages, singleMessage, sourcesLine } from './reply-format.js';
import { RequestClaims } from './request-claims.js';
import { UnansweredQuestions } from './unanswered-questions.js';

/** A typing indicator that may still be sent; `settle()` before replying. */
interface Typing {
  settle(): Promise<void>;
}

const NO_TYPING: Typing = { settle: async () => undefined };

/** How long one delivery may stay unacknowledged without a heartbeat. */
export const ANSWER_ACK_WAIT_MS = 30_000;
/** Deliveries of a question before it is given up (the consumer's maxDeliver). */
export const ANSWER_MAX_DELIVER = 5;

/** Another worker holds the question's live claim: this delivery is tried again later. */
class AnsweredElsewhereError extends Error {
  constructor(requestId: string) {
    super(`answer request ${requestId} is being answered elsewhere`);
  }
}

/** A claim outlives a silent worker by less than the ack wait, so a redelivery can take over. */
const CLAIM_LEASE_MS = ANSWER_ACK_WAIT_MS - 5_000;
const HEARTBEAT_MS = ANSWER_ACK_WAIT_MS / 3;
/** Passages given to the engine after a search. */
const TOP_K = 5;

/** What an attempt at a question is told to stop for. */
interface AttemptSignals {
  /** This replica is shutting down. */
  stopping?: AbortSignal;
  /** The asker stopped waiting (see askerGoneSignal). */
  askerGone?: AbortSignal;
}

interface Retrieval {
  passages: KnowledgePassage[];
  wholeKnowledgeBase: boolean;
}

/** What is replied to a question; stored (see RequestClaims.decide) before it is posted. */
const outcomeSchema = z.object({
  outcome: z.enum(AnswerOutcome),
  text: z.string(),
  engine: z.string(),
  sources: z.array(z.object({ documentId: z.string(), title: z.string(), score: z.number() })),
  /** Whether the turn is remembered for follow-up questions. */
  remember: z.boolean(),
});
type Outcome = z.infer<typeof outcomeSchema>;

/** An outcome without generation: no sources, nothing remembered. */
function plainOutcome(outcome: AnswerOutcome, text: string, engine = 'none'): Outcome {
  return { outcome, text, engine, sources: [], remember: false };
}

/**
 * 👍 / 👎 under an answer; a press reaches the interactions service, which records the vote
 * against this turn. None when the turn id does not fit in a custom id.
 */
function feedbackButtons(turnId: string, language: Language): ReplyButtons {
  const labels = FEEDBACK_LABELS[language];
  const up = feedbackCustomId(turnId, true);
  const down = feedbackCustomId(turnId, false);
  if (!up || !down) return [];
  return [
    // No style: egress draws a button grey (secondary) unless told otherwise.
    { customId: up, label: labels.helpful, emoji: '👍' },
    { customId: down, label: labels.notHelpful, emoji: '👎' },
  ];
}

/** The member's language: their question's, else their Discord client's. */
function languageOf(request: AnswerRequested): Language {
  const question = request.question.trim();
  return question ? detectLanguage(question, request.locale) : (languageFromLocale(request.locale) ?? 'en');
}

/**
 * The phrase in the member's language for /ask, whose deferred response must be completed;
 * other questions get no reply at all.
 */
function wordForAsk(request: AnswerRequested, phrases: Record<Language, string>, language: Language): string {
  return repliesToInteraction(request) ? phrases[language] : '';
}

/**
 * Aborts when the asker stops waiting: `answerWithinMs` after the stream stored the request.
 * The NATS server's clock is compared with this host's (both kept by NTP), not the asker's.
 * Undefined when the asker waits as long as it takes (Discord).
 */
function askerGoneSignal(request: AnswerRequested, message: BusMessage): AbortSignal | undefined {
  if (request.answerWithinMs === 0n) return undefined;
  const leftMs = message.storedAtMs + Number(request.answerWithinMs) - Date.now();
  return leftMs > 0 ? AbortSignal.timeout(leftMs) : AbortSignal.abort();
}

/**
 * A signal that aborts when either does. Unlike AbortSignal.any, it lets go of the long-lived
 * one (the replica's `stopping`) once `dispose` is called.
 */
function eitherSignal(a?: AbortSignal, b?: AbortSignal): { signal?: AbortSignal; dispose(): void } {
  if (!a || !b) return { signal: a ?? b, dispose: () => undefined };
  const either = new AbortController();
  const abort = () => either.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return {
    signal: either.signal,
    dispose: () => {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}

/** The outcome of a question whose asker stopped waiting before it was answered: nothing is generated or counted. */
const EXPIRED_OUTCOME = plainOutcome(AnswerOutcome.EXPIRED, '');

/**
 * Answers one AnswerRequested: claims it, shows the typing indicator, retrieves knowledge,
 * generates with the engine, publishes the reply commands for egress (ids derived from the
 * request, so a repeat after a crash is de-duplicated) and the ConversationTurn fact, and
 * remembers the turn. Unanswered questions are recorded for the tenant.
 */
@Injectable()
export class AnswerService {
  constructor(
    private readonly bus: Bus,
    private readonly claims: RequestClaims,
    /** KV `takeover`: a person may take a conversation over while its question waits here. */
    private readonly takeovers: TakeoverMirror,
    private readonly retriever: KnowledgeRetriever,
    private readonly memory: ConversationMemory,
    private readonly unanswered: UnansweredQuestions,
    private readonly quota: AnswerQuota,
    @Inject(AI_ENGINE) private readonly engine: AiEngine,
    @Inject(CONFIG) private readonly config: AnswerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(request: AnswerRequested, message: BusMessage): Promise<void> {
    assertValid(request);
    try {
      await this.claimAndAnswer(request, message);
    } catch (error) {
      // Another worker is on it: it answers, whatever becomes of this delivery.
      const lastAttempt =
        !(error instanceof AnsweredElsewhereError) &&
        (error instanceof PermanentError || message.deliveryCount >= ANSWER_MAX_DELIVER);
      if (lastAttempt) await this.giveUp(request, error);
      throw error;
    }
  }

  private async claimAndAnswer(request: AnswerRequested, message: BusMessage): Promise<void> {
    const claim = await this.claims.claim(request.requestId, request.tenantId, CLAIM_LEASE_MS);
    if (claim.kind === 'done') {
      redeliveriesSkipped.inc();
      this.logger.debug({ requestId: request.requestId }, 'answer request already handled');
      return;
    }
    // Another worker holds a live claim: retry later, by when it has finished (or died).
    if (claim.kind === 'busy') throw new AnsweredElsewhereError(request.requestId);
    const decided = this.decidedBefore(request, claim.decided);
    const askerGone = askerGoneSignal(request, message);

    const heartbeat = setInterval(() => {
      message.working();
      this.claims.renew(request.requestId, CLAIM_LEASE_MS).catch((error: unknown) => {
        this.logger.warn({ err: error, requestId: request.requestId }, 'could not renew the answer claim');
      });
    }, HEARTBEAT_MS);
    try {
      await withSpan(
        'answer generate',
        (span) =>
          this.answer(request, { stopping: message.stopping, askerGone }, decided).then((outcome) => {
            span.setAttributes({
              'steward.outcome': AnswerOutcome[outcome.outcome],
              'steward.engine': outcome.engine,
            });
          }),
        { attributes: { 'steward.request_id': request.requestId, 'steward.tenant_id': request.tenantId } },
      );
    } catch (error) {
      // The redelivery (after the bus backoff) may take the request at once instead of waiting out the lease.
      await this.claims.abandon(request.requestId).catch((abandonError: unknown) => {
        this.logger.warn(
          { err: abandonError, requestId: request.requestId },
          'could not let go of the answer claim',
        );
      });
      if (error instanceof MeteringUnavailableError) {
        this.logger.warn(
          { requestId: request.requestId, err: error.message },
          'metering did not answer: retrying later',
        );
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * The last attempt failed: nobody is left waiting. A /ask gets a short apology in place of
   * "thinking…" (under the reply's own command id, so an answer already posted stays), and the
   * turn is recorded as failed, which the chat API answers at once and the dashboard shows. A
   * failed attempt gave its message back, so nothing is counted.
   */
  private async giveUp(request: AnswerRequested, error: unknown): Promise<void> {
    this.logger.error(
      { err: error, requestId: request.requestId },
      'gave up on a question after its last attempt',
    );
    try {
      const question = request.question.trim();
      const language = languageOf(request);
      const outcome = plainOutcome(AnswerOutcome.FAILED, wordForAsk(request, ANSWER_FAILED, language));
      const replyCommands = this.replyCommands(request, outcome, language);
      for (const command of replyCommands) await this.publishCommand(command);
      await this.publishTurn(request, question, language, outcome, replyCommands, 0);
      answersTotal.inc({ outcome: 'failed', engine: outcome.engine });
    } catch (reportError) {
      this.logger.warn(
        { err: reportError, requestId: request.requestId },
        'could not report the failed question',
      );
    }
  }

  /** The reply an earlier attempt decided and may have posted in part, if it got that far. */
  private decidedBefore(request: AnswerRequested, stored: unknown): Outcome | undefined {
    if (stored === null || stored === undefined) return undefined;
    const parsed = outcomeSchema.safeParse(stored);
    if (parsed.success) {
      this.logger.info({ requestId: request.requestId }, 'finishing the reply an earlier attempt decided');
      return parsed.data;
    }
    this.logger.warn({ requestId: request.requestId }, 'the stored reply is unreadable; answering afresh');
    return undefined;
  }

  /**
   * Generates the reply (unless an earlier attempt decided it), records it, then posts it and
   * publishes what follows from it. Every step after the record is repeated as it was on a
   * retry: the reply commands keep their ids, so none is posted twice.
   */
  private async answer(
    request: AnswerRequested,
    signals: AttemptSignals,
    decided?: Outcome,
  ): Promise<Outcome> {
    const started = performance.now();
    const question = request.question.trim();
    const language = languageOf(request);
    const outcome = decided ?? (await this.freshOutcome(request, question, language, signals));
    if (!decided) await this.claims.decide(request.requestId, outcome);

    const replyCommands = this.replyCommands(request, outcome, language);
    for (const command of replyCommands) await this.publishCommand(command);

    if (outcome.outcome === AnswerOutcome.NO_ANSWER) {
      await this.unanswered.record({
        requestId: request.requestId,
        tenantId: request.tenantId,
        guildId: request.guildId,
        channelId: request.channelId,
        question,
        language,
      });
    }
    if (outcome.outcome === AnswerOutcome.ESCALATED) await this.publishEscalation(request, replyCommands);
    const elapsedMs = performance.now() - started;
    await this.publishTurn(request, question, language, outcome, replyCommands, elapsedMs);
    await this.claims.complete(
      request.requestId,
      AnswerOutcome[outcome.outcome],
      replyCommands.map((command) => command.commandId),
      outcome.remember
        ? {
            tenantId: request.tenantId,
            conversationId: conversationAfterReply(request, replyCommands).conversationId,
            question,
            answer: outcome.text,
          }
        : undefined,
    );
    answersTotal.inc({ outcome: AnswerOutcome[outcome.outcome].toLowerCase(), engine: outcome.engine });
    generationSeconds.observe({ engine: outcome.engine }, elapsedMs / 1000);
    this.logger.info(
      {
        requestId: request.requestId,
        tenantId: request.tenantId,
        outcome: AnswerOutcome[outcome.outcome],
        engine: outcome.engine,
        language,
        sources: outcome.sources.length,
        replies: replyCommands.length,
        ms: Math.round(elapsedMs),
      },
      'question handled',
    );
    return outcome;
  }

  /** What to reply to a question no earlier attempt decided. */
  private async freshOutcome(
    request: AnswerRequested,
    question: string,
    language: Language,
    signals: AttemptSignals,
  ): Promise<Outcome> {
    if (signals.askerGone?.aborted) return await this.expired(request);
    // A person took the conversation over after the question was routed: the bot stays out of
    // it and spends nothing.
    const leftToPerson = this.leftToPersonInCharge(request, language);
    if (leftToPerson) return leftToPerson;
    // A bare mention costs nothing: it is answered with an invitation to ask.
    if (!question) return plainOutcome(AnswerOutcome.ANSWERED, ASK_INVITATION[language]);
    return this.generate(request, question, language, signals);
  }

  /**
   * Every answer is one message of the tenant's quota, reserved before any model call that
   * leads to it. Triage is free (it decides whether there is an answer to pay for), so a
   * triaged message is reserved only once triage says to reply.
   */
  private async generate(
    request: AnswerRequested,
    question: string,
    language: Language,
    signals: AttemptSignals,
  ): Promise<Outcome> {
    let typing = NO_TYPING;
    try {
      if (!request.triage) {
        const refused = await this.reserve(request, language, signals);
        if (refused) return refused;
        typing = this.typingUnlessQuick(request);
      }
      return await this.generateReserved(
        request,
        question,
        language,
        signals,
        (started) => (typing = started),
      );
    } catch (error) {
      // Aborted because the asker stopped waiting (the model call, or the wait for metering).
      if (signals.askerGone?.aborted) return await this.expired(request);
      throw error;
    } finally {
      await typing.settle();
    }
  }

  private async generateReserved(
    request: AnswerRequested,
    question: string,
    language: Language,
    signals: AttemptSignals,
    typingStarted: (typing: Typing) => void,
  ): Promise<Outcome> {
    const channelContext: ContextMessage[] = request.channelContext.map((message) => ({
      author: message.authorName || message.authorId,
      content: message.content,
    }));
    const retrieve = () => this.retrieve(request.tenantId, question, language, signals.askerGone);
    // Once the message is reserved, a failure gives it back.
    const retrieval = request.triage ? await retrieve() : await this.releasingOnFailure(request, retrieve);

    if (request.triage) {
      const decision = await this.engine.triage(
        {
          message: question,
          language,
          channelContext,
          bestPassageScore: await this.triageScore(request.tenantId, question, language, retrieval),
        },
        signals.askerGone,
      );
      if (!decision.reply) {
        this.logger.debug({ requestId: request.requestId, reason: decision.reason }, 'triage: not answering');
        return plainOutcome(AnswerOutcome.SKIPPED, '', decision.engine);
      }
      const refused = await this.reserve(request, language, signals);
      if (refused) return refused;
      typingStarted(this.typingUnlessQuick(request));
    }

    // The reservation may have waited for metering, and triage for the model: a person who
    // took over meanwhile gets the conversation, an asker who stopped waiting gets nothing, and
    // the reserved message is given back.
    if (signals.askerGone?.aborted) return await this.expired(request);
    const takenOverMeanwhile = this.leftToPersonInCharge(request, language);
    if (takenOverMeanwhile) {
      await this.quota.release(request);
      return takenOverMeanwhile;
    }

    const result = await this.releasingOnFailure(request, async () =>
      this.engine.answer(
        {
          question,
          language,
          passages: retrieval.passages,
          wholeKnowledgeBase: retrieval.wholeKnowledgeBase,
          history: await this.memory.history(request.tenantId, request.conversationId),
          channelContext,
        },
        signals.askerGone,
      ),
    );
    countTokens(result);
    // Taken over while the model wrote: the answer is not posted over the person's (the model
    // was used, so the message stays counted).
    const takenOverWhileWriting = this.leftToPersonInCharge(request, language);
    if (takenOverWhileWriting) return { ...takenOverWhileWriting, engine: result.engine };
    return {
      outcome: OUTCOMES[result.kind],
      text: result.text,
      engine: result.engine,
      sources: sourcesOf(result, retrieval.passages),
      remember: true,
    };
  }

  /**
   * The asker stopped waiting: the question is left unanswered, and nothing is counted. The
   * message is given back whether or not this attempt reserved it: an earlier one (on a replica
   * that died) or a reservation granted as the wait ended may have; giving back what was never
   * reserved does nothing.
   */
  private async expired(request: AnswerRequested): Promise<Outcome> {
    await this.quota.release(request);
    this.logger.info(
      { requestId: request.requestId, tenantId: request.tenantId, answerWithinMs: Number(request.answerWithinMs) },
      'the asker stopped waiting: not answering',
    );
    return EXPIRED_OUTCOME;
  }

  /** When one of the tenant's people is in charge of the conversation: the outcome that leaves it to them. */
  private leftToPersonInCharge(request: AnswerRequested, language: Language): Outcome | undefined {
    if (!this.takeovers.holds(request.conversationId, request.tenantId)) return undefined;
    this.logger.info(
      { requestId: request.requestId, conversationId: request.conversationId },
      'a person has taken this conversation over: not answering',
    );
    return plainOutcome(AnswerOutcome.SKIPPED, wordForAsk(request, PERSON_IN_CHARGE, language));
  }

  /**
   * Reserves the answer's message; on a refusal, the outcome to record instead (nothing is
   * generated and, except for /ask whose deferred response must be completed, nothing is sent).
   */
  private async reserve(
    request: AnswerRequested,
    language: Language,
    signals: AttemptSignals,
  ): Promise<Outcome | undefined> {
    // Waiting for metering ends when the asker stops waiting, too.
    const waitEnds = eitherSignal(signals.stopping, signals.askerGone);
    let decision;
    try {
      decision = await this.quota.reserve(request, waitEnds.signal);
    } finally {
      waitEnds.dispose();
    }
    if (decision.granted) return undefined;
    return plainOutcome(AnswerOutcome.QUOTA_EXCEEDED, wordForAsk(request, ANSWERS_PAUSED, language));
  }

  /** An answer that was never produced is not counted: its message is given back before the retry. */
  private async releasingOnFailure<T>(request: AnswerRequested, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await this.quota.release(request);
      throw error;
    }
  }

  /**
   * Shows "typing…" only when the answer takes longer than ANSWER_TYPING_DELAY_MS: nobody sees
   * the indicator before a quick reply, and each one spends a request of the bot's Discord rate
   * limit. `settle()` cancels it, or waits until it is sent so it never follows the reply.
   */
  private typingUnlessQuick(request: AnswerRequested): Typing {
    if (!repliesInDiscord(request) || repliesToInteraction(request)) return NO_TYPING;
    let sending: Promise<void> | undefined;
    const send = () => {
      sending = this.publishCommand(typingCommand(request)).catch((error: unknown) => {
        this.logger.warn({ err: error, requestId: request.requestId }, 'could not show the typing indicator');
      });
    };
    const delayMs = this.config.ANSWER_TYPING_DELAY_MS;
    const timer = delayMs > 0 ? setTimeout(send, delayMs) : undefined;
    if (!timer) send();
    return {
      settle: async () => {
        clearTimeout(timer);
        await sending;
      },
    };
  }

  /**
   * The whole knowledge base when a model reads it and it is small (perfect recall, cached);
   * otherwise the best passages for the rewritten query.
   */
  private async retrieve(
    tenantId: string,
    question: string,
    language: Language,
    signal?: AbortSignal,
  ): Promise<Retrieval> {
    const started = performance.now();
    const profile = await this.retriever.profile(tenantId);
    if (profile.languages.length === 0) return { passages: [], wholeKnowledgeBase: false };
    const wholeFits =
      this.engine.name !== 'offline' && profile.approxTokens <= this.config.ANSWER_WHOLE_KNOWLEDGE_MAX_TOKENS;
    if (wholeFits) {
      const passages = await this.retriever.wholeKnowledgeBase(tenantId);
      retrievalSeconds.observe({ mode: 'whole' }, (performance.now() - started) / 1000);
      return { passages, wholeKnowledgeBase: true };
    }
    const query = await this.engine.rewriteQuery(question, language, profile.languages, profile.headings, signal);
    const passages = await this.retriever.search(tenantId, query, profile.languages, {
      limit: TOP_K,
      preferredLanguage: language,
      question,
    });
    retrievalSeconds.observe({ mode: 'search' }, (performance.now() - started) / 1000);
    return { passages, wholeKnowledgeBase: false };
  }

  /**
   * How well the knowledge base matches a message, for triage. A knowledge base small enough to
   * be given to the model whole is not searched to answer, yet triage still needs to know whether
   * the message is about it: one search without the model (the message's words, expanded from
   * the headings) tells. A message in a language the knowledge base is not written in cannot be
   * matched that way, and a search that fails says nothing: triage then hears that the knowledge
   * base matches and decides by the message alone, so a real question is not skipped for it.
   */
  private async triageScore(
    tenantId: string,
    question: string,
    language: Language,
    retrieval: Retrieval,
  ): Promise<number> {
    if (!retrieval.wholeKnowledgeBase) return retrieval.passages[0]?.score ?? 0;
    try {
      const { languages, headings } = await this.retriever.profile(tenantId);
      if (!languages.includes(language)) return 1;
      const query = rewriteQueryOffline(question, language, languages, headings);
      const [best] = await this.retriever.search(tenantId, query, languages, {
        limit: 1,
        preferredLanguage: language,
        question,
      });
      return best?.score ?? 0;
    } catch (error) {
      this.logger.warn({ err: error, tenantId }, 'could not score the message against the knowledge base for triage');
      return 1;
    }
  }

  private replyCommands(request: AnswerRequested, outcome: Outcome, language: Language): DiscordCommand[] {
    if (!repliesInDiscord(request) || !outcome.text) return [];
    const sources = sourcesLine(
      outcome.sources.map((source) => source.title),
      language,
    );
    const buttons = outcome.outcome === AnswerOutcome.ANSWERED ? feedbackButtons(request.requestId, language) : [];
    if (repliesToInteraction(request)) {
      return [interactionReplyCommand(request, singleMessage(outcome.text, sources), buttons)];
    }
    return [messageReplyCommand(request, replyMessages(outcome.text, sources), buttons)];
  }

  private async publishCommand(command: DiscordCommand): Promise<void> {
    await this.bus.publish(commandSubject(command), encode(DiscordCommandSchema, command), {
      msgId: command.commandId,
    });
  }

  private async publishEscalation(request: AnswerRequested, replyCommands: DiscordCommand[]): Promise<void> {
    await this.bus.publish(
      Subjects.conversationEscalated,
      encode(ConversationEscalatedSchema, {
        tenantId: request.tenantId,
        guildId: request.guildId,
        ...conversationAfterReply(request, replyCommands),
        authorId: request.authorId,
        authorName: request.authorName,
        question: request.question,
        atMs: BigInt(Date.now()),
      }),
      { msgId: `escalated:${request.requestId}` },
    );
  }

  private async publishTurn(
    request: AnswerRequested,
    question: string,
    language: Language,
    outcome: Outcome,
    replyCommands: DiscordCommand[],
    elapsedMs: number,
  ): Promise<void> {
    const receivedAt = Number(request.receivedAtMs);
    const latencyMs = receivedAt > 0 ? Math.max(0, Date.now() - receivedAt) : elapsedMs;
    await this.bus.publish(
      Subjects.conversationTurn,
      encode(ConversationTurnSchema, {
        turnId: request.requestId,
        tenantId: request.tenantId,
        applicationId: request.applicationId,
        guildId: request.guildId,
        ...conversationAfterReply(request, replyCommands),
        questionMessageId: request.messageId,
        authorId: request.authorId,
        authorName: request.authorName,
        question,
        answer: outcome.text,
        sources: outcome.sources,
        outcome: outcome.outcome,
        engine: outcome.engine,
        language,
        latencyMs: Math.round(latencyMs),
        atMs: BigInt(Date.now()),
        replyCommandId: replyCommands[0]?.commandId ?? '',
        origin: request.origin,
      }),
      { msgId: `turn:${request.requestId}` },
    );
  }
}

const OUTCOMES: Record<AnswerResult['kind'], AnswerOutcome> = {
  answered: AnswerOutcome.ANSWERED,
  no_answer: AnswerOutcome.NO_ANSWER,
  escalate: AnswerOutcome.ESCALATED,
};

/** The documents the answer used, by title, in the order the engine named them. */
function sourcesOf(result: AnswerResult, passages: readonly KnowledgePassage[]): Outcome['sources'] {
  if (result.kind !== 'answered') return [];
  return result.sourceDocumentIds.flatMap((documentId) => {
    const best = passages
      .filter((passage) => passage.documentId === documentId)
      .reduce<KnowledgePassage | undefined>((a, b) => (!a || b.score > a.score ? b : a), undefined);
    return best ? [{ documentId, title: best.title, score: best.score }] : [];
  });
}

function countTokens(result: AnswerResult): void {
  if (!result.usage) return;
  llmTokens.inc({ kind: 'input' }, result.usage.inputTokens);
  llmTokens.inc({ kind: 'output' }, result.usage.outputTokens);
  llmTokens.inc({ kind: 'cache_read' }, result.usage.cacheReadTokens);
  llmTokens.inc({ kind: 'cache_creation' }, result.usage.cacheCreationTokens);
}

/** A request that can never be answered is dead-lettered with the reason, not retried. */
function assertValid(request: AnswerRequested): void {
  const missing: string[] = (['requestId', 'tenantId'] as const).filter((field) => !request[field]);
  if (repliesInDiscord(request)) {
    if (!request.applicationId) missing.push('applicationId');
    if (!repliesToInteraction(request) && !request.channelId) missing.push('channelId');
  }
  if (missing.length > 0) throw new PermanentError(`AnswerRequested without ${missing.join(', ')}`);
  if (request.answerWithinMs < 0n) throw new PermanentError('AnswerRequested has a negative answerWithinMs');
  if (request.applicationId && !/^[A-Za-z0-9_-]+$/.test(request.applicationId)) {
    throw new PermanentError(
      `AnswerRequested has an invalid applicationId ${JSON.stringify(request.applicationId)}`,
    );
  }
}
