import { ChannelType, MessageFlags } from 'discord-api-types/v10';
import { validateAllowedMentions, type GuildActions } from './actions.js';
import {
  DiscordApiError,
  invalidFormBody,
  missingAccess,
  missingPermissions,
  unauthorized,
  unknownBan,
  unknownChannel,
  unknownGuild,
  unknownMember,
  unknownMessage,
  unknownUser,
} from './errors.js';
import type { GatewayServer } from './gateway.js';
import type { HttpRequest, HttpResponse, Router } from './http-router.js';
import type { InteractionService } from './interactions.js';
import type {
  SandboxApplication,
  SandboxChannel,
  SandboxGuild,
  SandboxMember,
  SandboxState,
} from './model.js';
import {
  channelPermissions,
  basePermissions,
  has,
  outranks,
  Permission,
  highestRolePosition,
} from './permissions.js';
import { apiApplication, apiChannel, apiGuild, apiMember, apiMessage, apiRole, apiUser } from './shapes.js';

export interface RestContext {
  state: SandboxState;
  actions: GuildActions;
  interactions: InteractionService;
  gateway: GatewayServer;
  /** OAuth2 access tokens (Bearer) → the user and scopes they were granted for. */
  bearerTokens: Map<string, { userId: string; scopes: string[]; expiresAt: number }>;
}

/** Discord allows a timeout of at most 28 days. */
const MAX_TIMEOUT_MS = 28 * 24 * 60 * 60 * 1000;
const MAX_DELETE_MESSAGE_SECONDS = 604_800;

const ok = (body: unknown, status = 200): HttpResponse => ({ status, body });
const noContent = (): HttpResponse => ({ status: 204 });

