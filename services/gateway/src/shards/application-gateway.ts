import { DiscordAPIError, REST } from '@discordjs/rest';
import { CloseCodes, WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import type { Bus } from '@steward/bus';
import { Buckets, type ShardFailure } from '@steward/contracts';
import type { Logger } from '@steward/telemetry';
import {
  GatewayCloseCodes,
  Routes,
  type GatewayDispatchPayload,
  type RESTGetAPIGatewayBotResult,
  type RESTGetCurrentApplicationResult,
} from 'discord-api-types/v10';
import { identifyBucket, KvIdentifyThrottler } from '../identify/kv-identify-throttler.js';
import { gatewayMetrics, ShardStatus } from '../metrics.js';
import { ShardPublisher } from '../publishing/shard-publisher.js';
import { SessionStore } from '../sessions/session-store.js';
import { ShardStatusBoard } from '../status/shard-status-board.js';
import { selectShards, type ShardSelection } from '../sharding/shard-plan.js';

export interface ApplicationGatewayOptions {
  token: string;
  /** Learnt from `GET /applications/@me` when not given. */
  applicationId?: string;
  /** REST base, e.g. `https://discord.com/api`. */
  apiUrl: string;
  /** Total shards; default: Discord's recommendation. */
  shardCount?: number;
  selection: ShardSelection;
  intents: number;
  /** Where the operator updates this bot's token, for the message when Discord rejects it. */
  tokenSource?: string;
  identifyIntervalMs: number;
  backlogLimit: number;
  sessionFlushMs: number;
  bus: Bus;
  logger: Logger;
}

/** Close codes after which reconnecting cannot help; the library stops on them too. */
const FATAL_CLOSE_CODES = new Set<number>([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** How long a stopping gateway waits for JetStream to acknowledge what it still holds. */
const STOP_DRAIN_TIMEOUT_MS = 5_000;

type State = 'running' | 'paused' | 'failed' | 'stopped';

/** A bot token Discord refuses (REST 401 or gateway close 4004): retrying cannot help. */
export class RejectedTokenError extends Error {}

/**
 * One bot application's gateway connection: its shards (`@discordjs/ws`), sessions kept in KV so
 * a restart resumes, identify throttling shared across replicas, and an ordered JetStream
 * publisher per shard. Several can run side by side and be started and stopped at runtime.
 */
export class ApplicationGateway {
  private state: State = 'running';
  private readonly status = new Map<number, number>();
  private readonly flushTimer: NodeJS.Timeout;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly applicationId: string,
    readonly shardCount: number,
    readonly shardIds: number[],
    private readonly rest: REST,
    private readonly manager: WebSocketManager,
    private readonly sessions: SessionStore,
    private readonly publishers: Map<number, ShardPublisher>,
    private readonly board: ShardStatusBoard,
    private readonly logger: Logger,
    sessionFlushMs: number,
    private readonly tokenSource: string,
  ) {
    for (const shardId of shardIds) this.setStatus(shardId, ShardStatus.Disconnected);
    this.listen();
    this.flushTimer = setInterval(() => void this.sessions.flush(), sessionFlushMs);
  }

  /** Resolves once the shards are created and connecting (not when they are ready). */
  static async start(options: ApplicationGatewayOptions): Promise<ApplicationGateway> {
    const rest = new REST({ api: options.apiUrl, version: '10' }).setToken(options.token);
    try {
      const applicationId =
        options.applicationId ?? (await rest.get(Routes.currentApplication()) as RESTGetCurrentApplicationResult).id;
      const logger = options.logger.child({ application: applicationId });
      const gatewayInfo = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
      const shardCount = options.shardCount ?? gatewayInfo.shards;
      const shardIds = selectShards(options.selection, shardCount);
      const maxConcurrency = gatewayInfo.session_start_limit.max_concurrency;

      const sessions = new SessionStore(await options.bus.kv(Buckets.gatewaySessions.name), applicationId, logger);
      const resumable = await sessions.load(shardIds);
      const throttler = new KvIdentifyThrottler({
        kv: await options.bus.kv(identifyBucket.name),
        applicationId,
        maxConcurrency,
        intervalMs: options.identifyIntervalMs,
      });
      const manager = new WebSocketManager({
        token: options.token,
        intents: options.intents,
        rest,
        shardCount,
        shardIds,
        buildIdentifyThrottler: async () => throttler,
        retrieveSessionInfo: (shardId) => sessions.retrieve(shardId),
        updateSessionInfo: (shardId, info) => sessions.update(shardId, info),
      });
      const board = new ShardStatusBoard(
        await options.bus.kv(Buckets.gatewayStatus.name),
        applicationId,
        shardCount,
        logger,
      );
      // Last before the gateway exists: a publisher counts in the backlog gauge until it is stopped.
      const publishers = new Map(
        shardIds.map((shardId) => [
          shardId,
          new ShardPublisher({
            bus: options.bus,
            applicationId,
            shardId,
            backlogLimit: options.backlogLimit,
            logger,
            onAcknowledged: (sessionId, sequence) => sessions.acknowledge(shardId, sessionId, sequence),
          }),
        ]),
      );
      const gateway = new ApplicationGateway(
        applicationId,
        shardCount,
        shardIds,
        rest,
        manager,
        sessions,
        publishers,
        board,
        logger,
        options.sessionFlushMs,
        options.tokenSource ?? 'in DISCORD_BOT_TOKEN',
      );
      logger.info(
        { shardCount, shards: describeShards(shardIds), maxConcurrency, resumable },
        shardIds.length > 0 ? 'connecting gateway shards' : 'this replica has no shards of this application to run',
      );
      if (shardIds.length > 0) gateway.connect();
      return gateway;
    } catch (error) {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
      if (error instanceof DiscordAPIError && error.status === 401) {
        throw new RejectedTokenError(
          `Discord rejected the bot token${options.applicationId ? ` of application ${options.applicationId}` : ''} ` +
            `(401 on ${error.method} ${new URL(error.url).pathname}): reset the token under Bot in the Discord Developer Portal ` +
            `and update it ${options.tokenSource ?? 'in DISCORD_BOT_TOKEN'}`,
        );
      }
      throw error;
    }
  }

  /** Shards of this application that are not READY/RESUMED; none once it stopped or failed for good. */
  notReady(): string[] {
    if (this.state === 'failed' || this.state === 'stopped') return [];
    return this.shardIds
      .filter((shardId) => this.status.get(shardId) !== ShardStatus.Ready)
      .map((shardId) => `application ${this.applicationId} shard ${shardId}/${this.shardCount} is ${this.state === 'paused' ? 'paused' : 'not connected'}`);
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /**
   * Graceful stop: closes the shards with a resumable close code, waits for JetStream to
   * acknowledge what they received, and stores the sessions so the next replica resumes them.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const wasFailed = this.state === 'failed';
      this.state = 'stopped';
      clearInterval(this.flushTimer);
      this.sessions.keepSessionsOnClose(true);
      if (!wasFailed) await this.closeShards('gateway shutting down');
      await Promise.all([...this.publishers.values()].map((publisher) => publisher.drained(STOP_DRAIN_TIMEOUT_MS)));
      for (const publisher of this.publishers.values()) publisher.stop();
      await this.sessions.flush();
      await this.board.close();
      for (const shardId of this.shardIds) gatewayMetrics.shardStatus.remove(this.applicationId, String(shardId));
      this.rest.clearHashSweeper();
      this.rest.clearHandlerSweeper();
      this.logger.info({}, 'gateway shards closed; sessions stored for resuming');
    })();
    return this.stopping;
  }

  private connect(): void {
    // Resolves when every shard is ready, which may be never (fatal close); progress is tracked by events.
    this.manager.connect().catch((error: unknown) => {
      if (this.state !== 'running') return;
      this.logger.error({ err: error }, 'could not connect the gateway shards');
    });
  }

  private async closeShards(reason: string): Promise<void> {
    try {
      await this.manager.destroy({ code: CloseCodes.Resuming, reason });
    } catch (error) {
      this.logger.warn({ err: error }, 'closing the gateway shards failed');
    }
  }

  private listen(): void {
    const manager = this.manager;
    manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) => this.onDispatch(payload, shardId));
    manager.on(WebSocketShardEvents.Hello, (shardId) => this.setStatus(shardId, ShardStatus.Connecting));
    manager.on(WebSocketShardEvents.Ready, (data, shardId) => {
      this.setStatus(shardId, ShardStatus.Ready);
      gatewayMetrics.sessionsStarted.labels(this.applicationId, 'identify').inc();
      // A READY without its guild list must not take the process down over a log line.
      this.logger.info({ shard: shardId, guilds: Array.isArray(data?.guilds) ? data.guilds.length : null }, 'shard ready (new session)');
    });
    manager.on(WebSocketShardEvents.Resumed, (shardId) => {
      this.setStatus(shardId, ShardStatus.Ready);
      gatewayMetrics.sessionsStarted.labels(this.applicationId, 'resume').inc();
      this.logger.info({ shard: shardId }, 'shard resumed');
    });
    manager.on(WebSocketShardEvents.Closed, (code, shardId) => this.onClosed(code, shardId));
    manager.on(WebSocketShardEvents.Error, (error, shardId) => {
      // Fatal closes surface here too; onClosed explains them.
      if (this.state === 'running') this.logger.debug({ err: error, shard: shardId }, 'shard error');
    });
    manager.on(WebSocketShardEvents.SocketError, (error, shardId) => {
      if (this.state === 'running') this.logger.warn({ err: error, shard: shardId }, 'gateway socket error; the shard reconnects');
    });
    manager.on(WebSocketShardEvents.Debug, (message, shardId) => this.logger.trace({ shard: shardId }, message));
  }

  private onDispatch(payload: GatewayDispatchPayload, shardId: number): void {
    const publisher = this.publishers.get(shardId);
    const session = this.sessions.retrieve(shardId);
    if (!publisher || !session) return;
    if (!publisher.accept(session.sessionId, payload)) void this.pauseForBacklog(shardId);
  }

  private onClosed(code: number, shardId: number): void {
    this.setStatus(shardId, ShardStatus.Disconnected);
    if (this.state !== 'running') return;
    gatewayMetrics.reconnects.labels(this.applicationId, String(code)).inc();
    if (FATAL_CLOSE_CODES.has(code)) {
      this.fail(code);
      return;
    }
    this.logger.info({ shard: shardId, code }, 'gateway connection closed; the shard reconnects');
  }

  /** One clear line for the operator, then this application stops while others keep running. */
  private fail(code: number): void {
    this.state = 'failed';
    const portal = `https://discord.com/developers/applications/${this.applicationId}/bot`;
    const explanation =
      code === GatewayCloseCodes.DisallowedIntents
        ? `Discord refused the gateway connection of application ${this.applicationId} with close code 4014 (disallowed intents): ` +
          `enable "Message Content Intent" under Privileged Gateway Intents in the Discord Developer Portal (${portal}), then restart the gateway`
        : code === GatewayCloseCodes.AuthenticationFailed
          ? `Discord rejected the bot token of application ${this.applicationId} with close code 4004 (authentication failed): ` +
            `reset the token in the Discord Developer Portal (${portal}) and update it ${this.tokenSource}, then restart the gateway`
          : `Discord closed the gateway connection of application ${this.applicationId} with close code ${code} (${GatewayCloseCodes[code] ?? 'unknown'}), ` +
            'which cannot be fixed by reconnecting; check the shard configuration (GATEWAY_SHARD_COUNT, GATEWAY_SHARDS)';
    this.logger.error({ closeCode: code }, `${explanation}; not retrying this application`);
    for (const shardId of this.shardIds) this.setStatus(shardId, ShardStatus.Stopped, failureOf(code));
    clearInterval(this.flushTimer);
    void this.closeShards('application stopped');
  }

  /**
   * A shard's backlog is full because JetStream has not acknowledged for a while: close the
   * shards (resumable), wait until JetStream took everything, then resume from the last
   * acknowledged dispatch so Discord replays what was dropped meanwhile.
   */
  private async pauseForBacklog(shardId: number): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.logger.error(
      { shard: shardId },
      'gateway backlog full: closing the shards until JetStream acknowledges again; they resume afterwards and Discord replays what was dropped',
    );
    this.sessions.keepSessionsOnClose(true);
    await this.closeShards('backlog full');
    for (const publisher of this.publishers.values()) {
      while (!(await publisher.drained(60_000))) {
        if (this.state !== 'paused') return;
      }
    }
    if (this.state !== 'paused') return;
    this.sessions.rewindToAcknowledged();
    this.sessions.keepSessionsOnClose(false);
    for (const publisher of this.publishers.values()) publisher.acceptAgain();
    this.state = 'running';
    this.logger.info({}, 'JetStream caught up: resuming the gateway shards');
    this.connect();
  }

  private setStatus(shardId: number, status: number, failure?: ShardFailure): void {
    const wasReady = this.allReady();
    this.status.set(shardId, status);
    gatewayMetrics.shardStatus.labels(this.applicationId, String(shardId)).set(status);
    this.board.set(shardId, BOARD_STATES[status] ?? 'disconnected', failure);
    if (!wasReady && this.allReady()) this.logger.info({ shards: describeShards(this.shardIds) }, 'all shards of this application are ready');
  }

  private allReady(): boolean {
    return this.shardIds.length > 0 && this.shardIds.every((shardId) => this.status.get(shardId) === ShardStatus.Ready);
  }
}

const BOARD_STATES: Record<number, 'connecting' | 'ready' | 'disconnected' | 'failed'> = {
  [ShardStatus.Disconnected]: 'disconnected',
  [ShardStatus.Connecting]: 'connecting',
  [ShardStatus.Resuming]: 'connecting',
  [ShardStatus.Ready]: 'ready',
  [ShardStatus.Stopped]: 'failed',
};

function failureOf(closeCode: number): ShardFailure {
  if (closeCode === GatewayCloseCodes.DisallowedIntents) return 'disallowed_intents';
  if (closeCode === GatewayCloseCodes.AuthenticationFailed) return 'token_rejected';
  return 'invalid_shard_config';
}

function describeShards(shardIds: number[]): string {
  if (shardIds.length === 0) return 'none';
  const contiguous = shardIds.every((id, index) => index === 0 || id === shardIds[index - 1]! + 1);
  return contiguous ? `${shardIds[0]}-${shardIds.at(-1)}` : shardIds.join(',');
}
