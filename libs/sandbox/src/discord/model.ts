import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { ChannelType, GatewayIntentBits } from 'discord-api-types/v10';
import { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS } from './permissions.js';
import { isSnowflake, type SnowflakeGenerator } from './snowflake.js';
import { SandboxInputError } from './errors.js';

/** The intents Discord calls privileged: an application must be granted them before it may request them. */
export const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

export interface SandboxUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
}

export interface SandboxApplication {
  id: string;
  name: string;
  token: string;
  clientSecret: string;
  /** Hex of the raw Ed25519 public key, as Discord shows it ("verify_key"). */
  publicKey: string;
  publicKeyObject: KeyObject;
  privateKey: KeyObject;
  botUserId: string;
  /** Bitfield of the privileged gateway intents the application has been granted. */
  privilegedIntents: number;
  interactionsEndpointUrl: string | null;
  commands: Map<string, Record<string, unknown> & { id: string; name: string }>;
}

export interface SandboxRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  /** Set for the role Discord creates for a bot when it joins. */
  botId: string | null;
}

export interface SandboxMember {
  userId: string;
  roles: string[];
  nick: string | null;
  joinedAt: string;
  communicationDisabledUntil: string | null;
}

export interface PermissionOverwrite {
  id: string;
  /** 0 = role, 1 = member */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface SandboxChannel {
  id: string;
  guildId: string;
  name: string;
  type: ChannelType;
  position: number;
  topic: string | null;
  parentId: string | null;
  permissionOverwrites: PermissionOverwrite[];
  /** For threads: the member who started it. */
  ownerId: string | null;
}

export interface SandboxGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, SandboxRole>;
  members: Map<string, SandboxMember>;
  bans: Map<string, { reason: string | null }>;
  channelIds: string[];
}

export interface SandboxMessage {
  id: string;
  channelId: string;
  guildId: string;
  authorId: string;
  content: string;
  timestamp: string;
  editedTimestamp: string | null;
  /** Discord message type: 0 default, 19 reply, 20 slash-command response. */
  type: number;
  flags: number;
  referencedMessageId: string | null;
  mentionUserIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
  embeds: unknown[];
  components: unknown[];
  /** Set on messages a bot sent through an interaction token (Discord marks them with the application id). */
  webhookId: string | null;
  applicationId: string | null;
  interaction: {
    id: string;
    type: number;
    name: string;
    userId: string;
    /** For answers to a pressed button: the message that carries it. */
    interactedMessageId?: string;
  } | null;
}

export interface CreateApplicationInput {
  name: string;
  id?: string;
  token?: string;
  /** Privileged intents granted to the application; all three unless said otherwise. */
  privilegedIntents?: number;
  /** 32-byte hex seed for the Ed25519 key, for a public key that stays the same across restarts. */
  keySeed?: string;
  clientSecret?: string;
  interactionsEndpointUrl?: string | null;
}

export interface CreateGuildInput {
  name: string;
  id?: string;
  ownerId?: string;
  applicationIds?: string[];
}

export interface CreateChannelInput {
  guildId: string;
  name: string;
  type?: ChannelType;
  topic?: string | null;
  parentId?: string | null;
  permissionOverwrites?: Array<{ id: string; type: 0 | 1; allow?: bigint | string; deny?: bigint | string }>;
}

