import type { Language, ModerationAction } from '@steward/ai';
import { create, DiscordCommandSchema, type DiscordCommand } from '@steward/contracts';

/** Every moderation command id starts so; egress results for other commands are not ours. */
export const COMMAND_ID_PREFIX = 'moderation:';

/** One command per message version and action: a redelivered event or a second replica sends the same command. */
export function commandIdFor(messageId: string, messageVersion: string, action: ModerationAction): string {
  return `${COMMAND_ID_PREFIX}${messageId}:${messageVersion}:${action}`;
}

/** Ends the id of the command that deletes the message of a member an action times out, kicks or bans. */
const MESSAGE_REMOVAL_SUFFIX = ':message';

/** The id of the action's command when `commandId` is that of the delete sent along with it. */
export function actionOfMessageRemoval(commandId: string): string | undefined {
  return commandId.endsWith(MESSAGE_REMOVAL_SUFFIX) ? commandId.slice(0, -MESSAGE_REMOVAL_SUFFIX.length) : undefined;
}

export interface ActionTarget {
  messageVersion: string;
  tenantId: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  messageId: string;
  authorId: string;
  rule: string;
  language: Language;
  timeoutMinutes: number;
  banDeleteMessageSeconds: number;
}

const WARNINGS: Record<Language, (mention: string, rule: string) => string> = {
  en: (m, r) => `⚠️ ${m}, your message breaks a rule of this server: **${r}**. Please keep to the rules.`,
  de: (m, r) => `⚠️ ${m}, deine Nachricht verstößt gegen eine Regel dieses Servers: **${r}**. Bitte halte dich an die Regeln.`,
  fr: (m, r) => `⚠️ ${m}, ton message enfreint une règle de ce serveur : **${r}**. Merci de respecter les règles.`,
  ru: (m, r) => `⚠️ ${m}, ваше сообщение нарушает правило этого сервера: **${r}**. Пожалуйста, соблюдайте правила.`,
  id: (m, r) => `⚠️ ${m}, pesanmu melanggar aturan server ini: **${r}**. Mohon patuhi aturan.`,
  tr: (m, r) => `⚠️ ${m}, mesajın bu sunucunun bir kuralını ihlal ediyor: **${r}**. Lütfen kurallara uy.`,
};

/** The rule as plain text for a warning: no markup or mentions of its own, one line, short. */
function plainRule(rule: string): string {
  const text = rule.replace(/[*_~`|>]/g, '').replace(/<[@#][!&]?\d+>/g, '').replace(/@(everyone|here)/g, '$1').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text || 'server rules';
}

export function warningText(language: Language, authorId: string, rule: string): string {
  return WARNINGS[language](`<@${authorId}>`, plainRule(rule));
}

/** The audit-log reason Discord shows server staff. */
function auditReason(rule: string): string {
  return `Steward moderation: ${rule}`.slice(0, 512);
}

/** The egress command that carries out an action. */
export function moderationCommand(action: ModerationAction, target: ActionTarget): DiscordCommand {
  const base = {
    commandId: commandIdFor(target.messageId, target.messageVersion, action),
    applicationId: target.applicationId,
    tenantId: target.tenantId,
    guildId: target.guildId,
    createdAtMs: BigInt(Date.now()),
  };
  const reason = auditReason(target.rule);
  switch (action) {
    case 'warn':
      return create(DiscordCommandSchema, {
        ...base,
        action: {
          case: 'sendMessage',
          value: {
            channelId: target.channelId,
            content: warningText(target.language, target.authorId, target.rule),
            replyToMessageId: target.messageId,
            // The warned member, and nobody else, is pinged.
            mentionUserIds: [target.authorId],
          },
        },
      });
    case 'delete':
      return create(DiscordCommandSchema, {
        ...base,
        action: { case: 'deleteMessage', value: { channelId: target.channelId, messageId: target.messageId, reason } },
      });
    case 'timeout':
      return create(DiscordCommandSchema, {
        ...base,
        action: { case: 'timeoutMember', value: { userId: target.authorId, minutes: target.timeoutMinutes, reason } },
      });
    case 'kick':
      return create(DiscordCommandSchema, { ...base, action: { case: 'kickMember', value: { userId: target.authorId, reason } } });
    case 'ban':
      return create(DiscordCommandSchema, {
        ...base,
        action: {
          case: 'banMember',
          value: { userId: target.authorId, deleteMessageSeconds: target.banDeleteMessageSeconds, reason },
        },
      });
  }
}

/**
 * The delete sent along with a timeout, kick or ban, so the message goes with the member. Also
 * with a ban, whose own deletion reaches back only `MODERATION_BAN_DELETE_SECONDS` from when a
 * message was sent: an old message edited into a violation would stay up.
 */
export function messageRemovalCommand(action: ModerationAction, target: ActionTarget): DiscordCommand {
  const command = moderationCommand('delete', target);
  command.commandId = `${commandIdFor(target.messageId, target.messageVersion, action)}${MESSAGE_REMOVAL_SUFFIX}`;
  return command;
}
