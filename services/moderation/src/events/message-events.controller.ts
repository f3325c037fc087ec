import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, PermanentError, type BusEventContext } from '@steward/bus';
import { parseDiscordEventSubject, Streams } from '@steward/contracts';
import { z } from 'zod';
import { ModerationPipeline, type MessageEventKind } from '../pipeline/moderation-pipeline.js';
import { discordMessage } from './discord-message.js';

/** Messages judged at once per consumer: most of the time goes to waiting on the model, metering and Postgres. */
const CONCURRENCY = 64;
/** Long enough for a slow model call with its retries. */
const ACK_WAIT_MS = 60_000;

/**
 * MESSAGE_CREATE and MESSAGE_UPDATE of every guild, whatever its response mode. NATS 2.9
 * allows one filter subject per consumer, so each event type has its own durable.
 */
@Controller()
export class MessageEventsController {
  constructor(private readonly pipeline: ModerationPipeline) {}

  @JetStreamEventPattern('discord.evt.*.*.MESSAGE_CREATE', {
    stream: Streams.discordEvents.name,
    durable: 'moderation-message-create',
    concurrency: CONCURRENCY,
    ackWaitMs: ACK_WAIT_MS,
  })
  async onCreate(@Payload() payload: unknown, @Ctx() context: BusEventContext): Promise<void> {
    await this.handle('create', payload, context);
  }

  @JetStreamEventPattern('discord.evt.*.*.MESSAGE_UPDATE', {
    stream: Streams.discordEvents.name,
    durable: 'moderation-message-update',
    concurrency: CONCURRENCY,
    ackWaitMs: ACK_WAIT_MS,
  })
  async onUpdate(@Payload() payload: unknown, @Ctx() context: BusEventContext): Promise<void> {
    await this.handle('update', payload, context);
  }

  private async handle(event: MessageEventKind, payload: unknown, context: BusEventContext): Promise<void> {
    const subject = parseDiscordEventSubject(context.getSubject());
    if (!subject) throw new PermanentError(`${context.getSubject()} is not a Discord event subject`);
    const parsed = discordMessage.safeParse(payload);
    if (!parsed.success) {
      throw new PermanentError(`invalid ${subject.type} payload: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    }
    const message = { ...parsed.data, guild_id: parsed.data.guild_id ?? subject.guildId ?? undefined };
    await this.pipeline.handle(event, subject.applicationId, message);
  }
}