export function parseJsonBody(request: HttpRequest): Record<string, unknown> {
  if (request.rawBody === '') return {};
  const contentType = request.headers['content-type'] ?? '';
  let text = request.rawBody;
  if (contentType.startsWith('multipart/form-data')) {
    // Messages with files carry their JSON in the `payload_json` part; the files themselves are ignored.
    const match = /name="payload_json"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n--/.exec(text);
    if (!match) return {};
    text = match[1]!;
  }
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed;
  } catch {
    throw new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

/** The application behind `Authorization: Bot <token>`, or 401 as Discord answers it. */
export function authenticateBot(request: HttpRequest, state: SandboxState): SandboxApplication {
  const header = request.headers.authorization ?? '';
  const application = header.startsWith('Bot ') ? state.applicationByToken(header.slice(4)) : undefined;
  if (!application) throw unauthorized();
  return application;
}

function channelFor(
  context: RestContext,
  channelId: string,
): { channel: SandboxChannel; guild: SandboxGuild } {
  const channel = context.state.channels.get(channelId);
  if (!channel) throw unknownChannel();
  return { channel, guild: context.state.guilds.get(channel.guildId)! };
}

function botMember(guild: SandboxGuild, application: SandboxApplication): SandboxMember {
  const member = guild.members.get(application.botUserId);
  // A bot outside the guild sees neither it nor its channels.
  if (!member) throw missingAccess();
  return member;
}

/** Permissions in a channel; threads use their parent's overwrites. */
function permissionsIn(
  context: RestContext,
  guild: SandboxGuild,
  member: SandboxMember,
  channel: SandboxChannel,
): bigint {
  const parent =
    channel.parentId && channel.ownerId !== null ? context.state.channels.get(channel.parentId) : undefined;
  return channelPermissions(guild, member, parent ?? channel);
}

function isThread(channel: SandboxChannel): boolean {
  return channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread;
}

function requirePermission(permissions: bigint, required: bigint): void {
  if (!has(permissions, required)) throw missingPermissions();
}

function visibleChannel(context: RestContext, request: HttpRequest, application: SandboxApplication) {
  const { channel, guild } = channelFor(context, request.params.channelId!);
  const member = botMember(guild, application);
  const permissions = permissionsIn(context, guild, member, channel);
  if (!has(permissions, Permission.ViewChannel)) throw missingAccess();
  return { channel, guild, member, permissions };
}

function guildFor(context: RestContext, guildId: string, application: SandboxApplication) {
  const guild = context.state.guilds.get(guildId);
  if (!guild || !guild.members.has(application.botUserId)) throw unknownGuild();
  return { guild, member: guild.members.get(application.botUserId)! };
}

/** Whether the bot may act (kick, ban, timeout) on the target: hierarchy and owner rules as Discord applies them. */
function requireOutranks(guild: SandboxGuild, actor: SandboxMember, target: SandboxMember): void {
  if (!outranks(guild, actor, target)) throw missingPermissions();
}

function messageBody(body: Record<string, unknown>) {
  const embeds = body.embeds;
  const components = body.components;
  if (embeds !== undefined && !Array.isArray(embeds))
    throw invalidFormBody('embeds', 'BASE_TYPE_LIST', 'Must be a list.');
  if (embeds && embeds.length > 10)
    throw invalidFormBody('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (components !== undefined && !Array.isArray(components))
    throw invalidFormBody('components', 'BASE_TYPE_LIST', 'Must be a list.');
  return {
    embeds: embeds as unknown[] | undefined,
    components: components as unknown[] | undefined,
    allowedMentions: validateAllowedMentions(body.allowed_mentions),
  };
}

/** A message `nonce`: an integer or a string of at most 25 characters; null when absent. */
function messageNonce(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string')
    throw invalidFormBody('nonce', 'BASE_TYPE_STRING', 'Must be a string or an integer.');
  if (value.length > 25)
    throw invalidFormBody('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  return value;
}

export function registerRestRoutes(router: Router<RestContext>): void {
  router.add('GET', '/gateway', (_request, context) => ok({ url: context.gateway.url }));

  router.add('GET', '/gateway/bot', (request, context) => {
    const application = authenticateBot(request, context.state);
    return ok({
      url: context.gateway.url,
      shards: context.gateway.recommendedShards,
      session_start_limit: context.gateway.sessionStartLimit(application.id),
    });
  });

  router.add('GET', '/users/@me', (request, context) => {
    const bearer = bearerUser(request, context);
    if (bearer) return ok(apiUser(bearer));
    const application = authenticateBot(request, context.state);
    return ok(apiUser(context.state.users.get(application.botUserId)!));
  });

  router.add('GET', '/users/@me/guilds', (request, context) => {
    const bearer = bearerUser(request, context);
    const userId = bearer?.id ?? authenticateBot(request, context.state).botUserId;
    const guilds = [...context.state.guilds.values()].filter((guild) => guild.members.has(userId));
    return ok(
      guilds.map((guild) => ({
        id: guild.id,
        name: guild.name,
        icon: null,
        owner: guild.ownerId === userId,
        permissions: basePermissions(guild, guild.members.get(userId)!).toString(),
        features: [],
      })),
    );
  });

  router.add('GET', '/users/:userId', (request, context) => {
    authenticateBot(request, context.state);
    const user = context.state.users.get(request.params.userId!);
    if (!user) throw unknownUser();
    return ok(apiUser(user));
  });

  router.add('GET', '/applications/@me', (request, context) => {
    const application = authenticateBot(request, context.state);
    return ok(apiApplication(context.state, application));
  });

  router.add('GET', '/channels/:channelId', (request, context) => {
    const application = authenticateBot(request, context.state);
    return ok(apiChannel(visibleChannel(context, request, application).channel));
  });

  router.add('GET', '/channels/:channelId/messages', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    if (!has(permissions, Permission.ReadMessageHistory)) return ok([]);
    const limitParam = request.query.get('limit');
    const limit = limitParam === null ? 50 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalidFormBody('limit', 'NUMBER_TYPE_MAX', 'int value should be between 1 and 100.');
    }
    const before = request.query.get('before');
    const after = request.query.get('after');
    let history = context.state.channelHistory(channel.id);
    if (before) history = history.filter((message) => BigInt(message.id) < BigInt(before));
    if (after) history = history.filter((message) => BigInt(message.id) > BigInt(after));
    // Newest first, as Discord returns them; `after` pages forward from the oldest.
    const page = after ? history.slice(0, limit) : history.slice(-limit);
    return ok(page.reverse().map((message) => apiMessage(context.state, message)));
  });

  router.add('GET', '/channels/:channelId/messages/:messageId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    requirePermission(permissions, Permission.ReadMessageHistory);
    const message = context.state.messages.get(request.params.messageId!);
    if (!message || message.channelId !== channel.id) throw unknownMessage();
    return ok(apiMessage(context.state, message));
  });

  router.add('POST', '/channels/:channelId/messages', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    requirePermission(
      permissions,
      isThread(channel) ? Permission.SendMessagesInThreads : Permission.SendMessages,
    );
    const body = parseJsonBody(request);
    const { embeds, components, allowedMentions } = messageBody(body);
    const content = context.actions.validateContent(body.content, false);
    const nonce = messageNonce(body.nonce);
    if (nonce !== null && body.enforce_nonce === true) {
      const earlier = context.state.messageWithNonce(channel.id, application.botUserId, nonce);
      if (earlier) return ok({ ...apiMessage(context.state, earlier), nonce });
    }
    const reference = body.message_reference as
      { message_id?: string; channel_id?: string; fail_if_not_exists?: boolean } | undefined;
    let referencedMessageId: string | null = null;
    if (reference?.message_id) {
      const referenced = context.state.messages.get(reference.message_id);
      if (referenced && referenced.channelId === channel.id) referencedMessageId = referenced.id;
      else if (reference.fail_if_not_exists !== false) {
        throw invalidFormBody('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
    }
    const message = context.actions.createMessage({
      channelId: channel.id,
      authorId: application.botUserId,
      content,
      referencedMessageId,
      embeds,
      components,
      allowedMentions,
      flags: typeof body.flags === 'number' ? body.flags : 0,
    });
    if (nonce === null) return ok(apiMessage(context.state, message));
    context.state.rememberNonce(message, nonce);
    return ok({ ...apiMessage(context.state, message), nonce });
  });

  router.add('PATCH', '/channels/:channelId/messages/:messageId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel } = visibleChannel(context, request, application);
    const message = context.state.messages.get(request.params.messageId!);
    if (!message || message.channelId !== channel.id) throw unknownMessage();
    if (message.authorId !== application.botUserId) {
      throw new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user');
    }
    const body = parseJsonBody(request);
    const { embeds, components, allowedMentions } = messageBody(body);
    const content =
      body.content === undefined || body.content === null
        ? undefined
        : context.actions.validateContent(body.content, false);
    const edited = context.actions.editMessage(message.id, { content, embeds, components, allowedMentions });
    return ok(apiMessage(context.state, edited));
  });

  router.add('DELETE', '/channels/:channelId/messages/:messageId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    const message = context.state.messages.get(request.params.messageId!);
    if (!message || message.channelId !== channel.id) throw unknownMessage();
    if (message.authorId !== application.botUserId) requirePermission(permissions, Permission.ManageMessages);
    context.actions.deleteMessage(message.id);
    return noContent();
  });

  router.add('POST', '/channels/:channelId/typing', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    requirePermission(
      permissions,
      isThread(channel) ? Permission.SendMessagesInThreads : Permission.SendMessages,
    );
    context.actions.typing(channel, application.botUserId);
    return noContent();
  });

  router.add('POST', '/channels/:channelId/messages/:messageId/threads', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { channel, permissions } = visibleChannel(context, request, application);
    requirePermission(permissions, Permission.CreatePublicThreads);
    const message = context.state.messages.get(request.params.messageId!);
    if (!message || message.channelId !== channel.id) throw unknownMessage();
    const body = parseJsonBody(request);
    if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 100) {
      throw invalidFormBody('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    const thread = context.actions.startThread(channel, message, body.name, application.botUserId);
    return ok(apiChannel(thread), 201);
  });

  router.add('GET', '/guilds/:guildId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild } = guildFor(context, request.params.guildId!, application);
    return ok(apiGuild(guild));
  });

  router.add('GET', '/guilds/:guildId/channels', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild } = guildFor(context, request.params.guildId!, application);
    const channels = guild.channelIds
      .map((id) => context.state.channels.get(id)!)
      .filter((channel) => !isThread(channel));
    return ok(channels.map(apiChannel));
  });

  router.add('GET', '/guilds/:guildId/roles', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild } = guildFor(context, request.params.guildId!, application);
    return ok([...guild.roles.values()].map(apiRole));
  });

  router.add('GET', '/guilds/:guildId/members', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild } = guildFor(context, request.params.guildId!, application);
    const limit = Math.min(Number(request.query.get('limit') ?? 1) || 1, 1000);
    return ok([...guild.members.values()].slice(0, limit).map((member) => apiMember(context.state, member)));
  });

  router.add('GET', '/guilds/:guildId/members/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild } = guildFor(context, request.params.guildId!, application);
    const member = guild.members.get(request.params.userId!);
    if (!member) throw unknownMember();
    return ok(apiMember(context.state, member));
  });

  router.add('PATCH', '/guilds/:guildId/members/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild, member: bot } = guildFor(context, request.params.guildId!, application);
    const target = guild.members.get(request.params.userId!);
    if (!target) throw unknownMember();
    const body = parseJsonBody(request);
    const permissions = basePermissions(guild, bot);
    if ('communication_disabled_until' in body) {
      requirePermission(permissions, Permission.ModerateMembers);
      requireOutranks(guild, bot, target);
      // Members with ADMINISTRATOR cannot be timed out.
      if (has(basePermissions(guild, target), Permission.Administrator)) throw missingPermissions();
      const until = body.communication_disabled_until;
      if (until !== null) {
        const at = typeof until === 'string' ? Date.parse(until) : Number.NaN;
        if (Number.isNaN(at) || at - Date.now() > MAX_TIMEOUT_MS) {
          throw invalidFormBody(
            'communication_disabled_until',
            'BASE_TYPE_BAD_DATETIME',
            'Must be an ISO8601 timestamp at most 28 days in the future.',
          );
        }
        target.communicationDisabledUntil = new Date(at).toISOString();
      } else target.communicationDisabledUntil = null;
    }
    if ('roles' in body) {
      requirePermission(permissions, Permission.ManageRoles);
      const roles = body.roles;
      if (
        !Array.isArray(roles) ||
        roles.some((id) => typeof id !== 'string' || !guild.roles.has(id) || id === guild.id)
      ) {
        throw invalidFormBody('roles', 'BASE_TYPE_CHOICES', 'Unknown role.');
      }
      const botTop = highestRolePosition(guild, bot);
      const changed = [...new Set([...roles, ...target.roles])].filter(
        (id) => roles.includes(id) !== target.roles.includes(id),
      );
      if (
        changed.some((id) => guild.roles.get(id)!.position >= botTop || guild.roles.get(id)!.botId !== null)
      )
        throw missingPermissions();
      target.roles = [...new Set(roles as string[])];
    }
    if ('nick' in body) {
      requirePermission(
        permissions,
        target.userId === application.botUserId ? Permission.ChangeNickname : Permission.ManageNicknames,
      );
      if (target.userId !== application.botUserId) requireOutranks(guild, bot, target);
      if (body.nick !== null && (typeof body.nick !== 'string' || body.nick.length > 32)) {
        throw invalidFormBody('nick', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 32 in length.');
      }
      target.nick = (body.nick as string | null) || null;
    }
    context.actions.memberUpdated(guild, target);
    return ok(apiMember(context.state, target));
  });

  router.add('DELETE', '/guilds/:guildId/members/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild, member: bot } = guildFor(context, request.params.guildId!, application);
    const target = guild.members.get(request.params.userId!);
    if (!target) throw unknownMember();
    requirePermission(basePermissions(guild, bot), Permission.KickMembers);
    requireOutranks(guild, bot, target);
    context.actions.removeMember(guild, target.userId);
    return noContent();
  });

  router.add('PUT', '/guilds/:guildId/bans/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild, member: bot } = guildFor(context, request.params.guildId!, application);
    const user = context.state.users.get(request.params.userId!);
    if (!user) throw unknownUser();
    requirePermission(basePermissions(guild, bot), Permission.BanMembers);
    const target = guild.members.get(user.id);
    if (target) requireOutranks(guild, bot, target);
    else if (user.id === guild.ownerId) throw missingPermissions();
    const body = parseJsonBody(request);
    const seconds = body.delete_message_seconds ?? 0;
    if (
      !Number.isInteger(seconds) ||
      (seconds as number) < 0 ||
      (seconds as number) > MAX_DELETE_MESSAGE_SECONDS
    ) {
      throw invalidFormBody(
        'delete_message_seconds',
        'NUMBER_TYPE_MAX',
        `int value should be between 0 and ${MAX_DELETE_MESSAGE_SECONDS}.`,
      );
    }
    const reason =
      typeof request.headers['x-audit-log-reason'] === 'string'
        ? decodeURIComponent(request.headers['x-audit-log-reason'])
        : null;
    context.actions.ban(guild, user.id, reason, seconds as number);
    return noContent();
  });

  router.add('GET', '/guilds/:guildId/bans/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild, member: bot } = guildFor(context, request.params.guildId!, application);
    requirePermission(basePermissions(guild, bot), Permission.BanMembers);
    const ban = guild.bans.get(request.params.userId!);
    if (!ban) throw unknownBan();
    return ok({ reason: ban.reason, user: apiUser(context.state.users.get(request.params.userId!)!) });
  });

  router.add('DELETE', '/guilds/:guildId/bans/:userId', (request, context) => {
    const application = authenticateBot(request, context.state);
    const { guild, member: bot } = guildFor(context, request.params.guildId!, application);
    requirePermission(basePermissions(guild, bot), Permission.BanMembers);
    if (!guild.bans.has(request.params.userId!)) throw unknownBan();
    context.actions.unban(guild, request.params.userId!);
    return noContent();
  });

  router.add('POST', '/interactions/:interactionId/:token/callback', (request, context) => {
    const { message, type, record } = context.interactions.callback(
      request.params.interactionId!,
      request.params.token!,
      parseJsonBody(request),
    );
    if (request.query.get('with_response') !== 'true') return noContent();
    return ok({
      interaction: {
        id: request.params.interactionId,
        type: record.type,
        activity_instance_id: null,
        response_message_id: message.id,
        response_message_loading: type === 5,
        response_message_ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
      },
      resource: { type, message: apiMessage(context.state, message) },
    });
  });

  router.add('GET', '/webhooks/:applicationId/:token/messages/:messageId', (request, context) => {
    const message = context.interactions.getResponse(
      request.params.applicationId!,
      request.params.token!,
      request.params.messageId!,
    );
    return ok(apiMessage(context.state, message));
  });

  router.add('PATCH', '/webhooks/:applicationId/:token/messages/:messageId', (request, context) => {
    const body = parseJsonBody(request);
    messageBody(body);
    const message = context.interactions.editResponse(
      request.params.applicationId!,
      request.params.token!,
      request.params.messageId!,
      body,
    );
    return ok(apiMessage(context.state, message));
  });

  router.add('POST', '/webhooks/:applicationId/:token', (request, context) => {
    const body = parseJsonBody(request);
    messageBody(body);
    const message = context.interactions.followUp(request.params.applicationId!, request.params.token!, body);
    return request.query.get('wait') === 'true' ? ok(apiMessage(context.state, message)) : noContent();
  });

  const commandsOf = (request: HttpRequest, context: RestContext) => {
    const application = authenticateBot(request, context.state);
    if (request.params.applicationId !== application.id) throw unauthorized();
    return application;
  };

  router.add('GET', '/applications/:applicationId/commands', (request, context) =>
    ok([...commandsOf(request, context).commands.values()]),
  );

  router.add('PUT', '/applications/:applicationId/commands', (request, context) => {
    const application = commandsOf(request, context);
    let commands: unknown;
    try {
      commands = request.rawBody === '' ? [] : JSON.parse(request.rawBody);
    } catch {
      throw new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');
    }
    if (!Array.isArray(commands)) throw invalidFormBody('_root', 'BASE_TYPE_LIST', 'Must be a list.');
    const next = new Map<string, Record<string, unknown> & { id: string; name: string }>();
    commands.forEach((command, index) => {
      const name = (command as { name?: unknown })?.name;
      if (typeof name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(name)) {
        throw invalidFormBody(`${index}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      }
      // Overwriting keeps the id of a command with the same name, so repeated registrations are idempotent.
      const existing = [...application.commands.values()].find((candidate) => candidate.name === name);
      const id = existing?.id ?? context.state.ids.next();
      next.set(id, {
        type: 1,
        description: '',
        options: [],
        default_member_permissions: null,
        dm_permission: true,
        nsfw: false,
        ...(command as Record<string, unknown>),
        id,
        name,
        application_id: application.id,
        version:
          existing && JSON.stringify(existing) === JSON.stringify({ ...existing, ...(command as object) })
            ? existing.version
            : context.state.ids.next(),
      });
    });
    application.commands.clear();
    for (const [id, command] of next) application.commands.set(id, command);
    return ok([...application.commands.values()]);
  });
}

function bearerUser(request: HttpRequest, context: RestContext) {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return undefined;
  const grant = context.bearerTokens.get(header.slice(7));
  if (!grant || grant.expiresAt < Date.now()) throw unauthorized();
  return context.state.users.get(grant.userId);
}
