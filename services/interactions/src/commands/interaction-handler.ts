import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  AnswerFeedbackSchema,
  AnswerOrigin,
  AnswerRequestedSchema,
  channelOverrideIn,
  conversationIdOf,
  encode,
  parseFeedbackCustomId,
  snowflakeTimeMs,
  Subjects,
} from '@steward/contracts';
import { GuildConfigStore, LOGGER, TakeoverMirror } from '@steward/runtime';
import { Counter, metricsRegistry, type Logger } from '@steward/telemetry';
import { ephemeral, InteractionType, ResponseType, type Interaction, type InteractionResponse } from './interaction.schema.js';
import { ChannelParents } from './channel-parents.js';
import { reply } from './replies.js';

export const ASK_COMMAND = 'ask';

/**
 * How long a response may take here: Discord waits 3 s for it from sending the interaction,
 * and the way to us and back (through egress, for the gateway's) takes some of that. A queue
 * that does not answer within it is reported to the member as unavailable, while Discord still
 * shows the reply.
 */
export const RESPONSE_BUDGET_MS = 2_000;
/** Never less than this for a publish, late as the request may already be. */
const MIN_PUBLISH_MS = 250;

export const interactionsHandled = new Counter({
  name: 'steward_interactions_total',
  help: 'Interactions handled, by path and outcome',
  labelNames: ['via', 'outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * One handler for interactions from both paths: the HTTP endpoint Discord calls, and
 * INTERACTION_CREATE over the gateway when no endpoint URL is configured.
 */
@Injectable()
export class InteractionHandler {
  constructor(
    private readonly bus: Bus,
    private readonly guilds: GuildConfigStore,
    private readonly takeovers: TakeoverMirror,
    private readonly channelParents: ChannelParents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `arrivedAtMs`: when the interaction reached Steward, from which the response budget runs. */
  async handle(
    interaction: Interaction,
    via: 'http' | 'gateway',
    arrivedAtMs = Date.now(),
  ): Promise<InteractionResponse> {
    const response = await this.respond(interaction, arrivedAtMs + RESPONSE_BUDGET_MS);
    interactionsHandled.inc({ via, outcome: response.type === ResponseType.DeferredChannelMessage ? 'deferred' : 'replied' });
    return response;
  }

  private async respond(interaction: Interaction, deadline: number): Promise<InteractionResponse> {
    if (interaction.type === InteractionType.Ping) return { type: ResponseType.Pong };
    const locale = interaction.locale ?? interaction.guild_locale;
    if (interaction.type === InteractionType.MessageComponent) return this.feedback(interaction, locale, deadline);
    if (interaction.type !== InteractionType.ApplicationCommand || interaction.data?.name !== ASK_COMMAND) {
      return ephemeral(reply('unknownCommand', locale));
    }
    const user = interaction.member?.user ?? interaction.user;
    const channelId = interaction.channel_id ?? interaction.channel?.id;
    if (!interaction.guild_id || !channelId || !user) return ephemeral(reply('guildOnly', locale));

    // The tenant whose bot this is: a guild linked through another bot (a tenant's own) is not
    // answered, nor billed, through this one.
    const owner = this.guilds.resolve(interaction.guild_id, interaction.application_id);
    if (owner.kind === 'other_application') return ephemeral(reply('anotherBot', locale));
    if (owner.kind !== 'tenant') return ephemeral(reply('notConnected', locale));
    // A thread keeps its channel's mode, a channel its category's.
    const overrides = owner.settings.channelOverrides;
    const parentIds = await this.channelParents.of(channelId, interaction.channel, overrides);
    const mode = channelOverrideIn(overrides, channelId, parentIds);
    if (mode === 'off') return ephemeral(reply('channelOff', locale));

    const question = String(interaction.data.options?.find((o) => o.name === 'question')?.value ?? '').trim();
    if (!question) return ephemeral(reply('emptyQuestion', locale));

    const conversationId = conversationIdOf(interaction.guild_id, channelId, user.id);
    // An agent or a staff member is answering this member here: the bot stays out of it.
    if (this.takeovers.holds(conversationId, owner.tenantId)) return ephemeral(reply('personInCharge', locale));

    const requestId = `ia:${interaction.id}`;
    try {
      await this.bus.publish(
        Subjects.answerRequested,
        encode(AnswerRequestedSchema, {
          requestId,
          tenantId: owner.tenantId,
          applicationId: interaction.application_id,
          guildId: interaction.guild_id,
          channelId,
          authorId: user.id,
          authorName: interaction.member?.nick ?? user.global_name ?? user.username,
          question: question.slice(0, 4_000),
          origin: AnswerOrigin.SLASH_COMMAND,
          interaction: { interactionId: interaction.id, token: interaction.token },
          receivedAtMs: BigInt(Date.now()),
          locale: locale ?? '',
          conversationId,
        }),
        { msgId: requestId, timeoutMs: timeLeft(deadline) },
      );
    } catch (error) {
      this.logger.error({ err: error, interactionId: interaction.id }, 'could not queue /ask; told the member to retry');
      return ephemeral(reply('unavailable', locale));
    }
    this.logger.debug({ interactionId: interaction.id, guildId: interaction.guild_id }, '/ask queued');
    return { type: ResponseType.DeferredChannelMessage };
  }

  /**
   * A press of an answer's 👍 / 👎: recorded as the member's vote on that answer (the takeover
   * service keeps it with the conversation), thanked in private. The tenant is the guild's, so
   * a button cannot vote on another tenant's answers.
   */
  private async feedback(
    interaction: Interaction,
    locale: string | undefined,
    deadline: number,
  ): Promise<InteractionResponse> {
    const vote = parseFeedbackCustomId(interaction.data?.custom_id ?? '');
    const user = interaction.member?.user ?? interaction.user;
    if (!vote) return ephemeral(reply('unknownCommand', locale));
    if (!interaction.guild_id || !user) return ephemeral(reply('guildOnly', locale));
    const owner = this.guilds.resolve(interaction.guild_id, interaction.application_id);
    if (owner.kind === 'other_application') return ephemeral(reply('anotherBot', locale));
    if (owner.kind !== 'tenant') return ephemeral(reply('notConnected', locale));
    try {
      await this.bus.publish(
        Subjects.answerFeedback,
        encode(AnswerFeedbackSchema, {
          feedbackId: interaction.id,
          tenantId: owner.tenantId,
          guildId: interaction.guild_id,
          channelId: interaction.channel_id ?? interaction.channel?.id ?? '',
          turnId: vote.turnId,
          userId: user.id,
          helpful: vote.helpful,
          // When Discord received the press (its id's timestamp), not when a replica got to it:
          // of two quick presses the later one counts, whichever replica handles it.
          atMs: snowflakeTimeMs(interaction.id),
        }),
        { msgId: `feedback:${interaction.id}`, timeoutMs: timeLeft(deadline) },
      );
    } catch (error) {
      this.logger.error({ err: error, interactionId: interaction.id }, 'could not record answer feedback');
      return ephemeral(reply('unavailable', locale));
    }
    return ephemeral(reply('feedbackThanks', locale));
  }
}

/** What is left of the response's budget for a publish (a stored question still gets its answer). */
function timeLeft(deadline: number): number {
  return Math.max(MIN_PUBLISH_MS, deadline - Date.now());
}
