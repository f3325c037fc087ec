import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, PermanentError, type BusEventContext } from '@steward/bus';
import { parseDiscordEventSubject, Streams } from '@steward/contracts';
import { z } from 'zod';
import { ModerationPipeline, type MessageEventKind } from '../pipeline/moderation-pipeline.js';
import { discordMessage } from './discord-message.js';

/** Messages judged at once per consumer: most of the time goes to waiting on the model, metering and Postgres. */
const CONCURRENCY = 64;
/**
 * A message whose acknowledgement was lost (NATS restarting, the process killed) comes back
 * after this long, and a violation stays up meanwhile: short, with a heartbeat every third of
 * it while a check runs (a slow model call with its retries may take longer).
 */
const ACK_WAIT_MS = 15_000;
const HEARTBEAT_MS = ACK_WAIT_MS / 3;
/** Longer than the slowest check can take (the judge's timeout is at most 120 s): one stuck past it is delivered again. */
const MAX_HEARTBEAT_MS = 180_000;
/**
 * A message waiting for the router or metering (see the pipeline) is delivered again for some
 * six minutes, enough for a restart or a short outage; the last delivery settles for what can be
 * done without them instead of dead-lettering the message.
 */
const MAX_DELIVER = 10;
const BACKOFF_MS = [1_000, 5_000, 15_000, 30_000, 60_000];

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
    maxDeliver: MAX_DELIVER,
    backoffMs: BACKOFF_MS,
  })
  async onCreate(@Payload() payload: unknown, @Ctx() context: BusEventContext): Promise<void> {
    await this.handle('create', payload, context);
  }

  @JetStreamEventPattern('discord.evt.*.*.MESSAGE_UPDATE', {
    stream: Streams.discordEvents.name,
    durable: 'moderation-message-update',
    concurrency: CONCURRENCY,
    ackWaitMs: ACK_WAIT_MS,
    maxDeliver: MAX_DELIVER,
    backoffMs: BACKOFF_MS,
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
    const delivery = context.getMessage();
    const heartbeatUntil = Date.now() + MAX_HEARTBEAT_MS;
    const heartbeat = setInterval(() => {
      if (Date.now() < heartbeatUntil) delivery.working();
    }, HEARTBEAT_MS);
    try {
      await this.pipeline.handle(event, subject.applicationId, message, delivery.deliveryCount >= MAX_DELIVER);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
