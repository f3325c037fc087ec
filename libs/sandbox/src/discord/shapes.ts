import { ApplicationFlags, GatewayIntentBits } from 'discord-api-types/v10';
import type {
  SandboxApplication,
  SandboxChannel,
  SandboxGuild,
  SandboxMember,
  SandboxMessage,
  SandboxRole,
  SandboxState,
  SandboxUser,
} from './model.js';

// Serializers from the sandbox's state to the JSON objects Discord sends (snake_case, string permissions).

export function apiUser(user: SandboxUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName,
    avatar: null,
    bot: user.bot,
    system: false,
    public_flags: 0,
  };
}

export function apiRole(role: SandboxRole): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    hoist: role.hoist,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.botId !== null,
    mentionable: role.mentionable,
    flags: 0,
    ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
  };
}

/** A guild member; `withUser` false gives the partial member Discord embeds in MESSAGE_CREATE. */
export function apiMember(
  state: SandboxState,
  member: SandboxMember,
  withUser = true,
): Record<string, unknown> {
  const shaped: Record<string, unknown> = {
    nick: member.nick,
    avatar: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: member.communicationDisabledUntil,
  };
  if (withUser) shaped.user = apiUser(state.users.get(member.userId)!);
  return shaped;
}

export function apiChannel(channel: SandboxChannel): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    topic: channel.topic,
    nsfw: false,
    parent_id: channel.parentId,
    rate_limit_per_user: 0,
    last_message_id: null,
    permission_overwrites: channel.permissionOverwrites.map((overwrite) => ({
      id: overwrite.id,
      type: overwrite.type,
      allow: overwrite.allow.toString(),
      deny: overwrite.deny.toString(),
    })),
    ...(channel.ownerId
      ? {
          owner_id: channel.ownerId,
          thread_metadata: {
            archived: false,
            locked: false,
            auto_archive_duration: 1440,
            archive_timestamp: new Date().toISOString(),
          },
        }
      : {}),
  };
}

export function apiGuild(guild: SandboxGuild): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map(apiRole),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.channelIds[0] ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
  };
}

/** The GUILD_CREATE payload an application receives for a guild on its shard. */
export function apiGatewayGuild(state: SandboxState, guild: SandboxGuild, application: SandboxApplication) {
  const channels = guild.channelIds.map((id) => state.channels.get(id)!);
  const botMember = guild.members.get(application.botUserId);
  const members = new Set<SandboxMember>([guild.members.get(guild.ownerId)!]);
  if (botMember) members.add(botMember);
  return {
    ...apiGuild(guild),
    joined_at: botMember?.joinedAt ?? new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: [...members].filter(Boolean).map((member) => apiMember(state, member)),
    channels: channels.filter((channel) => channel.ownerId === null).map(apiChannel),
    threads: channels.filter((channel) => channel.ownerId !== null).map(apiChannel),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function applicationFlags(application: SandboxApplication): number {
  let flags = 0;
  if (application.privilegedIntents & GatewayIntentBits.MessageContent)
    flags |= ApplicationFlags.GatewayMessageContent;
  if (application.privilegedIntents & GatewayIntentBits.GuildMembers)
    flags |= ApplicationFlags.GatewayGuildMembers;
  if (application.privilegedIntents & GatewayIntentBits.GuildPresences)
    flags |= ApplicationFlags.GatewayPresence;
  return flags;
}

export function apiApplication(
  state: SandboxState,
  application: SandboxApplication,
): Record<string, unknown> {
  return {
    id: application.id,
    name: application.name,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: application.publicKey,
    flags: applicationFlags(application),
    interactions_endpoint_url: application.interactionsEndpointUrl,
    bot: apiUser(state.users.get(application.botUserId)!),
    owner: { id: '0', username: 'sandbox', discriminator: '0', global_name: null, avatar: null },
    team: null,
    approximate_guild_count: state.guildsOf(application.id).length,
  };
}

export interface MessageShapeOptions {
  /** Gateway dispatches carry `guild_id` and the author's partial `member`. */
  forGateway?: boolean;
  /** Content is blanked for a bot without the MESSAGE_CONTENT intent unless it was mentioned or wrote it. */
  hideContentFrom?: string;
  /** How deep `referenced_message` goes (Discord includes one level). */
  depth?: number;
}

export function apiMessage(
  state: SandboxState,
  message: SandboxMessage,
  options: MessageShapeOptions = {},
): Record<string, unknown> {
  const author = state.users.get(message.authorId)!;
  const guild = state.guilds.get(message.guildId);
  const hidden =
    options.hideContentFrom !== undefined &&
    options.hideContentFrom !== message.authorId &&
    !message.mentionUserIds.includes(options.hideContentFrom);
  const referenced = message.referencedMessageId
    ? state.messages.get(message.referencedMessageId)
    : undefined;
  const shaped: Record<string, unknown> = {
    id: message.id,
    type: message.type,
    channel_id: message.channelId,
    author: apiUser(author),
    content: hidden ? '' : message.content,
    timestamp: message.timestamp,
    edited_timestamp: message.editedTimestamp,
    tts: false,
    mention_everyone: message.mentionEveryone,
    mentions: message.mentionUserIds
      .map((id) => state.users.get(id))
      .filter((user): user is SandboxUser => user !== undefined)
      .map((user) => {
        const member = guild?.members.get(user.id);
        return options.forGateway && member
          ? { ...apiUser(user), member: apiMember(state, member, false) }
          : apiUser(user);
      }),
    mention_roles: [...message.mentionRoleIds],
    attachments: [],
    embeds: hidden ? [] : message.embeds,
    components: hidden ? [] : message.components,
    pinned: false,
    flags: message.flags,
  };
  if (message.webhookId) shaped.webhook_id = message.webhookId;
  if (message.applicationId) shaped.application_id = message.applicationId;
  if (message.interaction) {
    shaped.interaction_metadata = {
      id: message.interaction.id,
      type: message.interaction.type,
      user: apiUser(state.users.get(message.interaction.userId)!),
      authorizing_integration_owners: { '0': message.guildId },
      ...(message.interaction.interactedMessageId
        ? { interacted_message_id: message.interaction.interactedMessageId }
        : {}),
    };
  }
  if (message.referencedMessageId) {
    shaped.message_reference = {
      type: 0,
      message_id: message.referencedMessageId,
      channel_id: message.channelId,
      guild_id: message.guildId,
    };
    const depth = options.depth ?? 0;
    shaped.referenced_message =
      referenced && depth < 1
        ? apiMessage(state, referenced, { ...options, forGateway: false, depth: depth + 1 })
        : null;
  }
  if (options.forGateway) {
    shaped.guild_id = message.guildId;
    const member = guild?.members.get(message.authorId);
    if (member && !message.webhookId) shaped.member = apiMember(state, member, false);
  }
  return shaped;
}
