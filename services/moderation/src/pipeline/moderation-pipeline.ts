import { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { detectLanguage, type ModerationAction, type ModerationJudge, type ModerationVerdict } from '@steward/ai';
import { Bus } from '@steward/bus';
import { commandSubject, DiscordCommandSchema, encode, type GuildConfig } from '@steward/contracts';
import type { EntityManager } from '@steward/db';
import { CONFIG, GuildConfigStore, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import {
  commandIdFor,
  messageRemovalCommand,
  moderationCommand,
  type ActionTarget,
} from '../acting/moderation-commands.js';
import { KickBanBreaker, memberSlotKey } from '../breaker/kick-ban-breaker.js';
import type { ModerationConfig } from '../config.js';
import { DirectoryUnavailableError, GuildDirectoryClient } from '../directory/guild-directory.client.js';
import { channelAndParents } from '../directory/guild-directory.js';
import { MEMBER_MESSAGE_TYPES, type DiscordMessage } from '../events/discord-message.js';
import { RecentMessages } from '../events/recent-messages.js';
import { ActionedFacts } from '../facts/actioned-facts.js';
import {
  awaitsOutcome,
  isHandled,
  MESSAGE_DELETED_TOO,
  ModerationLogStore,
  type LogRow,
  type NewLogEntry,
} from '../log/moderation-log.store.js';
import { breakerTripsTotal, decisionSeconds, decisionsTotal, llmTokens, messagesTotal } from '../metrics.js';
import { BotCapabilities, isMemberAction, type ActionBlock } from '../permissions/bot-capabilities.js';
import { chooseAction } from '../policy/action-policy.js';
import { QuotaGate, type QuotaAnswer, type QuotaReservation } from '../quota/quota-gate.js';
import { UnmeteredChecks } from '../quota/unmetered-checks.js';

export const MODERATION_JUDGE = Symbol('moderation:judge');

/** Longer than a message's ten deliveries take. */
const HELD_VERDICT_MS = 10 * 60_000;
const MAX_HELD_VERDICTS = 10_000;

export type MessageEventKind = 'create' | 'update';

/** What became of one message, for metrics, tests and the benchmark. */
export interface MessageChecked {
  messageId: string;
  event: MessageEventKind;
  /** `skipped_<why>` (e.g. `skipped_already_handled`), `quota_denied`, `no_action`, `logged` or `resumed`. */
  result: string;
  action: ModerationAction | null;
  /** Time spent on the message in this service. */
  elapsedMs: number;
}

/** In-process notifications of finished checks (`checked`), for observers such as the benchmark. */
@Injectable()
export class ModerationEvents extends EventEmitter<{ checked: [MessageChecked] }> {}

type Settings = GuildConfig['settings']['moderation'];
/**
 * The message calls for a timeout, kick or ban, and nothing stronger than a delete is done
 * unmetered: thrown so that JetStream delivers it again, to be judged and acted on once metering
 * answers (unless delete was enabled: the message is then deleted and that is the action). The
 * last delivery settles for the lesser action.
 */
export class ActionAwaitsMeteringError extends Error {
  override readonly name = 'ActionAwaitsMeteringError';
}

/** What becomes of a decided action; `action` when it is carried out as another one. */
type Outcome = Pick<NewLogEntry, 'outcome' | 'blockReason' | 'detail' | 'commandId'> & { action?: ModerationAction };

/**
 * One message through moderation: who is exempt, quota, the judge, the policy, permission and
 * hierarchy checks, the circuit breaker, the log entry, and the egress command. Every step is
 * idempotent per message version (`create`, or the edit's timestamp), so a redelivered event
 * acts once, logs once and counts once; and a message whose version was acted on (or flagged
 * for review) is not judged again when edited, so an edit neither acts twice nor gets round the breaker.
 */
@Injectable()
export class ModerationPipeline {
  /** Verdicts of messages waiting for metering (see ActionAwaitsMeteringError), by operation id. */
  private readonly heldVerdicts = new Map<string, { verdict: ModerationVerdict; until: number }>();

  constructor(
    private readonly guilds: GuildConfigStore,
    private readonly directory: GuildDirectoryClient,
    private readonly recent: RecentMessages,
    private readonly quota: QuotaGate,
    private readonly unmetered: UnmeteredChecks,
    private readonly log: ModerationLogStore,
    private readonly breaker: KickBanBreaker,
    private readonly facts: ActionedFacts,
    private readonly events: ModerationEvents,
    private readonly bus: Bus,
    @Inject(MODERATION_JUDGE) private readonly judge: ModerationJudge,
    @Inject(CONFIG) private readonly config: ModerationConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `lastDelivery`: the message will not come back, so a check that would wait for the router or
   * metering settles for what can be done without them.
   */
  async handle(event: MessageEventKind, applicationId: string, message: DiscordMessage, lastDelivery = false): Promise<MessageChecked> {
    const started = performance.now();
    const { result, action } = await this.check(event, applicationId, message, lastDelivery);
    messagesTotal.inc({ event, result });
    const checked: MessageChecked = { messageId: message.id, event, result, action, elapsedMs: performance.now() - started };
    this.events.emit('checked', checked);
    return checked;
  }

  private async check(
    event: MessageEventKind,
    applicationId: string,
    message: DiscordMessage,
    lastDelivery: boolean,
  ): Promise<{ result: string; action: ModerationAction | null }> {
    const skip = (why: string) => ({ result: `skipped_${why}`, action: null });
    const guildId = message.guild_id;
    if (!guildId) return skip('not_in_guild');
    const owner = this.guilds.resolve(guildId, applicationId);
    // Both bots get the event when a guild linked to a tenant's own bot still has the platform bot.
    if (owner.kind === 'other_application') return skip('other_application');
    if (owner.kind !== 'tenant' || !owner.settings.moderation.enabled) return skip('disabled');
    const settings = owner.settings.moderation;
    const author = message.author;
    if (!author || author.bot || author.system || message.webhook_id || author.id === applicationId) return skip('bot');
    if (message.type !== undefined && !MEMBER_MESSAGE_TYPES.has(message.type)) return skip('not_a_member_message');
    // An update without an edit time is Discord filling in embeds, not the member changing the text.
    if (event === 'update' && (!message.edited_timestamp || message.content === undefined)) return skip('not_an_edit');
    const content = message.content ?? '';
    const attachmentUrls = (message.attachments ?? []).map((attachment) => attachment.url);
    // The judge reads text: files without a word could not break a rule it can see, and a
    // check of them would still cost a message of quota.
    if (!content.trim()) return skip('empty');

    const authorName = message.member?.nick || author.global_name || author.username;
    const memberRoleIds = message.member?.roles ?? [];
    if (event === 'create') {
      this.recent.record(message.channel_id, {
        messageId: message.id,
        authorId: author.id,
        author: authorName,
        content,
        sentAtMs: message.timestamp ? Date.parse(message.timestamp) : Date.now(),
      });
    }
    if (settings.exemptChannelIds.includes(message.channel_id)) return skip('exempt_channel');
    if (memberRoleIds.some((roleId) => settings.exemptRoleIds.includes(roleId))) return skip('exempt_role');

    const found = await this.directoryFor(guildId, applicationId, message, lastDelivery);
    if (!found) return skip('directory_unavailable');
    const { directory, channel } = found;
    // A thread of an exempt channel, or a channel (or its thread) in an exempt category.
    if (channel && channelAndParents(directory, channel).some((id) => settings.exemptChannelIds.includes(id))) {
      return skip('exempt_channel');
    }
    const bot = directory ? new BotCapabilities(directory) : undefined;
    const joinedAt = message.member?.joined_at ? new Date(message.member.joined_at) : undefined;
    const place = {
      channelId: message.channel_id,
      authorId: author.id,
      memberRoleIds,
      joinedAt: joinedAt && !Number.isNaN(joinedAt.getTime()) ? joinedAt : undefined,
    };
    // Not worth a check (nor a message of quota) when nothing enabled could touch this member.
    if (bot?.hierarchyBlock(place) && !settings.actions.delete && !settings.actions.warn) return skip('untouchable_member');

    const messageVersion = event === 'update' ? message.edited_timestamp! : 'create';
    const reservation = { tenantId: owner.tenantId, guildId, operationId: `moderation:${message.id}:${messageVersion}` };
    const logged = await this.log.findVersions(message.id);
    // One action per message, not per version: judging an edit again would warn or time out twice,
    // or carry out a ban the breaker held for review. (A version judged to no action left no entry.)
    const handledAsAnotherVersion = (entries: LogRow[]) =>
      entries.some((entry) => entry.messageVersion !== messageVersion && isHandled(entry));
    const already = logged.find((entry) => entry.messageVersion === messageVersion);
    if (already) {
      await this.carryOut(already);
      // An earlier delivery may have acted while metering was away: count it now (once: same operation id).
      await this.countLaterIfUnmetered(await this.quota.reserve(reservation), reservation);
      return { result: 'resumed', action: already.action };
    }
    if (handledAsAnotherVersion(logged)) return skip('already_handled');

    const quota = await this.quota.reserve(reservation);
    if (quota.kind === 'denied') return { result: 'quota_denied', action: null };

    // The offline judge reads no language; detecting it costs more than its detectors.
    const language = this.judge.name === 'offline' ? 'en' : detectLanguage(content);
    const judgedAt = performance.now();
    const held = this.takeHeldVerdict(reservation.operationId);
    const verdict = held ?? await this.judge.judge({
      message: content,
      authorName,
      authorId: author.id,
      channelName: channel?.name,
      recentChannelMessages: this.recent.before(message.channel_id, message.id),
      rules: settings.rules,
      language,
    });
    // Without metering, nothing destructive happens unmetered (fail closed).
    const decision = chooseAction({
      verdict,
      enabled: settings.actions,
      minConfidence: this.config.MODERATION_MIN_CONFIDENCE,
      ceiling: quota.kind === 'unavailable' ? 'delete' : undefined,
    });
    decisionSeconds.observe({ engine: verdict.engine }, (performance.now() - judgedAt) / 1000);
    if (verdict.usage && !held) {
      llmTokens.inc({ kind: 'input' }, verdict.usage.inputTokens);
      llmTokens.inc({ kind: 'output' }, verdict.usage.outputTokens);
      llmTokens.inc({ kind: 'cache_read' }, verdict.usage.cacheReadTokens);
      llmTokens.inc({ kind: 'cache_creation' }, verdict.usage.cacheCreationTokens);
    }
    if (quota.kind === 'unavailable' && decision.action !== 'delete') {
      // Held below a timeout, kick or ban it calls for, and could carry out, the message is not
      // settled with a warning or nothing: it comes back, to be acted on once metering answers.
      const full = chooseAction({ verdict, enabled: settings.actions, minConfidence: this.config.MODERATION_MIN_CONFIDENCE });
      const couldAct = full.action && isMemberAction(full.action) && !settings.shadowMode && !bot?.blockFor(full.action, place);
      if (couldAct && !lastDelivery) {
        this.holdVerdict(reservation.operationId, verdict);
        await this.countLaterIfUnmetered(quota, reservation);
        throw new ActionAwaitsMeteringError(
          `message ${message.id} calls for a ${full.action}, which waits for metering to answer (${quota.error}); the message is delivered again`,
        );
      }
    }
    if (decision.action === null) {
      if (verdict.violation) {
        this.logger.debug({ guildId, messageId: message.id, reason: decision.reason, verdict }, 'violation without action');
      }
      await this.countLaterIfUnmetered(quota, reservation);
      return { result: 'no_action', action: null };
    }

    const action = decision.action;
    const entry: Omit<NewLogEntry, Exclude<keyof Outcome, 'action'>> = {
      tenantId: owner.tenantId,
      applicationId,
      guildId,
      channelId: message.channel_id,
      channelName: channel?.name ?? null,
      messageId: message.id,
      messageVersion,
      authorId: author.id,
      authorName,
      content,
      attachmentUrls,
      action,
      rule: verdict.rule ?? null,
      reason: verdict.reason,
      severity: verdict.severity === 'none' ? 'low' : verdict.severity,
      confidence: verdict.confidence,
      engine: verdict.engine,
      fallback: verdict.fallback === true,
    };
    const inserted = await this.log.withMessageLock(message.id, async (transaction) => {
      // Again under the lock: the create and an edit come through separate consumers and may be judged at once.
      if (handledAsAnotherVersion(await this.log.findVersions(message.id, transaction))) return undefined;
      const version = { messageId: message.id, messageVersion };
      const outcome = await this.outcomeOf(action, settings, bot, place, version, guildId, transaction);
      return this.log.insertOnce({ ...entry, ...outcome, action: outcome.action ?? action }, transaction);
    });
    if (!inserted) return skip('already_handled');
    const { row, created } = inserted;
    if (created) {
      decisionsTotal.inc({ action: row.action, outcome: row.outcome });
      this.logDecision(row, verdict);
    }
    await this.carryOut(row);
    await this.countLaterIfUnmetered(quota, reservation);
    return { result: created ? 'logged' : 'resumed', action: row.action };
  }

  /**
   * The guild's directory and the message's channel in it; undefined when it stayed unavailable
   * up to the message's last delivery (when in doubt, no action: the channel may be exempt).
   */
  private async directoryFor(guildId: string, applicationId: string, message: DiscordMessage, lastDelivery: boolean) {
    try {
      return await this.directory.withChannel(guildId, applicationId, message.channel_id);
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError) || !lastDelivery) throw error;
      this.logger.warn({ guildId, channelId: message.channel_id, messageId: message.id, reason: error.message }, 'message not moderated: the guild directory stayed unavailable');
      return undefined;
    }
  }

  /** Keeps the verdict of a message sent back to wait for metering: its redelivery does not pay the model again. */
  private holdVerdict(operationId: string, verdict: ModerationVerdict): void {
    this.heldVerdicts.delete(operationId);
    this.heldVerdicts.set(operationId, { verdict, until: Date.now() + HELD_VERDICT_MS });
    if (this.heldVerdicts.size > MAX_HELD_VERDICTS) this.heldVerdicts.delete(this.heldVerdicts.keys().next().value!);
  }

  private takeHeldVerdict(operationId: string): ModerationVerdict | undefined {
    const held = this.heldVerdicts.get(operationId);
    this.heldVerdicts.delete(operationId);
    return held && held.until > Date.now() ? held.verdict : undefined;
  }

  /** A check metering did not count is kept until it does: the message is judged once, whatever the outage. */
  private async countLaterIfUnmetered(quota: QuotaAnswer, reservation: QuotaReservation): Promise<void> {
    if (quota.kind === 'unavailable') await this.unmetered.add(reservation);
  }

  /** Shadow, blocked, flagged, or pending with the command that will carry the action out. */
  private async outcomeOf(
    action: ModerationAction,
    settings: Settings,
    bot: BotCapabilities | undefined,
    place: { channelId: string; authorId: string; memberRoleIds: string[]; joinedAt?: Date },
    version: { messageId: string; messageVersion: string },
    guildId: string,
    transaction: EntityManager,
  ): Promise<Outcome> {
    const block: ActionBlock | undefined = bot?.blockFor(action, place);
    if (settings.shadowMode) {
      return {
        outcome: 'shadow',
        blockReason: block?.blockReason ?? null,
        detail: block ? `would have been blocked: ${block.detail}` : null,
        commandId: null,
      };
    }
    if (block) return { outcome: 'blocked', blockReason: block.blockReason, detail: block.detail, commandId: null };
    const slot =
      action === 'kick' || action === 'ban'
        ? await this.breaker.tryTake(guildId, memberSlotKey(guildId, place.authorId), settings.breaker, transaction, place.joinedAt)
        : undefined;
    if (slot === 'held') {
      // An earlier message of the member is already having them kicked or banned: removing them
      // again would fail (they are gone), but this message is still up.
      const detail = 'the member is already being kicked or banned for an earlier message';
      if (!settings.actions.delete) return { outcome: 'done', blockReason: null, detail, commandId: null };
      return {
        action: 'delete',
        outcome: 'pending',
        blockReason: null,
        detail: `${detail}; this message is deleted`,
        commandId: commandIdFor(version.messageId, version.messageVersion, 'delete'),
      };
    }
    if (slot === 'full') {
      breakerTripsTotal.inc();
      return {
        outcome: 'flagged',
        blockReason: null,
        detail: `circuit breaker: more than ${settings.breaker.maxKicksAndBans} kicks and bans within ${settings.breaker.windowMinutes} minutes; flagged for review instead`,
        commandId: null,
      };
    }
    // A timed-out or kicked member's scam link would otherwise stay up (and a banned member's,
    // when it is older than the history the ban deletes: an old message edited into one).
    const deletesMessageToo = settings.actions.delete && isMemberAction(action) && !bot?.blockFor('delete', place);
    return {
      outcome: 'pending',
      blockReason: null,
      detail: deletesMessageToo ? MESSAGE_DELETED_TOO : null,
      commandId: commandIdFor(version.messageId, version.messageVersion, action),
    };
  }

  /** Sends the entry's command while it awaits an outcome, or publishes the final fact; both are idempotent. */
  private async carryOut(row: LogRow): Promise<void> {
    if (!awaitsOutcome(row)) {
      await this.facts.publish(row);
      return;
    }
    const settings = this.guilds.get(row.guildId, row.applicationId)?.settings.moderation;
    const target: ActionTarget = {
      messageVersion: row.messageVersion,
      tenantId: row.tenantId,
      applicationId: row.applicationId,
      guildId: row.guildId,
      channelId: row.channelId,
      messageId: row.messageId,
      authorId: row.authorId,
      rule: row.rule ?? 'server rules',
      // Only a warning has words of its own, in the member's language.
      language: row.action === 'warn' ? detectLanguage(row.content) : 'en',
      timeoutMinutes: settings?.timeoutMinutes ?? 10,
      banDeleteMessageSeconds: this.config.MODERATION_BAN_DELETE_SECONDS,
    };
    if (row.detail?.endsWith(MESSAGE_DELETED_TOO)) {
      // Sent first: once the action's outcome is in, the entry no longer awaits one and a
      // redelivery would not send this delete again.
      const removal = messageRemovalCommand(row.action, target);
      await this.bus.publish(commandSubject(removal), encode(DiscordCommandSchema, removal), { msgId: removal.commandId });
    }
    const command = moderationCommand(row.action, target);
    await this.bus.publish(commandSubject(command), encode(DiscordCommandSchema, command), { msgId: command.commandId });
  }

  private logDecision(row: LogRow, verdict: ModerationVerdict): void {
    const fields = {
      tenantId: row.tenantId,
      guildId: row.guildId,
      channelId: row.channelId,
      messageId: row.messageId,
      authorId: row.authorId,
      action: row.action,
      outcome: row.outcome,
      detail: row.detail,
      rule: row.rule,
      severity: row.severity,
      confidence: row.confidence,
      engine: verdict.engine,
      fallback: row.fallback,
    };
    if (row.outcome === 'flagged') this.logger.warn(fields, 'circuit breaker tripped: kick/ban flagged for review');
    else if (row.outcome === 'blocked') this.logger.warn(fields, `moderation action blocked: ${row.detail}`);
    else this.logger.info(fields, row.outcome === 'shadow' ? 'moderation decision (shadow mode, nothing done)' : 'moderation action');
  }
}
