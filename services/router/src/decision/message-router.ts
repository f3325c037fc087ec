/**
 * MESSAGE_CREATE → decision → `steward.answer.requested`. Finds the tenant and the bot's
 * identity, lets the response policy decide, and asks for an answer once per message.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { AnswerOrigin, AnswerRequestedSchema, encode, Subjects } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import { withSpan, type Logger } from '@steward/telemetry';
import { BotIdentities } from '../directory/bot-identities.js';
import { messageCreateDispatch, parseDispatch, type DiscordMessage } from '../dispatch/discord-payloads.js';
import { decisions, decisionSeconds, messagesSeen } from '../metrics.js';
import { GuildConfigs } from '../tenants/guild-configs.js';
import { decideResponse, type AnswerTrigger, type Decision } from './response-policy.js';

/** Reasons to skip a message before the policy looks at it. */
type RoutingSkipReason = 'direct_message' | 'no_tenant' | 'other_application';

type Verdict = Decision | { outcome: 'skip'; reason: RoutingSkipReason };

const ORIGINS: Record<AnswerTrigger, AnswerOrigin> = { mention: AnswerOrigin.MENTION };

@Injectable()
export class MessageRouter {
  constructor(
    private readonly bus: Bus,
    private readonly guildConfigs: GuildConfigs,
    private readonly bots: BotIdentities,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Handles one MESSAGE_CREATE; throws MalformedDispatchError for a payload it cannot read. */
  async handle(applicationId: string, data: unknown): Promise<void> {
    const stopTimer = decisionSeconds.startTimer();
    const message = parseDispatch(messageCreateDispatch, data, 'MESSAGE_CREATE');
    messagesSeen.inc();
    await withSpan(
      'router decide',
      async (span) => {
        const verdict = await this.decide(applicationId, message);
        const reason = verdict.outcome === 'answer' ? verdict.via : verdict.reason;
        span.setAttributes({
          'steward.decision.outcome': verdict.outcome,
          'steward.decision.reason': reason,
        });
        decisions.inc({ outcome: verdict.outcome, reason });
        this.logger.debug(
          {
            messageId: message.id,
            guildId: message.guild_id,
            channelId: message.channel_id,
            outcome: verdict.outcome,
            reason,
          },
          verdict.outcome === 'answer' ? 'answer requested' : 'message skipped',
        );
      },
      {
        attributes: {
          'steward.application.id': applicationId,
          'discord.guild.id': message.guild_id ?? 'dm',
          'discord.channel.id': message.channel_id,
          'discord.message.id': message.id,
        },
      },
    );
    stopTimer();
  }

  private async decide(applicationId: string, message: DiscordMessage): Promise<Verdict> {
    const guildId = message.guild_id;
    if (!guildId) return { outcome: 'skip', reason: 'direct_message' };

    await this.guildConfigs.ready();
    const tenant = this.guildConfigs.resolve(guildId, applicationId);
    if (tenant.kind === 'unmapped') return { outcome: 'skip', reason: 'no_tenant' };
    if (tenant.kind === 'other_application') return { outcome: 'skip', reason: 'other_application' };

    const bot = await this.bots.resolve(applicationId, guildId);
    const decision = decideResponse({ message, bot, settings: tenant.settings });
    if (decision.outcome === 'answer') {
      await this.requestAnswer({ applicationId, guildId, tenantId: tenant.tenantId, message, decision });
    }
    return decision;
  }

  private async requestAnswer(request: {
    applicationId: string;
    guildId: string;
    tenantId: string;
    message: DiscordMessage;
    decision: Extract<Decision, { outcome: 'answer' }>;
  }): Promise<void> {
    const { message, decision } = request;
    // One id per Discord message: a redelivered or replayed MESSAGE_CREATE asks once.
    const requestId = `msg:${message.id}`;
    const payload = encode(AnswerRequestedSchema, {
      requestId,
      tenantId: request.tenantId,
      applicationId: request.applicationId,
      guildId: request.guildId,
      channelId: message.channel_id,
      messageId: message.id,
      authorId: message.author.id,
      authorName: message.member?.nick || message.author.global_name || message.author.username,
      question: decision.question,
      origin: ORIGINS[decision.trigger],
      conversationId: `${request.guildId}:${message.channel_id}:${message.author.id}`,
      receivedAtMs: BigInt(Date.parse(message.timestamp)),
    });
    await this.bus.publish(Subjects.answerRequested, payload, { msgId: requestId });
  }
}
