import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Bus, JetStreamEventPattern, PermanentError, type BusEventContext } from '@steward/bus';
import { commandSubject, create, DiscordCommandSchema, Streams, toBinary } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { InteractionHandler, interactionsHandled } from './interaction-handler.js';
import { interactionSchema, ResponseType } from './interaction.schema.js';

/**
 * Discord takes the first response to an interaction within 3 s of sending it. One that waited
 * longer in the stream (this service was down or behind) is left: Discord would refuse the
 * response, and the question would still cost the tenant a message.
 */
const TOO_LATE_MS = 2_500;

/**
 * INTERACTION_CREATE over the gateway (no endpoint URL configured): the same handler, and
 * its response goes back through egress as an interaction callback.
 */
@Controller()
export class GatewayInteractionsController {
  constructor(
    private readonly handler: InteractionHandler,
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @JetStreamEventPattern('discord.evt.*.*.INTERACTION_CREATE', {
    stream: Streams.discordEvents.name,
    durable: 'interactions',
    concurrency: 16,
    ackWaitMs: 10_000,
  })
  async onInteraction(@Payload() payload: unknown, @Ctx() context: BusEventContext) {
    const parsed = interactionSchema.safeParse(payload);
    if (!parsed.success) throw new PermanentError('INTERACTION_CREATE is not a valid interaction');
    const interaction = parsed.data;
    const waitedMs = Date.now() - context.getMessage().storedAtMs;
    if (waitedMs > TOO_LATE_MS) {
      interactionsHandled.inc({ via: 'gateway', outcome: 'too_late' });
      this.logger.warn(
        { interactionId: interaction.id, waitedMs },
        'interaction from the gateway left unanswered: it waited past the 3 s Discord gives its first response',
      );
      return;
    }
    const response = await this.handler.handle(interaction, 'gateway');
    if (response.type === ResponseType.Pong) return;
    const command = create(DiscordCommandSchema, {
      commandId: `ia-callback:${interaction.id}`,
      applicationId: interaction.application_id,
      guildId: interaction.guild_id ?? '',
      createdAtMs: BigInt(Date.now()),
      action: {
        case: 'interactionCallback',
        value: {
          interactionId: interaction.id,
          token: interaction.token,
          type: response.type,
          content: response.type === ResponseType.ChannelMessage ? response.data.content : '',
          ephemeral: response.type === ResponseType.ChannelMessage,
        },
      },
    });
    await this.bus.publish(commandSubject(command), toBinary(DiscordCommandSchema, command), { msgId: command.commandId });
    this.logger.debug({ interactionId: interaction.id }, 'interaction from the gateway answered through egress');
  }
}
