import type { EventEmitter } from 'node:events';
import { ChannelType, GatewayIntentBits, MessageType } from 'discord-api-types/v10';
import { invalidFormBody, DiscordApiError, unknownMessage } from './errors.js';
import type { GatewayServer, GatewaySession } from './gateway.js';
import type { SandboxChannel, SandboxGuild, SandboxMember, SandboxMessage, SandboxState } from './model.js';
import { apiChannel, apiGatewayGuild, apiMember, apiMessage, apiRole, apiUser } from './shapes.js';

export const MAX_CONTENT_LENGTH = 2000;

/** Discord's `allowed_mentions`: which mentions in the content actually notify. */
export interface AllowedMentions {
  parse?: Array<'users' | 'roles' | 'everyone'>;
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

export interface NewMessage {
  /** Set for a forum post's first message: Discord gives it the thread's id. */
  id?: string;
  channelId: string;
  authorId: string;
  content: string;
  referencedMessageId?: string | null;
  /** Users mentioned in addition to those written as `<@id>` in the content. */
  mentionUserIds?: string[];
  allowedMentions?: AllowedMentions;
  embeds?: unknown[];
  components?: unknown[];
  flags?: number;
  type?: number;
  webhookId?: string | null;
  applicationId?: string | null;
  interaction?: SandboxMessage['interaction'];
  /** When the message was sent; now when omitted. */
  sentAt?: Date;
}

export interface MessageEvent {
  type: 'create' | 'update' | 'delete';
  /** The message as Discord's REST API shows it. */
  message: Record<string, unknown>;
}

const USER_MENTION = /<@!?(\d{1,20})>/g;
const ROLE_MENTION = /<@&(\d{1,20})>/g;

/**
 * What happens in a guild, from whichever side it comes (a member on the control surface, a bot over REST):
 * the state change, the gateway dispatches and the sandbox's own events, in one place.
 */
export class GuildActions {
  constructor(
    private readonly state: SandboxState,
    private readonly gateway: GatewayServer,
    private readonly events: EventEmitter,
  ) {}

  guildOf(channel: SandboxChannel): SandboxGuild {
    return this.state.guilds.get(channel.guildId)!;
  }

