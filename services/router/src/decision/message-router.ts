/**
 * MESSAGE_CREATE → decision → `steward.answer.requested`. Finds the tenant and the bot's
 * identity, keeps the channel's recent conversation where the bot reads everything, lets the
 * response policy decide, holds the member cooldown, and asks for an answer once per message.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerRequestedSchema,
  conversationIdOf,
  encode,
  Subjects,
  type GuildSettings,
} from '@steward/contracts';
import { CONFIG, GuildConfigStore, LOGGER } from '@steward/runtime';
import { withSpan, type Logger } from '@steward/telemetry';
import type { RouterConfig } from '../config.js';
import { MemberCooldowns } from '../cooldown/member-cooldowns.js';
import { BotIdentities } from '../directory/bot-identities.js';
import { ChannelPlaces, settingsInPlace } from '../directory/channel-places.js';
import { ThreadPermissions } from '../directory/thread-permissions.js';
import { messageCreateDispatch, parseDispatch, type DiscordMessage } from '../dispatch/discord-payloads.js';
import { ChannelHistory, displayName } from '../history/channel-history.js';
import {
  channelMessagesKept,
  decisions,
  decisionSeconds,
  messagesSeen,
  smartModeDecisions,
} from '../metrics.js';
import { membersAnsweredByStaff, TakeoverState } from '../takeover/takeover-state.js';
import { channelMode, decideResponse, type AnswerTrigger, type Decision } from './response-policy.js';
import type { RecentMessage } from './staff-step-back.js';

/** Reasons to skip a message outside the pure policy. */
type RoutingSkipReason = 'direct_message' | 'no_tenant' | 'other_application' | 'cooldown' | 'human_takeover';

type Verdict = Decision | { outcome: 'skip'; reason: RoutingSkipReason };
type AnswerDecision = Extract<Decision, { outcome: 'answer' }>;

const ORIGINS: Record<AnswerTrigger, AnswerOrigin> = {
  mention: AnswerOrigin.MENTION,
  all_messages: AnswerOrigin.ALL_MESSAGES,
};

/** Skip reasons that are smart mode's pre-filter at work (stage 1). */
const PREFILTER_REASONS: ReadonlySet<string> = new Set(['chatter', 'member_conversation']);

/**
 * Channels whose conversation is kept: the bot reads everything there (staff step-back and,
 * with channel context on, the answer prompt need it), or it answers mentions with context.
 */
function keepsHistory(settings: GuildSettings, channelId: string): boolean {
  const mode = channelMode(settings, channelId);
  return mode === 'all' || (mode === 'mention' && settings.channelContext);
}

