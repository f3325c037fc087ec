import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscordAPIError } from '@discordjs/rest';
import { Bus } from '@steward/bus';
import { CONFIG, LOGGER } from '@steward/runtime';
import { BotApplications, SecretBox, type BotApplication } from '@steward/secrets';
import type { Logger } from '@steward/telemetry';
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { GatewayConfig } from '../config.js';
import { ShardPlanError } from '../sharding/shard-plan.js';
import { ApplicationGateway, RejectedTokenError } from './application-gateway.js';

export interface BotCredentials {
  token: string;
  applicationId?: string;
  /** A tenant's own bot (from KV `config-apps`) rather than the platform bot. */
  tenant?: boolean;
}

/** A tenant bot being started, running, or stopped: the token it runs with and how to cancel it. */
interface TenantBotRun {
  token: string;
  cancel: AbortController;
  settled: Promise<void>;
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
 * start, and every tenant bot in KV `config-apps` (started when its entry appears, restarted when
 * its token changes, stopped when the entry is deleted). A failing application never takes the
 * others down.
 */
@Injectable()
export class GatewaySupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly applications = new Map<string, ApplicationGateway>();
  private readonly launching = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private readonly tenantRuns = new Map<string, TenantBotRun>();
  private tenantBots?: BotApplications;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: Bus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const launch = this.launch({ token: this.config.DISCORD_BOT_TOKEN!, applicationId: this.config.DISCORD_APPLICATION_ID });
    this.launching.add(launch);
    void launch.finally(() => this.launching.delete(launch));
    this.tenantBots = await BotApplications.open(this.bus, {
      secrets: SecretBox.fromEnv(this.config),
      logger: this.logger,
      onChange: (applicationId, application) => this.tenantBotChanged(applicationId, application),
    });
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
      // The shard settings describe the platform bot; a tenant bot gets Discord's recommendation.
      shardCount: credentials.tenant ? undefined : this.config.GATEWAY_SHARD_COUNT,
      selection: credentials.tenant ? this.tenantShardSelection() : {
        shards: this.config.GATEWAY_SHARDS,
        replicas: this.config.GATEWAY_REPLICAS,
        replicaIndex: this.config.GATEWAY_REPLICA_INDEX,
        hostname: this.config.HOSTNAME,
      },
      intents: gatewayIntents(this.config.GATEWAY_DIRECT_MESSAGES),
      tokenSource: credentials.tenant ? 'on the Custom bot page of the dashboard' : 'in DISCORD_BOT_TOKEN',
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
    this.tenantBots?.close();
    await Promise.allSettled([...this.launching, ...[...this.tenantRuns.values()].map((run) => run.settled)]);
    await Promise.all([...this.applications.values()].map((gateway) => gateway.stop()));
    this.applications.clear();
  }

  /**
   * A tenant bot appeared, changed or went away in KV `config-apps`. Changes of one application
   * apply in order: the previous run is cancelled and stopped before the next one starts.
   */
  private tenantBotChanged(applicationId: string, application: BotApplication | undefined): void {
    if (applicationId === this.config.DISCORD_APPLICATION_ID) {
      this.logger.warn({ applicationId }, 'ignoring a tenant bot entry for the platform application');
      return;
    }
    const previous = this.tenantRuns.get(applicationId);
    // Only the token matters to the gateway (a new public key concerns the interactions endpoint).
    if (previous && application && previous.token === application.token) return;
    previous?.cancel.abort();
    const cancel = new AbortController();
    const settled = (async () => {
      await previous?.settled;
      await this.stopApplication(applicationId);
      if (!application || cancel.signal.aborted) return;
      this.logger.info({ applicationId, tenantId: application.tenantId }, 'starting the gateway for a tenant bot');
      await this.launch({ token: application.token, applicationId, tenant: true }, cancel.signal);
    })().catch((error: unknown) =>
      this.logger.error({ err: error, applicationId }, 'could not apply a tenant bot change'),
    );
    if (application) this.tenantRuns.set(applicationId, { token: application.token, cancel, settled });
    else {
      this.tenantRuns.delete(applicationId);
      this.logger.info({ applicationId }, 'stopping the gateway for a removed tenant bot');
    }
  }

  /**
   * Tenant bots are split across replicas like the platform bot when GATEWAY_REPLICAS is set;
   * with an explicit GATEWAY_SHARDS list, the replica that runs shard 0 runs them.
   */
  private tenantShardSelection() {
    const { GATEWAY_SHARDS: shards, GATEWAY_REPLICAS: replicas } = this.config;
    if (shards) return { shards: shards.includes(0) ? undefined : [] };
    return { replicas, replicaIndex: this.config.GATEWAY_REPLICA_INDEX, hostname: this.config.HOSTNAME };
  }

  /** Starts an application, retrying while Discord is unreachable; a refused token ends it with one line. */
  private async launch(credentials: BotCredentials, cancel?: AbortSignal): Promise<void> {
    const signal = cancel ? AbortSignal.any([this.shutdown.signal, cancel]) : this.shutdown.signal;
    const which = credentials.tenant ? `tenant bot ${credentials.applicationId}` : 'the platform bot';
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const gateway = await this.startApplication(credentials);
        if (signal.aborted) await this.stopApplication(gateway.applicationId);
        return;
      } catch (error) {
        if (error instanceof RejectedTokenError || !isTransient(error)) {
          this.logger.error({ err: error }, `${(error as Error).message}; not retrying this application`);
          return;
        }
        const delay = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)]!;
        this.logger.warn({ err: error, retryInMs: delay }, `could not start the gateway for ${which}; retrying`);
        await sleep(delay, undefined, { signal }).catch(() => undefined);
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