export interface CreateRoleInput {
  guildId: string;
  name: string;
  permissions?: bigint | string;
  position?: number;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface CreateMemberInput {
  guildId: string;
  username: string;
  id?: string;
  roles?: string[];
  bot?: boolean;
  globalName?: string;
}

/** How long Discord remembers a message nonce for `enforce_nonce` ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60 * 1000;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519KeyPair(seedHex?: string): { privateKey: KeyObject; publicKey: KeyObject } {
  if (seedHex === undefined) return generateKeyPairSync('ed25519');
  if (!/^[0-9a-f]{64}$/i.test(seedHex)) throw new SandboxInputError('keySeed must be 32 bytes of hex');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function rawPublicKeyHex(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url').toString('hex');
}

export function toPermissionBits(value: bigint | string | number | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  throw new SandboxInputError(
    `permissions must be a non-negative integer or decimal string, got ${String(value)}`,
  );
}

function requireName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) {
    throw new SandboxInputError(`${what} must be a non-empty string of at most 100 characters`);
  }
  return value;
}

/** Everything the sandbox knows: users, applications, guilds, channels, messages. No protocol concerns here. */
export class SandboxState {
  readonly users = new Map<string, SandboxUser>();
  readonly applications = new Map<string, SandboxApplication>();
  readonly guilds = new Map<string, SandboxGuild>();
  readonly channels = new Map<string, SandboxChannel>();
  readonly messages = new Map<string, SandboxMessage>();
  /** Message ids per channel, in creation order. */
  readonly channelMessages = new Map<string, string[]>();
  /** `<channel>:<author>:<nonce>` of recent messages, oldest first, for `enforce_nonce`. */
  private readonly recentNonces = new Map<string, { messageId: string; at: number }>();

  constructor(readonly ids: SnowflakeGenerator) {}

  private newId(requested: string | undefined, taken: (id: string) => boolean, what: string): string {
    if (requested === undefined) return this.ids.next();
    if (!isSnowflake(requested))
      throw new SandboxInputError(`${what} id must be a snowflake (decimal string)`);
    if (taken(requested)) throw new SandboxInputError(`${what} ${requested} already exists`);
    return requested;
  }

