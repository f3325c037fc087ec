import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Bus, JetStreamEventPattern, PermanentError, type BusEventContext } from '@steward/bus';
import { commandSubject, create, DiscordCommandSchema, Streams, toBinary } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { InteractionHandler, interactionsHandled, RESPONSE_BUDGET_MS } from './interaction-handler.js';
import { interactionSchema, InteractionType, ResponseType } from './interaction.schema.js';

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
    // Counted from when the stream stored it, this service's clock, not Discord's.
    const arrivedAtMs = context.getMessage().storedAtMs;
    const waitedMs = Date.now() - arrivedAtMs;
    if (waitedMs > RESPONSE_BUDGET_MS && interaction.type === InteractionType.ApplicationCommand) {
      // This service was down or behind: Discord would refuse the response, and the question
      // would still cost the tenant a message. (A late button press is still recorded: it is
      // free, and the vote counts.)
      interactionsHandled.inc({ via: 'gateway', outcome: 'too_late' });
      this.logger.warn(
        { interactionId: interaction.id, waitedMs },
        'command from the gateway left unanswered: it waited past the 3 s Discord gives its first response',
      );
      return;
    }
    const response = await this.handler.handle(interaction, 'gateway', arrivedAtMs);
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
