import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  PRIVILEGED_INTENTS,
  type SandboxApplication,
  type SandboxGuild,
  type SandboxState,
} from './model.js';
import { apiGatewayGuild, apiMember, apiUser, applicationFlags } from './shapes.js';
import { shardForGuild } from './snowflake.js';

export interface GatewayOptions {
  /** ws:// base of the gateway, without query string (what GET /gateway/bot returns). */
  url: string;
  heartbeatIntervalMs: number;
  identifyIntervalMs: number;
  maxConcurrency: number;
  recommendedShards: number;
  /** How long a disconnected session can still be resumed. */
  resumeWindowMs: number;
}

export interface ShardCounters {
  identifies: number;
  resumes: number;
}

export interface GatewayTarget {
  applicationId: string;
  /** Only connections of this shard; every shard when omitted. */
  shardId?: number;
}

/** Which intent a dispatch needs; events not listed are always sent. */
const EVENT_INTENTS: Record<string, number> = {
  MESSAGE_CREATE: GatewayIntentBits.GuildMessages,
  MESSAGE_UPDATE: GatewayIntentBits.GuildMessages,
  MESSAGE_DELETE: GatewayIntentBits.GuildMessages,
  MESSAGE_DELETE_BULK: GatewayIntentBits.GuildMessages,
  TYPING_START: GatewayIntentBits.GuildMessageTyping,
  GUILD_MEMBER_ADD: GatewayIntentBits.GuildMembers,
  GUILD_MEMBER_UPDATE: GatewayIntentBits.GuildMembers,
  GUILD_MEMBER_REMOVE: GatewayIntentBits.GuildMembers,
  GUILD_BAN_ADD: GatewayIntentBits.GuildModeration,
  GUILD_BAN_REMOVE: GatewayIntentBits.GuildModeration,
  CHANNEL_CREATE: GatewayIntentBits.Guilds,
  CHANNEL_UPDATE: GatewayIntentBits.Guilds,
  THREAD_CREATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_CREATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_UPDATE: GatewayIntentBits.Guilds,
};

const ALL_INTENTS = Object.values(GatewayIntentBits)
  .filter((bit): bit is number => typeof bit === 'number')
  .reduce((all, bit) => all | bit, 0);

/** Dispatches kept per session for RESUME replays. */
const REPLAY_LOG_LIMIT = 5_000;
/** Discord's gateway send limit: 120 payloads per 60 s per connection. */
const SEND_LIMIT = 120;
const SEND_WINDOW_MS = 60_000;
const SESSION_START_TOTAL = 1_000;
const SESSION_START_RESET_MS = 24 * 60 * 60 * 1000;

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

export interface GatewaySession {
  id: string;
  application: SandboxApplication;
  shardId: number;
  shardCount: number;
  intents: number;
  seq: number;
  replayLog: Dispatch[];
  connection: GatewayConnection | null;
  disconnectedAt: number;
}

class GatewayConnection {
  session: GatewaySession | null = null;
  acknowledgeHeartbeats = true;
  closing = false;
  private sentInWindow = 0;
  private windowStartedAt = Date.now();

  constructor(readonly socket: WebSocket) {}

  send(payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    this.sendFrame(JSON.stringify({ s: null, t: null, ...payload }));
  }

  sendFrame(frame: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(frame);
  }

  close(code: number, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
  }

  /** Counts a payload the client sent; false when it went over the gateway's send limit. */
  countReceived(): boolean {
    const now = Date.now();
    if (now - this.windowStartedAt >= SEND_WINDOW_MS) {
      this.windowStartedAt = now;
      this.sentInWindow = 0;
    }
    this.sentInWindow++;
    return this.sentInWindow <= SEND_LIMIT;
  }
}

/**
 * Gateway v10 over WebSocket: HELLO, heartbeats, IDENTIFY/READY, RESUME with replay, sharding, identify
 * rate limits per max_concurrency bucket, close codes, and the dispatches the rest of the sandbox produces.
 */
