import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscordAPIError } from '@discordjs/rest';
import { Bus } from '@steward/bus';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayConfig } from '../config.js';
import { ShardPlanError } from '../sharding/shard-plan.js';
import { ApplicationGateway, RejectedTokenError } from './application-gateway.js';

export interface BotCredentials {
  token: string;
  applicationId?: string;
}

/** What the gateway asks Discord for: guilds, guild messages with their content, optionally DMs. */
export function gatewayIntents(directMessages: boolean): number {
  return (
    GatewayIntentBits.Guilds |
    GatewayIntentBits.GuildMessages |
    GatewayIntentBits.MessageContent |
    (directMessages ? GatewayIntentBits.DirectMessages : 0)
  );
}

const START_RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * Runs one ApplicationGateway per bot application: the platform bot from the environment at
 * start, and any other application started or stopped at runtime. A failing application never
 * takes the others down.
 */
@Injectable()
export class GatewaySupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly applications = new Map<string, ApplicationGateway>();
  private readonly launching = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: Bus,
  ) {}

  onApplicationBootstrap(): void {
    const launch = this.launch({ token: this.config.DISCORD_BOT_TOKEN!, applicationId: this.config.DISCORD_APPLICATION_ID });
    this.launching.add(launch);
    void launch.finally(() => this.launching.delete(launch));
  }

  /** Starts an application's shards; resolves once they are connecting. */
  async startApplication(credentials: BotCredentials): Promise<ApplicationGateway> {
    if (credentials.applicationId && this.applications.has(credentials.applicationId)) {
      return this.applications.get(credentials.applicationId)!;
    }
    const gateway = await ApplicationGateway.start({
      token: credentials.token,
      applicationId: credentials.applicationId,
      apiUrl: this.config.DISCORD_API_URL,
      shardCount: this.config.GATEWAY_SHARD_COUNT,
      selection: {
        shards: this.config.GATEWAY_SHARDS,
        replicas: this.config.GATEWAY_REPLICAS,
        replicaIndex: this.config.GATEWAY_REPLICA_INDEX,
        hostname: this.config.HOSTNAME,
      },
      intents: gatewayIntents(this.config.GATEWAY_DIRECT_MESSAGES),
      identifyIntervalMs: this.config.GATEWAY_IDENTIFY_INTERVAL_MS,
      backlogLimit: this.config.GATEWAY_BACKLOG_LIMIT,
      sessionFlushMs: this.config.GATEWAY_SESSION_FLUSH_MS,
      bus: this.bus,
      logger: this.logger,
    });
    const existing = this.applications.get(gateway.applicationId);
    if (existing) {
      await gateway.stop();
      return existing;
    }
    this.applications.set(gateway.applicationId, gateway);
    return gateway;
  }

  /** Closes an application's shards resumably and stores their sessions. */
  async stopApplication(applicationId: string): Promise<void> {
    const gateway = this.applications.get(applicationId);
    if (!gateway) return;
    this.applications.delete(applicationId);
    await gateway.stop();
  }

  application(applicationId: string): ApplicationGateway | undefined {
    return this.applications.get(applicationId);
  }

  /** Why this replica is not ready: shards that are not READY/RESUMED (empty when ready). */
  readinessProblems(): string[] {
    if (this.launching.size > 0) return ['the platform bot is still starting'];
    return [...this.applications.values()].flatMap((gateway) => gateway.notReady());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.launching]);
    await Promise.all([...this.applications.values()].map((gateway) => gateway.stop()));
    this.applications.clear();
  }

  /** Starts an application, retrying while Discord is unreachable; a refused token ends it with one line. */
  private async launch(credentials: BotCredentials): Promise<void> {
    for (let attempt = 0; !this.shutdown.signal.aborted; attempt++) {
      try {
        const gateway = await this.startApplication(credentials);
        if (this.shutdown.signal.aborted) await gateway.stop();
        return;
      } catch (error) {
        if (error instanceof RejectedTokenError || !isTransient(error)) {
          this.logger.error({ err: error }, `${(error as Error).message}; not retrying this application`);
          return;
        }
        const delay = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)]!;
        this.logger.warn({ err: error, retryInMs: delay }, 'could not start the gateway for the platform bot; retrying');
        await sleep(delay, undefined, { signal: this.shutdown.signal }).catch(() => undefined);
      }
    }
  }
}

/** Network trouble and Discord outages heal; configuration mistakes and refusals do not. */
function isTransient(error: unknown): boolean {
  if (error instanceof ShardPlanError || error instanceof RangeError) return false;
  if (error instanceof DiscordAPIError) return error.status >= 500 || error.status === 429;
  return true;
}
