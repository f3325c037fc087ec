/**
 * The router's one durable consumer of Discord dispatches (`discord.evt.>`: nats-server 2.9
 * allows one filter subject per consumer). It dispatches on the event type in the subject:
 * directory events run in order per guild; messages after the directory events before them,
 * and in order per channel.
 */
import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { JetStreamEventPattern, PermanentError, type BusEventContext } from '@steward/bus';
import { parseDiscordEventSubject, Streams } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { MessageRouter } from '../decision/message-router.js';
import { DirectoryEvents, isDirectoryEvent } from '../directory/directory-events.js';
import { dispatchesReceived, malformedDispatches } from '../metrics.js';
import { dispatchData, MalformedDispatchError } from './discord-payloads.js';
import { OrderedLanes } from './ordered-lanes.js';

export const DISPATCH_CONSUMER = 'router';
/** Dispatches handled at once; per-guild ordering is kept by the lanes. */
const DISPATCH_CONCURRENCY = 32;

const applicationLane = (applicationId: string) => `app:${applicationId}`;
const guildLane = (guildId: string | null) => `guild:${guildId ?? 'dm'}`;
const channelLane = (message: unknown) => {
  const channelId = (message as { channel_id?: unknown } | null)?.channel_id;
  return `channel:${typeof channelId === 'string' ? channelId : 'unknown'}`;
};

@Controller()
export class DispatchController {
  private readonly lanes = new OrderedLanes();

  constructor(
    private readonly directory: DirectoryEvents,
    private readonly messages: MessageRouter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @JetStreamEventPattern('discord.evt.>', {
    stream: Streams.discordEvents.name,
    durable: DISPATCH_CONSUMER,
    concurrency: DISPATCH_CONCURRENCY,
    ackWaitMs: 30_000,
    maxDeliver: 5,
    backoffMs: [500, 2_000, 10_000],
  })
  async onDispatch(@Payload() payload: unknown, @Ctx() context: BusEventContext): Promise<void> {
    const subject = context.getSubject();
    const event = parseDiscordEventSubject(subject);
    if (!event) throw new PermanentError(`not a Discord event subject: ${subject}`);
    const { applicationId, guildId, type } = event;
    const data = dispatchData(payload);

    try {
      if (type === 'MESSAGE_CREATE') {
        dispatchesReceived.inc({ type });
        // After the directory events before it; and in order within its channel, so that the
        // channel history a message is decided on holds the messages delivered before it.
        await this.lanes.run(channelLane(data), () => this.messages.handle(applicationId, data), [
          applicationLane(applicationId),
          guildLane(guildId),
        ]);
      } else if (isDirectoryEvent(type)) {
        dispatchesReceived.inc({ type });
        if (type === 'READY') {
          await this.lanes.run(applicationLane(applicationId), () =>
            this.directory.apply(type, applicationId, data),
          );
        } else {
          await this.lanes.run(guildLane(guildId), () => this.directory.apply(type, applicationId, data), [
            applicationLane(applicationId),
          ]);
        }
      } else {
        dispatchesReceived.inc({ type: 'other' });
      }
    } catch (error) {
      if (!(error instanceof MalformedDispatchError)) throw error;
      malformedDispatches.inc({ type });
      this.logger.warn({ subject, err: error }, 'malformed dispatch; dead-lettering it');
      throw new PermanentError(error.message, { cause: error });
    }
  }
}
