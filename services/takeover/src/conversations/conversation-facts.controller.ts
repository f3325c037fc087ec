import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JetStreamEventPattern } from '@steward/bus';
import {
  ConversationEscalatedSchema,
  ConversationTurnSchema,
  protoDecoder,
  Streams,
  Subjects,
  type ConversationEscalated,
  type ConversationTurn,
} from '@steward/contracts';
import { ConversationRecorder } from './conversation-recorder.js';

/**
 * The durable consumers that feed the transcripts. One filter subject per consumer
 * (nats-server 2.9), so turns, escalations and Discord messages each have their own.
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

  @JetStreamEventPattern('discord.evt.*.*.MESSAGE_CREATE', {
    stream: Streams.discordEvents.name,
    durable: 'takeover-messages',
    concurrency: 8,
  })
  onMessageCreate(@Payload() dispatch: unknown): Promise<void> {
    return this.recorder.recordMemberMessage(dispatch);
  }
}
