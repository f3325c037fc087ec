import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type {
  APIGuildChannel,
  APIGuildMember,
  APIMessage,
  APIRole,
  APIThreadChannel,
  GuildChannelType,
} from 'discord-api-types/v10';
import { GuildActions, type MessageEvent } from './actions.js';
import { registerControlRoutes } from './control-api.js';
import {
  DiscordApiError,
  SandboxInputError,
  missingPermissions,
  unknownMessage,
  unknownChannel,
} from './errors.js';
import { GatewayServer, type GatewayTarget } from './gateway.js';
import { decodePath, Router, type HttpRequest, type HttpResponse } from './http-router.js';
import {
  InteractionService,
  type InteractionDelivery,
  type PressButtonInput,
  type SendInteractionInput,
} from './interactions.js';
import {
  SandboxState,
  toPermissionBits,
  type CreateApplicationInput,
  type CreateChannelInput,
  type CreateGuildInput,
  type CreateMemberInput,
  type CreateRoleInput,
} from './model.js';
import { registerOAuthRoutes } from './oauth.js';
import { channelPermissions, has, Permission } from './permissions.js';
import { FaultInjector, RouteBuckets, type FailureFault, type RateLimitFault } from './rate-limits.js';
import { authenticateBot, registerRestRoutes, type RestContext } from './rest-api.js';
import { apiChannel, apiMember, apiMessage, apiRole } from './shapes.js';
import { SnowflakeGenerator } from './snowflake.js';

export interface DiscordSandboxOptions {
  host?: string;
  port?: number;
  /** Minimum time between two IDENTIFYs in one max_concurrency bucket (Discord: 5 s). */
  identifyIntervalMs?: number;
  maxConcurrency?: number;
  heartbeatIntervalMs?: number;
  /** `shards` in GET /gateway/bot. */
  recommendedShards?: number;
  /** How long a disconnected gateway session stays resumable (default 3 minutes). */
  resumeWindowMs?: number;
  /** Enforce per-route rate limits (headers are always sent). Default true. */
  routeRateLimits?: boolean;
  /** Fixed start time for snowflakes, so ids repeat across restarts when seeding is deterministic. */
  snowflakeStartTime?: number;
}

export interface ApplicationCredentials {
  id: string;
  name: string;
  token: string;
  /** Hex of the raw Ed25519 public key, as the Developer Portal shows it. */
  publicKey: string;
  /** The key the sandbox signs interaction deliveries with. */
  privateKey: KeyObject;
  botUserId: string;
  clientSecret: string;
}

export interface GuildSnapshot {
  id: string;
  name: string;
  ownerId: string;
  /** The first text channel, `#general`. */
  generalChannelId: string;
  /** Managed role of each application's bot, by application id. */
  botRoleIds: Record<string, string>;
  channels: APIGuildChannel<GuildChannelType>[];
  roles: APIRole[];
  members: APIGuildMember[];
}

export interface PostMessageInput {
  guildId?: string;
  channelId: string;
  authorId: string;
  content: string;
  referencedMessageId?: string;
  mentionUserIds?: string[];
  /** When the message was sent (a message posted earlier, as a member may edit it later); now when omitted. */
  sentAt?: Date;
}

export interface RestLogEntry {
  at: number;
  method: string;
  /** Route template, e.g. `/channels/:channelId/messages`; the raw path for unknown routes. */
  route: string;
  path: string;
  body: unknown;
  status: number;
  /** The application whose bot token authorized the call, if any. */
  applicationId: string | null;
}