export class GatewayServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly connections = new Set<GatewayConnection>();
  private readonly lastIdentifyAt = new Map<string, number>();
  private readonly sessionStarts = new Map<string, { used: number; windowStartedAt: number }>();
  private readonly counters = new Map<string, Map<number, ShardCounters>>();
  /** Dispatch frames held back by `holdDispatches`, in the order they were made. */
  private held: Array<{ connection: GatewayConnection; frame: string }> | null = null;

  constructor(
    private readonly state: SandboxState,
    private readonly options: GatewayOptions,
  ) {}

  get recommendedShards(): number {
    return this.options.recommendedShards;
  }

  get url(): string {
    return this.options.url;
  }

  get resumeUrl(): string {
    return `${this.options.url}/resume`;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  }

  /** What `session_start_limit` says for an application right now. */
  sessionStartLimit(applicationId: string) {
    const starts = this.currentSessionStarts(applicationId);
    return {
      total: SESSION_START_TOTAL,
      remaining: SESSION_START_TOTAL - starts.used,
      reset_after: Math.max(0, starts.windowStartedAt + SESSION_START_RESET_MS - Date.now()),
      max_concurrency: this.options.maxConcurrency,
    };
  }

  countersOf(applicationId: string): {
    identifies: number;
    resumes: number;
    byShard: Record<number, ShardCounters>;
  } {
    const byShard: Record<number, ShardCounters> = {};
    let identifies = 0;
    let resumes = 0;
    for (const [shardId, counts] of this.counters.get(applicationId) ?? []) {
      byShard[shardId] = { ...counts };
      identifies += counts.identifies;
      resumes += counts.resumes;
    }
    return { identifies, resumes, byShard };
  }

  /** Live (connected) sessions, for observation. */
  connectedSessions(
    applicationId?: string,
  ): Array<{ sessionId: string; applicationId: string; shard: [number, number]; seq: number }> {
    return [...this.sessions.values()]
      .filter((session) => session.connection && (!applicationId || session.application.id === applicationId))
      .map((session) => ({
        sessionId: session.id,
        applicationId: session.application.id,
        shard: [session.shardId, session.shardCount],
        seq: session.seq,
      }));
  }

  /**
   * Sends a dispatch about a guild to every application in it, on the shard that owns the guild.
   * `build` shapes the payload per session (e.g. message content depends on the MESSAGE_CONTENT intent);
   * returning undefined skips that session.
   */
  dispatchToGuild(guild: SandboxGuild, event: string, build: (session: GatewaySession) => unknown): void {
    for (const application of this.state.applicationsIn(guild)) {
      this.dispatchToApplication(application.id, guild.id, event, build);
    }
  }

  dispatchToApplication(
    applicationId: string,
    guildId: string,
    event: string,
    build: (session: GatewaySession) => unknown,
  ): void {
    const requiredIntent = EVENT_INTENTS[event] ?? 0;
    for (const session of this.sessions.values()) {
      if (session.application.id !== applicationId) continue;
      if (this.expired(session)) {
        this.sessions.delete(session.id);
        continue;
      }
      if (shardForGuild(guildId, session.shardCount) !== session.shardId) continue;
      if ((session.intents & requiredIntent) !== requiredIntent) continue;
      const data = build(session);
      if (data !== undefined) this.dispatch(session, event, data);
    }
  }

  /** Closes matching connections so their clients reconnect; without a code the TCP connection just dies. */
  dropConnections(target: GatewayTarget & { closeCode?: number }): number {
    return this.forEachConnection(target, (connection) => {
      if (target.closeCode === undefined) {
        connection.closing = true;
        connection.socket.terminate();
      } else connection.close(target.closeCode, 'Connection dropped by the sandbox');
    });
  }

  /** Op 7: asks the clients to reconnect and resume. */
  sendReconnect(target: GatewayTarget): number {
    return this.forEachConnection(target, (connection) =>
      connection.send({ op: GatewayOpcodes.Reconnect, d: null }),
    );
  }

  /** Op 9: the sessions are gone (unless `resumable`), clients must identify again. */
  invalidateSessions(target: GatewayTarget & { resumable?: boolean }): number {
    return this.forEachConnection(target, (connection) => {
      const session = connection.session!;
      if (!target.resumable) {
        this.sessions.delete(session.id);
        connection.session = null;
      }
      connection.send({ op: GatewayOpcodes.InvalidSession, d: target.resumable ?? false });
    });
  }

  /**
   * Holds every dispatch back (recorded, sequenced and serialized as usual) until the returned
   * function releases them, then writes them to their connections back to back: a burst, as
   * after a network stall, that costs the sandbox only the socket writes while it arrives.
   * Releasing again sends nothing more.
   */
  holdDispatches(): () => number {
    if (this.held) throw new Error('dispatches are already held');
    const held: Array<{ connection: GatewayConnection; frame: string }> = [];
    this.held = held;
    return () => {
      if (this.held !== held) return 0;
      this.held = null;
      for (const { connection, frame } of held) connection.sendFrame(frame);
      return held.length;
    };
  }

  /** Makes matching connections zombies: heartbeats are no longer acknowledged. */
  stopHeartbeatAcks(target: GatewayTarget): number {
    return this.forEachConnection(target, (connection) => {
      connection.acknowledgeHeartbeats = false;
    });
  }

  async close(): Promise<void> {
    for (const connection of this.connections) {
      connection.closing = true;
      connection.socket.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private forEachConnection(target: GatewayTarget, act: (connection: GatewayConnection) => void): number {
    let count = 0;
    for (const connection of [...this.connections]) {
      const session = connection.session;
      if (!session || session.application.id !== target.applicationId) continue;
      if (target.shardId !== undefined && session.shardId !== target.shardId) continue;
      act(connection);
      count++;
    }
    return count;
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const connection = new GatewayConnection(socket);
    this.connections.add(connection);
    socket.on('close', (code) => this.onClose(connection, code));
    socket.on('error', () => socket.terminate());
    const query = new URL(request.url ?? '/', 'http://sandbox').searchParams;
    const version = query.get('v');
    if (version !== null && version !== '10') {
      connection.close(GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version');
      return;
    }
    // `compress=zlib-stream` is accepted, but frames go out as uncompressed text, which clients parse as is.
    if ((query.get('encoding') ?? 'json') !== 'json') {
      connection.close(GatewayCloseCodes.DecodeError, 'Only the json encoding is supported');
      return;
    }
    connection.send({
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
    });
    socket.on('message', (data, isBinary) => this.onMessage(connection, data as Buffer, isBinary));
  }

  private onClose(connection: GatewayConnection, code: number): void {
    this.connections.delete(connection);
    const session = connection.session;
    if (!session || session.connection !== connection) return;
    session.connection = null;
    session.disconnectedAt = Date.now();
    // A client that closes with 1000/1001 ends its session on purpose; anything else may come back and resume.
    if (!connection.closing && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
  }

  private onMessage(connection: GatewayConnection, data: Buffer, isBinary: boolean): void {
    if (connection.closing) return;
    if (!connection.countReceived()) {
      connection.close(GatewayCloseCodes.RateLimited, 'You are being rate limited.');
      return;
    }
    let payload: { op?: unknown; d?: unknown };
    try {
      if (isBinary) throw new Error('binary frames are not supported');
      payload = JSON.parse(data.toString('utf8'));
    } catch {
      connection.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        if (connection.acknowledgeHeartbeats) connection.send({ op: GatewayOpcodes.HeartbeatAck, d: null });
        return;
      case GatewayOpcodes.Identify:
        this.identify(connection, payload.d);
        return;
      case GatewayOpcodes.Resume:
        this.resume(connection, payload.d);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        if (!connection.session) connection.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        return;
      case GatewayOpcodes.RequestGuildMembers:
        if (!connection.session) connection.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        else this.requestGuildMembers(connection.session, payload.d);
        return;
      default:
        connection.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(connection: GatewayConnection, payload: unknown): void {
    const data = asRecord(payload);
    if (connection.session) {
      connection.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const application =
      typeof data.token === 'string' ? this.state.applicationByToken(stripBotPrefix(data.token)) : undefined;
    if (!application) {
      connection.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const [shardId, shardCount] = (Array.isArray(data.shard) ? data.shard : [0, 1]) as unknown[];
    if (
      typeof shardId !== 'number' ||
      typeof shardCount !== 'number' ||
      !Number.isInteger(shardId) ||
      !Number.isInteger(shardCount) ||
      shardCount < 1 ||
      shardId < 0 ||
      shardId >= shardCount
    ) {
      connection.close(GatewayCloseCodes.InvalidShard, 'Invalid shard.');
      return;
    }
    const intents = data.intents;
    if (
      typeof intents !== 'number' ||
      !Number.isInteger(intents) ||
      intents < 0 ||
      (intents & ~ALL_INTENTS) !== 0
    ) {
      connection.close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~application.privilegedIntents) !== 0) {
      connection.close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    const bucketKey = `${application.id}:${shardId % this.options.maxConcurrency}`;
    const now = Date.now();
    const last = this.lastIdentifyAt.get(bucketKey);
    const starts = this.currentSessionStarts(application.id);
    if (
      (last !== undefined && now - last < this.options.identifyIntervalMs) ||
      starts.used >= SESSION_START_TOTAL
    ) {
      connection.close(GatewayCloseCodes.RateLimited, 'You are being rate limited.');
      return;
    }
    this.lastIdentifyAt.set(bucketKey, now);
    starts.used++;
    this.count(application.id, shardId).identifies++;

    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      application,
      shardId,
      shardCount,
      intents,
      seq: 0,
      replayLog: [],
      connection,
      disconnectedAt: 0,
    };
    this.sessions.set(session.id, session);
    connection.session = session;
    const guilds = this.state
      .guildsOf(application.id)
      .filter((guild) => shardForGuild(guild.id, shardCount) === shardId);
    this.dispatch(session, 'READY', {
      v: 10,
      user: apiUser(this.state.users.get(application.botUserId)!),
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.resumeUrl,
      shard: [shardId, shardCount],
      application: { id: application.id, flags: applicationFlags(application) },
      user_settings: {},
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['["sandbox-gateway",{"micros":0}]'],
    });
    for (const guild of guilds)
      this.dispatch(session, 'GUILD_CREATE', apiGatewayGuild(this.state, guild, application));
  }

  private resume(connection: GatewayConnection, payload: unknown): void {
    const data = asRecord(payload);
    if (connection.session) {
      connection.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const application =
      typeof data.token === 'string' ? this.state.applicationByToken(stripBotPrefix(data.token)) : undefined;
    if (!application) {
      connection.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const session = typeof data.session_id === 'string' ? this.sessions.get(data.session_id) : undefined;
    const seq = data.seq;
    const replayFrom = session?.replayLog[0]?.s ?? (session ? session.seq + 1 : 0);
    if (
      !session ||
      session.application.id !== application.id ||
      this.expired(session) ||
      typeof seq !== 'number' ||
      !Number.isInteger(seq) ||
      seq + 1 < replayFrom
    ) {
      if (session && this.expired(session)) this.sessions.delete(session.id);
      connection.send({ op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    if ((seq as number) > session.seq) {
      connection.close(GatewayCloseCodes.InvalidSeq, 'Invalid seq.');
      return;
    }
    const previous = session.connection;
    if (previous && previous !== connection) {
      previous.session = null;
      previous.close(GatewayCloseCodes.SessionTimedOut, 'Session resumed elsewhere.');
    }
    session.connection = connection;
    connection.session = session;
    this.count(application.id, session.shardId).resumes++;
    for (const missed of session.replayLog) {
      if (missed.s > (seq as number)) connection.send({ op: GatewayOpcodes.Dispatch, ...missed });
    }
    this.dispatch(session, 'RESUMED', { _trace: ['["sandbox-gateway",{"micros":0}]'] });
  }

  private requestGuildMembers(session: GatewaySession, payload: unknown): void {
    const data = asRecord(payload);
    const guildIds: unknown[] = Array.isArray(data.guild_id) ? data.guild_id : [data.guild_id];
    for (const guildId of guildIds) {
      const guild = typeof guildId === 'string' ? this.state.guilds.get(guildId) : undefined;
      if (!guild || !guild.members.has(session.application.botUserId)) continue;
      const query = typeof data.query === 'string' ? data.query.toLowerCase() : '';
      const userIds: string[] | null = Array.isArray(data.user_ids)
        ? data.user_ids
        : typeof data.user_ids === 'string'
          ? [data.user_ids]
          : null;
      const members = [...guild.members.values()].filter((member) => {
        if (userIds) return userIds.includes(member.userId);
        return this.state.users.get(member.userId)!.username.toLowerCase().startsWith(query);
      });
      const limit =
        typeof data.limit === 'number' && Number.isInteger(data.limit) && data.limit > 0
          ? data.limit
          : members.length;
      this.dispatch(session, 'GUILD_MEMBERS_CHUNK', {
        guild_id: guild.id,
        members: members.slice(0, limit).map((member) => apiMember(this.state, member)),
        chunk_index: 0,
        chunk_count: 1,
        not_found: userIds ? userIds.filter((id) => !guild.members.has(id)) : [],
        ...(data.nonce ? { nonce: data.nonce } : {}),
      });
    }
  }

  /** Records the dispatch in the session's replay log and sends it if the session has a connection. */
  private dispatch(session: GatewaySession, event: string, data: unknown): void {
    const entry: Dispatch = { s: ++session.seq, t: event, d: data };
    session.replayLog.push(entry);
    if (session.replayLog.length > REPLAY_LOG_LIMIT) session.replayLog.shift();
    const connection = session.connection;
    if (!connection) return;
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, ...entry });
    if (this.held) this.held.push({ connection, frame });
    else connection.sendFrame(frame);
  }

  private expired(session: GatewaySession): boolean {
    return session.connection === null && Date.now() - session.disconnectedAt > this.options.resumeWindowMs;
  }

  private currentSessionStarts(applicationId: string) {
    let starts = this.sessionStarts.get(applicationId);
    if (!starts || Date.now() - starts.windowStartedAt >= SESSION_START_RESET_MS) {
      starts = { used: 0, windowStartedAt: Date.now() };
      this.sessionStarts.set(applicationId, starts);
    }
    return starts;
  }

  private count(applicationId: string, shardId: number): ShardCounters {
    let perShard = this.counters.get(applicationId);
    if (!perShard) this.counters.set(applicationId, (perShard = new Map()));
    let counts = perShard.get(shardId);
    if (!counts) perShard.set(shardId, (counts = { identifies: 0, resumes: 0 }));
    return counts;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Gateway tokens are sent bare, but tolerate a "Bot " prefix as Discord does. */
function stripBotPrefix(token: string): string {
  return token.startsWith('Bot ') ? token.slice(4) : token;
}