  createUser(input: { username: string; id?: string; bot?: boolean; globalName?: string }): SandboxUser {
    const user: SandboxUser = {
      id: this.newId(input.id, (id) => this.users.has(id), 'user'),
      username: requireName(input.username, 'username'),
      globalName: input.globalName ?? null,
      bot: input.bot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  createApplication(input: CreateApplicationInput): SandboxApplication {
    const name = requireName(input.name, 'application name');
    const id = this.newId(input.id, (candidate) => this.applications.has(candidate), 'application');
    if (this.users.has(id)) throw new SandboxInputError(`id ${id} is already used by a user`);
    const bot = this.createUser({ id, username: name, bot: true });
    const { privateKey, publicKey } = ed25519KeyPair(input.keySeed);
    const token =
      input.token ??
      `${Buffer.from(id).toString('base64url')}.sandbox.${randomBytes(20).toString('base64url')}`;
    if ([...this.applications.values()].some((app) => app.token === token)) {
      throw new SandboxInputError('another application already uses this token');
    }
    const privilegedIntents = input.privilegedIntents ?? PRIVILEGED_INTENTS;
    if ((privilegedIntents & ~PRIVILEGED_INTENTS) !== 0) {
      throw new SandboxInputError(
        'privilegedIntents may only contain GuildMembers, GuildPresences and MessageContent',
      );
    }
    const application: SandboxApplication = {
      id,
      name,
      token,
      clientSecret: input.clientSecret ?? randomBytes(16).toString('hex'),
      publicKey: rawPublicKeyHex(publicKey),
      publicKeyObject: publicKey,
      privateKey,
      botUserId: bot.id,
      privilegedIntents,
      interactionsEndpointUrl: input.interactionsEndpointUrl ?? null,
      commands: new Map(),
    };
    this.applications.set(id, application);
    return application;
  }

  createGuild(input: CreateGuildInput): SandboxGuild {
    const name = requireName(input.name, 'guild name');
    const applicationIds = input.applicationIds ?? [];
    for (const appId of applicationIds) this.requireApplication(appId);
    const id = this.newId(input.id, (candidate) => this.guilds.has(candidate), 'guild');
    const owner = input.ownerId
      ? this.requireUser(input.ownerId)
      : this.createUser({ username: `${name} owner` });
    const guild: SandboxGuild = {
      id,
      name,
      ownerId: owner.id,
      roles: new Map(),
      members: new Map(),
      bans: new Map(),
      channelIds: [],
    };
    guild.roles.set(id, {
      id,
      name: '@everyone',
      permissions: DEFAULT_EVERYONE_PERMISSIONS,
      position: 0,
      color: 0,
      hoist: false,
      mentionable: false,
      botId: null,
    });
    this.guilds.set(id, guild);
    this.addMember(guild, owner.id, []);
    this.createChannel({ guildId: id, name: 'general' });
    for (const appId of applicationIds) this.addBot(guild, appId, DEFAULT_BOT_PERMISSIONS);
    return guild;
  }

  /** Adds an application's bot to a guild with its managed role, as an OAuth2 bot install does. */
  addBot(guild: SandboxGuild, applicationId: string, permissions: bigint): SandboxMember {
    const application = this.requireApplication(applicationId);
    const existing = guild.members.get(application.botUserId);
    if (existing) return existing;
    const role = this.createRole({ guildId: guild.id, name: application.name, permissions });
    role.botId = application.botUserId;
    return this.addMember(guild, application.botUserId, [role.id]);
  }

  createChannel(input: CreateChannelInput): SandboxChannel {
    const guild = this.requireGuild(input.guildId);
    const name = requireName(input.name, 'channel name');
    const type = input.type ?? ChannelType.GuildText;
    if (input.parentId && !this.channels.has(input.parentId)) {
      throw new SandboxInputError(`parent channel ${input.parentId} does not exist`);
    }
    const channel: SandboxChannel = {
      id: this.ids.next(),
      guildId: guild.id,
      name,
      type,
      position: guild.channelIds.length,
      topic: input.topic ?? null,
      parentId: input.parentId ?? null,
      ownerId: null,
      permissionOverwrites: (input.permissionOverwrites ?? []).map((overwrite) => ({
        id: overwrite.id,
        type: overwrite.type,
        allow: toPermissionBits(overwrite.allow, 0n),
        deny: toPermissionBits(overwrite.deny, 0n),
      })),
    };
    this.channels.set(channel.id, channel);
    this.channelMessages.set(channel.id, []);
    guild.channelIds.push(channel.id);
    return channel;
  }

  /** A thread started from a message: Discord gives it the message's id. */
  createThread(
    parent: SandboxChannel,
    startMessageId: string,
    name: string,
    ownerId: string,
  ): SandboxChannel {
    const thread: SandboxChannel = {
      id: startMessageId,
      guildId: parent.guildId,
      name: requireName(name, 'thread name'),
      type: ChannelType.PublicThread,
      position: 0,
      topic: null,
      parentId: parent.id,
      ownerId,
      permissionOverwrites: [],
    };
    this.channels.set(thread.id, thread);
    this.channelMessages.set(thread.id, []);
    this.requireGuild(parent.guildId).channelIds.push(thread.id);
    return thread;
  }

  createRole(input: CreateRoleInput): SandboxRole {
    const guild = this.requireGuild(input.guildId);
    const name = requireName(input.name, 'role name');
    const topPosition = Math.max(...[...guild.roles.values()].map((role) => role.position));
    const position = input.position ?? topPosition + 1;
    if (!Number.isInteger(position) || position < 1)
      throw new SandboxInputError('role position must be an integer >= 1');
    // Make room: roles at or above the requested position move up by one, as in Discord's role list.
    for (const role of guild.roles.values())
      if (role.id !== guild.id && role.position >= position) role.position++;
    const role: SandboxRole = {
      id: this.ids.next(),
      name,
      permissions: toPermissionBits(input.permissions, 0n),
      position,
      color: input.color ?? 0,
      hoist: input.hoist ?? false,
      mentionable: input.mentionable ?? false,
      botId: null,
    };
    guild.roles.set(role.id, role);
    return role;
  }

  createMember(input: CreateMemberInput): { user: SandboxUser; member: SandboxMember } {
    const guild = this.requireGuild(input.guildId);
    const user =
      input.id && this.users.has(input.id)
        ? this.requireUser(input.id)
        : this.createUser({
            username: input.username,
            id: input.id,
            bot: input.bot,
            globalName: input.globalName,
          });
    if (guild.members.has(user.id))
      throw new SandboxInputError(`user ${user.id} is already a member of ${guild.id}`);
    return { user, member: this.addMember(guild, user.id, input.roles ?? []) };
  }

  addMember(guild: SandboxGuild, userId: string, roles: string[]): SandboxMember {
    this.requireUser(userId);
    this.validateRoles(guild, roles);
    const member: SandboxMember = {
      userId,
      roles: [...roles],
      nick: null,
      joinedAt: new Date().toISOString(),
      communicationDisabledUntil: null,
    };
    guild.members.set(userId, member);
    return member;
  }

  validateRoles(guild: SandboxGuild, roles: string[]): void {
    for (const roleId of roles) {
      if (roleId === guild.id || !guild.roles.has(roleId)) {
        throw new SandboxInputError(`role ${roleId} is not a role of guild ${guild.id}`);
      }
    }
  }

  requireUser(id: string): SandboxUser {
    const user = this.users.get(id);
    if (!user) throw new SandboxInputError(`unknown user ${id}`);
    return user;
  }

  requireApplication(id: string): SandboxApplication {
    const application = this.applications.get(id);
    if (!application) throw new SandboxInputError(`unknown application ${id}`);
    return application;
  }

  requireGuild(id: string): SandboxGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw new SandboxInputError(`unknown guild ${id}`);
    return guild;
  }

  requireChannel(id: string): SandboxChannel {
    const channel = this.channels.get(id);
    if (!channel) throw new SandboxInputError(`unknown channel ${id}`);
    return channel;
  }

  requireMember(guildId: string, userId: string): SandboxMember {
    const member = this.requireGuild(guildId).members.get(userId);
    if (!member) throw new SandboxInputError(`user ${userId} is not a member of guild ${guildId}`);
    return member;
  }

  applicationByToken(token: string): SandboxApplication | undefined {
    for (const application of this.applications.values()) if (application.token === token) return application;
    return undefined;
  }

  /** Guilds the application's bot is a member of. */
  guildsOf(applicationId: string): SandboxGuild[] {
    const application = this.requireApplication(applicationId);
    return [...this.guilds.values()].filter((guild) => guild.members.has(application.botUserId));
  }

  /** Applications whose bot is a member of the guild. */
  applicationsIn(guild: SandboxGuild): SandboxApplication[] {
    return [...this.applications.values()].filter((application) => guild.members.has(application.botUserId));
  }

  channelHistory(channelId: string): SandboxMessage[] {
    return (this.channelMessages.get(channelId) ?? []).map((id) => this.messages.get(id)!).filter(Boolean);
  }

  storeMessage(message: SandboxMessage): void {
    this.messages.set(message.id, message);
    this.channelMessages.get(message.channelId)?.push(message.id);
  }

  /**
   * The message this author created with this nonce in this channel within the last few minutes, which
   * Discord returns instead of creating another when the request sets `enforce_nonce`.
   */
  messageWithNonce(channelId: string, authorId: string, nonce: string): SandboxMessage | undefined {
    const seen = this.recentNonces.get(`${channelId}:${authorId}:${nonce}`);
    if (!seen || Date.now() - seen.at > NONCE_WINDOW_MS) return undefined;
    return this.messages.get(seen.messageId);
  }

  rememberNonce(message: SandboxMessage, nonce: string): void {
    const now = Date.now();
    for (const [key, seen] of this.recentNonces) {
      if (now - seen.at <= NONCE_WINDOW_MS) break;
      this.recentNonces.delete(key);
    }
    const key = `${message.channelId}:${message.authorId}:${nonce}`;
    this.recentNonces.delete(key);
    this.recentNonces.set(key, { messageId: message.id, at: now });
  }

  removeMessage(message: SandboxMessage): void {
    this.messages.delete(message.id);
    const ids = this.channelMessages.get(message.channelId);
    if (ids) {
      const index = ids.indexOf(message.id);
      if (index >= 0) ids.splice(index, 1);
    }
  }
}