/** A local Discord: REST, gateway, OAuth2 and interaction delivery, plus a control surface for tests. */
export class DiscordSandbox extends EventEmitter {
  readonly restLog: RestLogEntry[] = [];
  readonly state: SandboxState;
  private readonly actions: GuildActions;
  private readonly interactions: InteractionService;
  private readonly gateway: GatewayServer;
  private readonly faults = new FaultInjector();
  private readonly buckets: RouteBuckets;
  private readonly apiRouter = new Router<RestContext>();
  private readonly controlRouter = new Router<DiscordSandbox>();
  private readonly restContext: RestContext;
  private webPage: Promise<string> | undefined;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: Required<DiscordSandboxOptions>,
  ) {
    super();
    this.setMaxListeners(100);
    this.state = new SandboxState(
      new SnowflakeGenerator({ startTime: options.snowflakeStartTime || undefined }),
    );
    this.gateway = new GatewayServer(this.state, {
      url: this.gatewayUrl,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      identifyIntervalMs: options.identifyIntervalMs,
      maxConcurrency: options.maxConcurrency,
      recommendedShards: options.recommendedShards,
      resumeWindowMs: options.resumeWindowMs,
    });
    this.actions = new GuildActions(this.state, this.gateway, this);
    this.interactions = new InteractionService(this.state, this.gateway, this.actions);
    this.buckets = new RouteBuckets(options.routeRateLimits);
    this.restContext = {
      state: this.state,
      actions: this.actions,
      interactions: this.interactions,
      gateway: this.gateway,
      bearerTokens: new Map(),
    };
    registerRestRoutes(this.apiRouter);
    registerOAuthRoutes(this.apiRouter);
    registerControlRoutes(this.controlRouter);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.handleHttp(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { message: String(error), code: 0 });
        else response.destroy();
      });
    });
    server.on('upgrade', (request, socket, head) => {
      const path = new URL(request.url ?? '/', 'http://sandbox').pathname;
      if (path === '/gateway' || path === '/gateway/' || path === '/gateway/resume')
        this.gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
  }

  static async start(options: DiscordSandboxOptions = {}): Promise<DiscordSandbox> {
    const resolved: Required<DiscordSandboxOptions> = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      identifyIntervalMs: options.identifyIntervalMs ?? 5_000,
      maxConcurrency: options.maxConcurrency ?? 1,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      recommendedShards: options.recommendedShards ?? 1,
      resumeWindowMs: options.resumeWindowMs ?? 180_000,
      routeRateLimits: options.routeRateLimits ?? true,
      snowflakeStartTime: options.snowflakeStartTime ?? 0,
    };
    for (const key of ['identifyIntervalMs', 'heartbeatIntervalMs', 'resumeWindowMs'] as const) {
      if (!Number.isFinite(resolved[key]) || resolved[key] < 0)
        throw new RangeError(`${key} must be a non-negative number`);
    }
    for (const key of ['maxConcurrency', 'recommendedShards'] as const) {
      if (!Number.isInteger(resolved[key]) || resolved[key] < 1)
        throw new RangeError(`${key} must be a positive integer`);
    }
    if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535)
      throw new RangeError('port must be 0-65535');
    const server = createServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new DiscordSandbox(server, `http://${host}:${address.port}`, resolved);
  }

  /** What `@discordjs/rest` takes as `api`. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  get gatewayUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/gateway`;
  }

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeAllListeners();
  }

  // --- state -------------------------------------------------------------------------------------------

  createApplication(input: CreateApplicationInput): ApplicationCredentials {
    const application = this.state.createApplication(input);
    return {
      id: application.id,
      name: application.name,
      token: application.token,
      publicKey: application.publicKey,
      privateKey: application.privateKey,
      botUserId: application.botUserId,
      clientSecret: application.clientSecret,
    };
  }

  createGuild(input: CreateGuildInput): GuildSnapshot {
    const guild = this.state.createGuild(input);
    for (const application of this.state.applicationsIn(guild)) this.actions.botJoined(guild, application.id);
    return this.guild(guild.id);
  }

  guild(guildId: string): GuildSnapshot {
    const guild = this.state.requireGuild(guildId);
    const botRoleIds: Record<string, string> = {};
    for (const role of guild.roles.values()) {
      if (role.botId) botRoleIds[role.botId] = role.id;
    }
    return {
      id: guild.id,
      name: guild.name,
      ownerId: guild.ownerId,
      generalChannelId: guild.channelIds[0]!,
      botRoleIds,
      channels: guild.channelIds.map((id) =>
        apiChannel(this.state.channels.get(id)!),
      ) as unknown as APIGuildChannel<GuildChannelType>[],
      roles: [...guild.roles.values()]
        .sort((a, b) => a.position - b.position)
        .map(apiRole) as unknown as APIRole[],
      members: [...guild.members.values()].map((member) =>
        apiMember(this.state, member),
      ) as unknown as APIGuildMember[],
    };
  }

  guilds(): GuildSnapshot[] {
    return [...this.state.guilds.keys()].map((id) => this.guild(id));
  }

  createChannel(input: CreateChannelInput): APIGuildChannel<GuildChannelType> {
    const channel = this.state.createChannel(input);
    this.actions.channelCreated(channel);
    return apiChannel(channel) as unknown as APIGuildChannel<GuildChannelType>;
  }

  createRole(input: CreateRoleInput): APIRole {
    const role = this.state.createRole(input);
    this.actions.roleChanged(this.state.requireGuild(input.guildId), role.id, true);
    return apiRole(role) as unknown as APIRole;
  }

  createMember(input: CreateMemberInput): APIGuildMember {
    const { member } = this.state.createMember(input);
    this.actions.memberAdded(this.state.requireGuild(input.guildId), member);
    return apiMember(this.state, member) as unknown as APIGuildMember;
  }

  setMemberRoles(input: { guildId: string; userId: string; roles: string[] }): APIGuildMember {
    const guild = this.state.requireGuild(input.guildId);
    const member = this.state.requireMember(input.guildId, input.userId);
    if (!Array.isArray(input.roles)) throw new SandboxInputError('roles must be an array of role ids');
    this.state.validateRoles(guild, input.roles);
    member.roles = [...new Set(input.roles)];
    this.actions.memberUpdated(guild, member);
    return apiMember(this.state, member) as unknown as APIGuildMember;
  }

  setRolePermissions(input: { guildId: string; roleId: string; permissions: bigint | string }): APIRole {
    const guild = this.state.requireGuild(input.guildId);
    const role = guild.roles.get(input.roleId);
    if (!role) throw new SandboxInputError(`role ${input.roleId} is not a role of guild ${guild.id}`);
    role.permissions = toPermissionBits(input.permissions, role.permissions);
    this.actions.roleChanged(guild, role.id, false);
    return apiRole(role) as unknown as APIRole;
  }

  setInteractionsEndpoint(applicationId: string, url: string | null): void {
    const application = this.state.requireApplication(applicationId);
    if (url !== null) {
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw new SandboxInputError(`interactions endpoint must be an http(s) URL, got ${url}`);
      }
    }
    application.interactionsEndpointUrl = url;
  }

  /** Sends the signed PING Discord sends when an endpoint URL is saved; the endpoint must answer `{ type: 1 }`. */
  pingInteractionsEndpoint(applicationId: string) {
    return this.interactions.ping(applicationId);
  }

  // --- member actions ----------------------------------------------------------------------------------

  /** A member writes in a channel; every bot in the guild gets MESSAGE_CREATE on the guild's shard. */
  postMessage(input: PostMessageInput): APIMessage {
    const channel = this.state.channels.get(input.channelId);
    if (!channel) throw unknownChannel();
    if (input.guildId !== undefined && channel.guildId !== input.guildId) {
      throw new SandboxInputError(`channel ${channel.id} is not in guild ${input.guildId}`);
    }
    const guild = this.state.requireGuild(channel.guildId);
    const member = this.state.requireMember(guild.id, input.authorId);
    const parent =
      channel.ownerId !== null && channel.parentId ? this.state.channels.get(channel.parentId) : undefined;
    const permissions = channelPermissions(guild, member, parent ?? channel);
    const sendPermission = parent ? Permission.SendMessagesInThreads : Permission.SendMessages;
    if (!has(permissions, Permission.ViewChannel | sendPermission)) throw missingPermissions();
    const message = this.actions.createMessage({
      channelId: channel.id,
      authorId: member.userId,
      content: input.content,
      referencedMessageId: input.referencedMessageId ?? null,
      mentionUserIds: input.mentionUserIds,
      sentAt: input.sentAt,
    });
    return apiMessage(this.state, message) as unknown as APIMessage;
  }

  /** A member starts a thread from a message in a text channel; the guild's bots get THREAD_CREATE. */
  startThread(input: { messageId: string; authorId: string; name: string }): APIThreadChannel {
    const message = this.state.messages.get(input.messageId);
    if (!message) throw unknownMessage();
    const parent = this.state.requireChannel(message.channelId);
    const guild = this.state.requireGuild(parent.guildId);
    const member = this.state.requireMember(guild.id, input.authorId);
    const permissions = channelPermissions(guild, member, parent);
    if (!has(permissions, Permission.ViewChannel | Permission.CreatePublicThreads)) throw missingPermissions();
    const thread = this.actions.startThread(parent, message, input.name, member.userId);
    return apiChannel(thread) as unknown as APIThreadChannel;
  }

  /** A member opens a post in a forum channel: THREAD_CREATE, then MESSAGE_CREATE of its first message. */
  createForumPost(input: { channelId: string; authorId: string; name: string; content: string }): {
    thread: APIThreadChannel;
    message: APIMessage;
  } {
    const forum = this.state.channels.get(input.channelId);
    if (!forum) throw unknownChannel();
    const guild = this.state.requireGuild(forum.guildId);
    const member = this.state.requireMember(guild.id, input.authorId);
    const permissions = channelPermissions(guild, member, forum);
    if (!has(permissions, Permission.ViewChannel | Permission.SendMessages)) throw missingPermissions();
    const { thread, message } = this.actions.createForumPost(forum, member.userId, input.name, input.content);
    return {
      thread: apiChannel(thread) as unknown as APIThreadChannel,
      message: apiMessage(this.state, message) as unknown as APIMessage,
    };
  }

  editMessage(input: { messageId: string; content: string }): APIMessage {
    if (!this.state.messages.has(input.messageId)) throw unknownMessage();
    return apiMessage(
      this.state,
      this.actions.editMessage(input.messageId, { content: input.content }),
    ) as unknown as APIMessage;
  }

  deleteMessage(input: { messageId: string }): void {
    this.actions.deleteMessage(input.messageId);
  }

  /** A member runs a slash command: signed POST to the interactions endpoint if set, else INTERACTION_CREATE. */
  sendInteraction(input: SendInteractionInput): Promise<InteractionDelivery> {
    return this.interactions.send(input);
  }

  /**
   * A member presses a button on a message the application's bot sent: a MESSAGE_COMPONENT interaction,
   * delivered like `sendInteraction`. Refused when the message or the button does not exist.
   */
  pressButton(input: PressButtonInput): Promise<InteractionDelivery> {
    return this.interactions.pressButton(input);
  }

  // --- observation -------------------------------------------------------------------------------------

  /** A channel's messages as they are now, oldest first, as Discord's REST API shows them. */
  messages(channelId: string): APIMessage[] {
    this.state.requireChannel(channelId);
    return this.state
      .channelHistory(channelId)
      .map((message) => apiMessage(this.state, message) as unknown as APIMessage);
  }

  counters(applicationId: string) {
    this.state.requireApplication(applicationId);
    return this.gateway.countersOf(applicationId);
  }

  sessions(applicationId?: string) {
    return this.gateway.connectedSessions(applicationId);
  }

  /** Resolves with the first truthy result of `check`, re-evaluated as things happen; rejects after the timeout. */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const evaluate = (): boolean => {
        try {
          const result = check();
          if (result) {
            finish();
            resolve(result);
            return true;
          }
        } catch (error) {
          finish();
          reject(error);
          return true;
        }
        return false;
      };
      const onActivity = () => void evaluate();
      const poll = setInterval(onActivity, 10);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`waitFor: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.off('message', onActivity);
        this.off('rest', onActivity);
      };
      if (evaluate()) return;
      this.on('message', onActivity);
      this.on('rest', onActivity);
    });
  }

  // --- fault injection ---------------------------------------------------------------------------------

  /** The next `count` matching REST calls get a 429 with Retry-After (and X-RateLimit-Global when `global`). */
  rateLimitNext(fault: RateLimitFault): void {
    this.faults.rateLimitNext(fault);
  }

  /** The next `count` matching REST calls fail with `status`. */
  failNext(fault: FailureFault): void {
    this.faults.failNext(fault);
  }

  dropConnections(target: GatewayTarget & { closeCode?: number }): number {
    this.state.requireApplication(target.applicationId);
    return this.gateway.dropConnections(target);
  }

  sendReconnect(target: GatewayTarget): number {
    this.state.requireApplication(target.applicationId);
    return this.gateway.sendReconnect(target);
  }

  invalidateSessions(target: GatewayTarget & { resumable?: boolean }): number {
    this.state.requireApplication(target.applicationId);
    return this.gateway.invalidateSessions(target);
  }

  /** Holds gateway dispatches back until the returned function sends them in one burst (it returns how many). */
  holdDispatches(): () => number {
    return this.gateway.holdDispatches();
  }

  stopHeartbeatAcks(target: GatewayTarget): number {
    this.state.requireApplication(target.applicationId);
    return this.gateway.stopHeartbeatAcks(target);
  }

  // --- HTTP --------------------------------------------------------------------------------------------

  private async handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = (request.method ?? 'GET').toUpperCase();
    const path = decodePath(url.pathname);
    if (method === 'GET' && (path === '/' || path === '/index.html')) {
      this.webPage ??= readFile(new URL('../web/index.html', import.meta.url), 'utf8');
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(await this.webPage);
      return;
    }
    if (method === 'GET' && path === '/_sandbox/events') {
      this.streamEvents(url, response);
      return;
    }
    const rawBody = await readBody(request);
    if (path.startsWith('/_sandbox/')) {
      await this.handleControl(method, path.slice('/_sandbox'.length), url, request, rawBody, response);
      return;
    }
    const apiPath = path.startsWith('/api/')
      ? path.slice(4).replace(/^\/v\d+(?=\/)/, '')
      : path.startsWith('/oauth2/')
        ? path
        : null;
    if (apiPath === null) {
      sendJson(response, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    await this.handleRest(method, apiPath, url, request, rawBody, response);
  }

  private async handleRest(
    method: string,
    path: string,
    url: URL,
    incoming: IncomingMessage,
    rawBody: string,
    response: ServerResponse,
  ): Promise<void> {
    const matched = this.apiRouter.match(method, path);
    const template = typeof matched === 'object' ? matched.route.template : path;
    const request: HttpRequest = {
      method,
      path,
      query: url.searchParams,
      headers: incoming.headers,
      rawBody,
      params: typeof matched === 'object' ? matched.params : {},
      template,
    };
    let applicationId: string | null = null;
    try {
      applicationId = authenticateBot(request, this.state).id;
    } catch {
      // Not every route is called with a bot token (interaction callbacks, OAuth2).
    }

    let result: HttpResponse;
    const headers: Record<string, string> = {};
    const majorParameter =
      request.params.channelId ??
      request.params.guildId ??
      (request.params.applicationId
        ? `${request.params.applicationId}:${request.params.token ?? ''}`
        : 'global');
    const bucket = this.buckets.take(method, template, `${applicationId ?? 'anonymous'}:${majorParameter}`);
    headers['X-RateLimit-Limit'] = String(bucket.limit);
    headers['X-RateLimit-Remaining'] = String(bucket.remaining);
    headers['X-RateLimit-Reset'] = bucket.reset.toFixed(3);
    headers['X-RateLimit-Reset-After'] = bucket.resetAfterSeconds.toFixed(3);
    headers['X-RateLimit-Bucket'] = bucket.bucket;

    const fault =
      matched === undefined || matched === 'methodNotAllowed'
        ? undefined
        : this.faults.take(method, template, path);
    if (matched === undefined) result = { status: 404, body: { message: '404: Not Found', code: 0 } };
    else if (matched === 'methodNotAllowed')
      result = { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
    else if (fault?.kind === 'rateLimit' || bucket.exhausted) {
      const retryAfter =
        fault?.kind === 'rateLimit' ? (fault.retryAfterSeconds ?? 1) : bucket.resetAfterSeconds;
      const global = fault?.kind === 'rateLimit' && fault.global === true;
      headers['Retry-After'] = String(retryAfter);
      headers['X-RateLimit-Scope'] = global ? 'global' : 'user';
      headers['X-RateLimit-Remaining'] = '0';
      headers['X-RateLimit-Reset-After'] = retryAfter.toFixed(3);
      if (global) headers['X-RateLimit-Global'] = 'true';
      result = {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: retryAfter, global },
      };
    } else if (fault?.kind === 'fail') {
      // Whatever the request did (or refused) is lost with its response.
      if (fault.afterPerforming) await (async () => matched.route.handler(request, this.restContext))().catch(() => undefined);
      result = {
        status: fault.status,
        body: { message: fault.message ?? `${fault.status}: Injected failure`, code: fault.code ?? 0 },
      };
    } else {
      try {
        result = await matched.route.handler(request, this.restContext);
      } catch (error) {
        if (error instanceof DiscordApiError) result = { status: error.status, body: error.toBody() };
        else if (error instanceof SandboxInputError)
          result = { status: 400, body: { message: error.message, code: 50035 } };
        else throw error;
      }
    }

    this.recordRest({
      method,
      route: template,
      path,
      body: loggedBody(incoming, rawBody),
      status: result.status,
      applicationId,
    });
    if (result.html !== undefined) {
      response.writeHead(result.status, { 'Content-Type': 'text/html; charset=utf-8', ...result.headers });
      response.end(result.html);
      return;
    }
    sendJson(response, result.status, result.body, { ...headers, ...result.headers });
  }

  private recordRest(entry: Omit<RestLogEntry, 'at'>): void {
    const logged = { at: Date.now(), ...entry };
    this.restLog.push(logged);
    if (this.restLog.length > 10_000) this.restLog.shift();
    this.emit('rest', logged);
  }

  private async handleControl(
    method: string,
    path: string,
    url: URL,
    incoming: IncomingMessage,
    rawBody: string,
    response: ServerResponse,
  ): Promise<void> {
    const matched = this.controlRouter.match(method, path);
    if (matched === undefined || matched === 'methodNotAllowed') {
      sendJson(response, matched ? 405 : 404, { error: `no control route ${method} /_sandbox${path}` });
      return;
    }
    try {
      const result = await matched.route.handler(
        {
          method,
          path,
          query: url.searchParams,
          headers: incoming.headers,
          rawBody,
          params: matched.params,
          template: matched.route.template,
        },
        this,
      );
      sendJson(response, result.status, result.body);
    } catch (error) {
      if (error instanceof DiscordApiError)
        sendJson(response, error.status, { error: error.message, ...error.toBody() });
      else if (
        error instanceof SandboxInputError ||
        error instanceof RangeError ||
        error instanceof SyntaxError
      ) {
        sendJson(response, 400, { error: error.message });
      } else throw error;
    }
  }

  /** Server-sent events of message changes, optionally for one channel: what the web page watches. */
  private streamEvents(url: URL, response: ServerResponse): void {
    const channelId = url.searchParams.get('channelId');
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    const onMessage = (event: MessageEvent) => {
      if (channelId && event.message.channel_id !== channelId) return;
      response.write(`event: message\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    this.on('message', onMessage);
    response.on('close', () => {
      clearInterval(keepAlive);
      this.off('message', onMessage);
    });
  }
}

export function startDiscordSandbox(options?: DiscordSandboxOptions): Promise<DiscordSandbox> {
  return DiscordSandbox.start(options);
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new DiscordApiError(413, 40005, 'Request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function loggedBody(request: IncomingMessage, rawBody: string): unknown {
  if (rawBody === '') return null;
  if ((request.headers['content-type'] ?? '').startsWith('application/json')) {
    try {
      return JSON.parse(rawBody);
    } catch {
      return rawBody;
    }
  }
  return rawBody;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || status === 302 || body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(body, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