  validateContent(content: unknown, required: boolean): string {
    if (content === undefined || content === null) {
      if (required) throw new DiscordApiError(400, 50006, 'Cannot send an empty message');
      return '';
    }
    if (typeof content !== 'string')
      throw invalidFormBody('content', 'BASE_TYPE_STRING', 'Must be a string.');
    if (content.length > MAX_CONTENT_LENGTH) {
      throw invalidFormBody(
        'content',
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${MAX_CONTENT_LENGTH} or fewer in length.`,
      );
    }
    return content;
  }

  createMessage(input: NewMessage): SandboxMessage {
    const channel = this.state.requireChannel(input.channelId);
    const guild = this.guildOf(channel);
    const content = this.validateContent(input.content, false);
    if (
      content === '' &&
      !input.embeds?.length &&
      !input.components?.length &&
      !(input.flags && input.flags & 128)
    ) {
      throw new DiscordApiError(400, 50006, 'Cannot send an empty message');
    }
    let referenced: SandboxMessage | undefined;
    if (input.referencedMessageId) {
      referenced = this.state.messages.get(input.referencedMessageId);
      if (!referenced || referenced.channelId !== channel.id) {
        throw invalidFormBody('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
    }
    const mentions = this.resolveMentions(guild, content, input, referenced);
    const message: SandboxMessage = {
      id: input.id ?? this.state.ids.next(),
      channelId: channel.id,
      guildId: guild.id,
      authorId: input.authorId,
      content,
      timestamp: (input.sentAt ?? new Date()).toISOString(),
      editedTimestamp: null,
      type: input.type ?? (referenced ? MessageType.Reply : MessageType.Default),
      flags: input.flags ?? 0,
      referencedMessageId: referenced?.id ?? null,
      mentionUserIds: mentions.users,
      mentionRoleIds: mentions.roles,
      mentionEveryone: mentions.everyone,
      embeds: input.embeds ?? [],
      components: input.components ?? [],
      webhookId: input.webhookId ?? null,
      applicationId: input.applicationId ?? null,
      interaction: input.interaction ?? null,
    };
    this.state.storeMessage(message);
    this.publishMessage('create', 'MESSAGE_CREATE', guild, message);
    return message;
  }

  editMessage(
    messageId: string,
    changes: {
      content?: string;
      embeds?: unknown[];
      components?: unknown[];
      allowedMentions?: AllowedMentions;
      flags?: number;
    },
  ): SandboxMessage {
    const message = this.state.messages.get(messageId);
    if (!message) throw unknownMessage();
    const guild = this.state.guilds.get(message.guildId)!;
    if (changes.content !== undefined) {
      message.content = this.validateContent(changes.content, false);
      const referenced = message.referencedMessageId
        ? this.state.messages.get(message.referencedMessageId)
        : undefined;
      const mentions = this.resolveMentions(
        guild,
        message.content,
        { allowedMentions: changes.allowedMentions },
        referenced,
      );
      message.mentionUserIds = mentions.users;
      message.mentionRoleIds = mentions.roles;
      message.mentionEveryone = mentions.everyone;
    }
    if (changes.embeds !== undefined) message.embeds = changes.embeds;
    if (changes.components !== undefined) message.components = changes.components;
    if (changes.flags !== undefined) message.flags = changes.flags;
    message.editedTimestamp = new Date().toISOString();
    this.publishMessage('update', 'MESSAGE_UPDATE', guild, message);
    return message;
  }

  deleteMessage(messageId: string): void {
    const message = this.state.messages.get(messageId);
    if (!message) throw unknownMessage();
    const guild = this.state.guilds.get(message.guildId)!;
    const shaped = apiMessage(this.state, message);
    this.state.removeMessage(message);
    this.events.emit('message', { type: 'delete', message: shaped } satisfies MessageEvent);
    this.gateway.dispatchToGuild(guild, 'MESSAGE_DELETE', () => ({
      id: message.id,
      channel_id: message.channelId,
      guild_id: message.guildId,
    }));
  }

  startThread(
    parent: SandboxChannel,
    message: SandboxMessage,
    name: string,
    ownerId: string,
  ): SandboxChannel {
    if (this.state.channels.has(message.id)) {
      throw new DiscordApiError(400, 160004, 'A thread has already been created for this message');
    }
    if (parent.type !== ChannelType.GuildText && parent.type !== ChannelType.GuildAnnouncement) {
      throw new DiscordApiError(400, 50024, 'Cannot execute action on this channel type');
    }
    const thread = this.state.createThread(parent, message.id, name, ownerId);
    this.gateway.dispatchToGuild(this.guildOf(parent), 'THREAD_CREATE', () => ({
      ...apiChannel(thread),
      newly_created: true,
    }));
    return thread;
  }

  /** A post in a forum channel: the thread (THREAD_CREATE), then its first message, which has the thread's id. */
  createForumPost(
    forum: SandboxChannel,
    authorId: string,
    name: string,
    content: string,
  ): { thread: SandboxChannel; message: SandboxMessage } {
    if (forum.type !== ChannelType.GuildForum) {
      throw new DiscordApiError(400, 50024, 'Cannot execute action on this channel type');
    }
    this.validateContent(content, true);
    const id = this.state.ids.next();
    const thread = this.state.createThread(forum, id, name, authorId);
    this.gateway.dispatchToGuild(this.guildOf(forum), 'THREAD_CREATE', () => ({
      ...apiChannel(thread),
      newly_created: true,
    }));
    return { thread, message: this.createMessage({ id, channelId: thread.id, authorId, content }) };
  }

  typing(channel: SandboxChannel, userId: string): void {
    const guild = this.guildOf(channel);
    const member = guild.members.get(userId);
    this.gateway.dispatchToGuild(guild, 'TYPING_START', () => ({
      channel_id: channel.id,
      guild_id: guild.id,
      user_id: userId,
      timestamp: Math.floor(Date.now() / 1000),
      ...(member ? { member: apiMember(this.state, member) } : {}),
    }));
  }

  memberUpdated(guild: SandboxGuild, member: SandboxMember): void {
    this.gateway.dispatchToGuild(guild, 'GUILD_MEMBER_UPDATE', () => ({
      guild_id: guild.id,
      ...apiMember(this.state, member),
    }));
  }

  memberAdded(guild: SandboxGuild, member: SandboxMember): void {
    this.gateway.dispatchToGuild(guild, 'GUILD_MEMBER_ADD', () => ({
      guild_id: guild.id,
      ...apiMember(this.state, member),
    }));
  }

  removeMember(guild: SandboxGuild, userId: string): void {
    const user = this.state.users.get(userId)!;
    // Dispatch before removal: a bot that is removed still hears that it left.
    this.gateway.dispatchToGuild(guild, 'GUILD_MEMBER_REMOVE', () => ({
      guild_id: guild.id,
      user: apiUser(user),
    }));
    guild.members.delete(userId);
  }

  ban(guild: SandboxGuild, userId: string, reason: string | null, deleteMessageSeconds: number): void {
    const user = this.state.users.get(userId)!;
    guild.bans.set(userId, { reason });
    this.gateway.dispatchToGuild(guild, 'GUILD_BAN_ADD', () => ({ guild_id: guild.id, user: apiUser(user) }));
    if (deleteMessageSeconds > 0) {
      const since = Date.now() - deleteMessageSeconds * 1000;
      const doomed = [...this.state.messages.values()].filter(
        (message) =>
          message.guildId === guild.id &&
          message.authorId === userId &&
          Date.parse(message.timestamp) >= since,
      );
      for (const message of doomed) this.deleteMessage(message.id);
    }
    if (guild.members.has(userId)) this.removeMember(guild, userId);
  }

  unban(guild: SandboxGuild, userId: string): void {
    guild.bans.delete(userId);
    const user = this.state.users.get(userId)!;
    this.gateway.dispatchToGuild(guild, 'GUILD_BAN_REMOVE', () => ({
      guild_id: guild.id,
      user: apiUser(user),
    }));
  }

  channelCreated(channel: SandboxChannel): void {
    this.gateway.dispatchToGuild(this.guildOf(channel), 'CHANNEL_CREATE', () => apiChannel(channel));
  }

  roleChanged(guild: SandboxGuild, roleId: string, created: boolean): void {
    const role = guild.roles.get(roleId)!;
    this.gateway.dispatchToGuild(guild, created ? 'GUILD_ROLE_CREATE' : 'GUILD_ROLE_UPDATE', () => ({
      guild_id: guild.id,
      role: apiRole(role),
    }));
  }

  /** The bot joined: its application gets GUILD_CREATE, the others hear of a new member. */
  botJoined(guild: SandboxGuild, applicationId: string): void {
    const application = this.state.requireApplication(applicationId);
    const member = guild.members.get(application.botUserId)!;
    this.gateway.dispatchToApplication(applicationId, guild.id, 'GUILD_CREATE', () =>
      apiGatewayGuild(this.state, guild, application),
    );
    for (const other of this.state.applicationsIn(guild)) {
      if (other.id === applicationId) continue;
      this.gateway.dispatchToApplication(other.id, guild.id, 'GUILD_MEMBER_ADD', () => ({
        guild_id: guild.id,
        ...apiMember(this.state, member),
      }));
    }
  }

  private publishMessage(
    type: 'create' | 'update',
    event: string,
    guild: SandboxGuild,
    message: SandboxMessage,
  ): void {
    this.events.emit('message', { type, message: apiMessage(this.state, message) } satisfies MessageEvent);
    this.gateway.dispatchToGuild(guild, event, (session: GatewaySession) =>
      apiMessage(this.state, message, {
        forGateway: true,
        hideContentFrom:
          session.intents & GatewayIntentBits.MessageContent ? undefined : session.application.botUserId,
      }),
    );
  }

  private resolveMentions(
    guild: SandboxGuild,
    content: string,
    input: { mentionUserIds?: string[]; allowedMentions?: AllowedMentions; authorId?: string },
    referenced: SandboxMessage | undefined,
  ): { users: string[]; roles: string[]; everyone: boolean } {
    const allowed = input.allowedMentions;
    const parse = new Set(allowed ? (allowed.parse ?? []) : ['users', 'roles', 'everyone']);
    const allowUser = (id: string) => parse.has('users') || (allowed?.users ?? []).includes(id);
    const allowRole = (id: string) => parse.has('roles') || (allowed?.roles ?? []).includes(id);
    const users = new Set<string>();
    for (const [, id] of content.matchAll(USER_MENTION))
      if (this.state.users.has(id!) && allowUser(id!)) users.add(id!);
    for (const id of input.mentionUserIds ?? []) if (this.state.users.has(id)) users.add(id);
    // Replies ping the replied-to author unless allowed_mentions says otherwise.
    const pingReplied = allowed ? allowed.replied_user === true : true;
    if (referenced && pingReplied && referenced.authorId !== input.authorId) users.add(referenced.authorId);
    const roles = new Set<string>();
    for (const [, id] of content.matchAll(ROLE_MENTION))
      if (guild.roles.has(id!) && allowRole(id!)) roles.add(id!);
    const everyone = parse.has('everyone') && /@(everyone|here)\b/.test(content);
    return { users: [...users], roles: [...roles], everyone };
  }
}

export function validateAllowedMentions(value: unknown): AllowedMentions | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object')
    throw invalidFormBody(
      'allowed_mentions',
      'MODEL_TYPE_CONVERT',
      'Only dictionaries may be used in a ModelType',
    );
  const allowed = value as AllowedMentions;
  const parse = allowed.parse ?? [];
  if (!Array.isArray(parse) || parse.some((entry) => !['users', 'roles', 'everyone'].includes(entry))) {
    throw invalidFormBody(
      'allowed_mentions.parse',
      'ENUM_TYPE_COERCE',
      'Value must be one of ("roles", "users", "everyone").',
    );
  }
  if (parse.includes('users') && allowed.users?.length) {
    throw invalidFormBody(
      'allowed_mentions',
      'SET_TYPE_ALREADY_CONTAINS_VALUE',
      'parse:["users"] and users: [ids...] are mutually exclusive.',
    );
  }
  if (parse.includes('roles') && allowed.roles?.length) {
    throw invalidFormBody(
      'allowed_mentions',
      'SET_TYPE_ALREADY_CONTAINS_VALUE',
      'parse:["roles"] and roles: [ids...] are mutually exclusive.',
    );
  }
  return allowed;
}
