import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JetStreamEventPattern } from '@steward/bus';
import {
  AnswerFeedbackSchema,
  ConversationEscalatedSchema,
  ConversationTurnSchema,
  protoDecoder,
  Streams,
  Subjects,
  type AnswerFeedback,
  type ConversationEscalated,
  type ConversationTurn,
} from '@steward/contracts';
import { ConversationRecorder } from './conversation-recorder.js';

/**
 * The durable consumers that feed the transcripts. One filter subject per consumer
 * (nats-server 2.9), so turns, escalations, answer feedback and Discord messages each have
 * their own.
 */
@Controller()
export class ConversationFactsController {
  constructor(private readonly recorder: ConversationRecorder) {}

  @JetStreamEventPattern(Subjects.conversationTurn, {
    stream: Streams.facts.name,
    durable: 'takeover-turns',
    concurrency: 8,
    decode: protoDecoder(ConversationTurnSchema),
  })
  onTurn(@Payload() turn: ConversationTurn): Promise<void> {
    return this.recorder.recordTurn(turn);
  }

  @JetStreamEventPattern(Subjects.conversationEscalated, {
    stream: Streams.facts.name,
    durable: 'takeover-escalations',
    decode: protoDecoder(ConversationEscalatedSchema),
  })
  onEscalated(@Payload() fact: ConversationEscalated): Promise<void> {
    return this.recorder.recordEscalation(fact);
  }

  // A press that overtook its answer's turn is retried for about half an hour (the turn
  // consumer catching up after an outage) before it is dead-lettered.
  @JetStreamEventPattern(Subjects.answerFeedback, {
    stream: Streams.facts.name,
    durable: 'takeover-feedback',
    concurrency: 8,
    maxDeliver: 12,
    backoffMs: [500, 2_000, 10_000, 60_000, 300_000],
    decode: protoDecoder(AnswerFeedbackSchema),
  })
  onFeedback(@Payload() fact: AnswerFeedback): Promise<void> {
    return this.recorder.recordFeedback(fact);
  }

  @JetStreamEventPattern('discord.evt.*.*.MESSAGE_CREATE', {
    stream: Streams.discordEvents.name,
    durable: 'takeover-messages',
    concurrency: 8,
  })
  onMessageCreate(@Payload() dispatch: unknown): Promise<void> {
    return this.recorder.recordMemberMessage(dispatch);
  }
}