@Injectable()
export class MessageRouter {
  constructor(
    private readonly bus: Bus,
    private readonly guildConfigs: GuildConfigStore,
    private readonly bots: BotIdentities,
    private readonly places: ChannelPlaces,
    private readonly threads: ThreadPermissions,
    private readonly history: ChannelHistory,
    private readonly cooldowns: MemberCooldowns,
    private readonly takeover: TakeoverState,
    @Inject(CONFIG) private readonly config: RouterConfig,
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
        this.countSmartMode(verdict);
        this.logger.debug(
          {
            messageId: message.id,
            guildId: message.guild_id,
            channelId: message.channel_id,
            outcome: verdict.outcome,
            reason,
            ...(verdict.outcome === 'answer' ? { triage: verdict.triage } : {}),
            ...(PREFILTER_REASONS.has(reason) ? { stage: 'smart pre-filter' } : {}),
          },
          verdictLine(verdict),
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

    const tenant = this.guildConfigs.resolve(guildId, applicationId);
    if (tenant.kind === 'unmapped') return { outcome: 'skip', reason: 'no_tenant' };
    if (tenant.kind === 'other_application') return { outcome: 'skip', reason: 'other_application' };
    // A thread keeps its channel's response mode, a channel its category's.
    // A forum post's first message has the post's id.
    const forumPostStart = message.id === message.channel_id;
    const place = await this.places.of(message.channel_id, { expectThread: forumPostStart });
    const settings = settingsInPlace(tenant.settings, message.channel_id, place);

    let recentMessages: RecentMessage[] = [];
    if (keepsHistory(settings, message.channel_id)) {
      // Everything said before this message, whatever order the replicas handle messages in.
      recentMessages = await this.history.before(message);
      await this.history.record(guildId, message);
      channelMessagesKept.inc();
    }

    const bot = await this.bots.resolve(applicationId, guildId);
    // A staff member answering a member in Discord pauses the AI in that member's conversation.
    const answeredByStaff = membersAnsweredByStaff(message, settings.staffRoleIds, bot.userId);
    if (answeredByStaff.length > 0) {
      await this.takeover.holdForStaff({
        tenantId: tenant.tenantId,
        guildId,
        message,
        memberIds: answeredByStaff,
      });
    }
    const decision = decideResponse({
      message,
      bot,
      settings,
      recentMessages,
      staffStepBackMs: this.config.ROUTER_STAFF_STEP_BACK_MS,
    });
    if (decision.outcome !== 'answer') return decision;

    // A person is in charge of this conversation (an agent's takeover or a staff reply).
    const conversationId = conversationIdOf(guildId, message.channel_id, message.author.id);
    if (this.takeover.isHeld(conversationId, tenant.tenantId)) {
      this.logger.info(
        { conversationId, messageId: message.id },
        'a person is in charge of the conversation: no AI answer',
      );
      return { outcome: 'skip', reason: 'human_takeover' };
    }

    if (decision.cooldown) {
      const free = await this.cooldowns.claim({
        channelId: message.channel_id,
        memberId: message.author.id,
        messageId: message.id,
        atMs: Date.parse(message.timestamp),
      });
      if (!free) return { outcome: 'skip', reason: 'cooldown' };
    }

    await this.requestAnswer({
      applicationId,
      guildId,
      tenantId: tenant.tenantId,
      message,
      decision,
      // Only answers to all messages go in a thread of their own. Discord starts no thread inside
      // a thread: there the answer goes in the thread itself; nor can the bot without permission.
      replyInThread:
        decision.trigger === 'all_messages' &&
        settings.replyInThread &&
        !place.isThread &&
        !forumPostStart &&
        (await this.threads.mayOpenIn(applicationId, guildId, message.channel_id)),
      channelContext: settings.channelContext ? recentMessages : [],
    });
    return decision;
  }

  private async requestAnswer(request: {
    applicationId: string;
    guildId: string;
    tenantId: string;
    message: DiscordMessage;
    decision: AnswerDecision;
    replyInThread: boolean;
    channelContext: RecentMessage[];
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
      authorName: displayName(message),
      question: decision.question,
      origin: ORIGINS[decision.trigger],
      triage: decision.triage,
      replyInThread: request.replyInThread,
      channelContext: request.channelContext.map((recent) => ({
        messageId: recent.messageId,
        authorId: recent.authorId,
        authorName: recent.authorName,
        content: recent.content,
        authorIsBot: recent.authorIsBot,
        sentAtMs: BigInt(recent.sentAtMs),
      })),
      conversationId: conversationIdOf(request.guildId, message.channel_id, message.author.id),
      receivedAtMs: BigInt(Date.parse(message.timestamp)),
    });
    await this.bus.publish(Subjects.answerRequested, payload, { msgId: requestId });
  }

  /** Stage 1 of smart mode, counted; stage 2 (triage) is decided and counted by the answer service. */
  private countSmartMode(verdict: Verdict): void {
    if (verdict.outcome === 'skip' && PREFILTER_REASONS.has(verdict.reason)) {
      smartModeDecisions.inc({ decision: 'drop', reason: verdict.reason });
    } else if (verdict.outcome === 'answer' && verdict.triage) {
      smartModeDecisions.inc({ decision: 'triage', reason: 'passed_prefilter' });
    }
  }
}

function verdictLine(verdict: Verdict): string {
  if (verdict.outcome === 'answer') return verdict.triage ? 'passed to triage' : 'answer requested';
  return PREFILTER_REASONS.has(verdict.reason) ? 'dropped by the smart pre-filter' : 'message skipped';
}
