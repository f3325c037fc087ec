/**
 * Proactive posts as they run for real, in one process: the Discord sandbox, the gateway, router
 * (guild directory), metering, answer (offline writer) and egress services, and as many
 * scheduler replicas as a test wants, all on the shared NATS and one fresh database. The
 * schedulers share a clock the test moves; everything else runs on real time.
 */
import type { StewardEnv } from '@steward/config';
import { Bus } from '@steward/bus';
import { Buckets, DirectoryRpc, guildConfig, MeteringRpc, Rpc, type ChannelByNameReply, type RpcReply } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { startDiscordSandbox, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { answerService } from '../../answer/src/service.js';
import { egressService } from '../../egress/src/service.js';
import { gatewayService } from '../../gateway/src/service.js';
import { meteringService } from '../../metering/src/service.js';
import { routerService } from '../../router/src/service.js';
import type { Clock } from '../src/clock.js';
import type { SchedulerConfig } from '../src/config.js';
import { SchedulerRpc, type HistoryEntry, type HistoryListReply } from '../src/history/history-rpc.js';
import { createSchedulerService } from '../src/service.js';

export const TENANT = 'tenant-proactive';
export const TWO_HOURS = 2 * 60 * 60 * 1000;
export const LEASE_MS = 30_000;
export const CHANNEL_RETRY_MS = 60_000;

/** A clock that stands still until the test moves it. */
export class ManualClock implements Clock {
  constructor(private at: number) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/** The services every scheduler test runs with, in start order. */
const SHARED_SERVICES = {
  metering: meteringService,
  router: routerService,
  egress: egressService,
  answer: answerService,
  gateway: gatewayService,
};
type SharedService = keyof typeof SHARED_SERVICES;

export class ProactiveHarness {
  discord!: DiscordSandbox;
  app!: ApplicationCredentials;
  bus!: Bus;
  readonly clock = new ManualClock(Date.parse('2030-03-04T09:00:00Z'));
  readonly schedulers = new Set<RunningService<SchedulerConfig>>();
  private readonly services = new Map<SharedService, RunningService<StewardEnv>>();
  private database!: TestDatabase;
  private common!: Record<string, string | undefined>;

  /** `prepare` creates the guilds before the gateway connects, so GUILD_CREATE carries them whole. */
  async start(prepare: (discord: DiscordSandbox, app: ApplicationCredentials) => void): Promise<void> {
    await resetJetStream();
    this.database = await createTestDatabase();
    this.discord = await startDiscordSandbox({ identifyIntervalMs: 0 });
    this.app = this.discord.createApplication({ name: 'Steward' });
    prepare(this.discord, this.app);
    this.common = {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: this.database.url,
      STEWARD_LOCAL: '1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      OPS_PORT: '0',
      DISCORD_API_URL: this.discord.apiUrl,
      DISCORD_APPLICATION_ID: this.app.id,
      DISCORD_BOT_TOKEN: this.app.token,
    };
    this.bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'scheduler-test' });
    for (const name of Object.keys(SHARED_SERVICES) as SharedService[]) await this.startShared(name);
    await this.bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: TENANT, plan: 'pro' }, { timeoutMs: 10_000 });
  }

  /** Starts with one guild per name, each with its #general known to the directory. */
  async startWithGuilds(...names: string[]): Promise<GuildSnapshot[]> {
    let guilds: GuildSnapshot[] = [];
    await this.start((discord, app) => {
      guilds = names.map((name) => discord.createGuild({ name, applicationIds: [app.id] }));
    });
    for (const guild of guilds) await this.channelKnown(guild.id, 'general');
    return guilds;
  }

  /** A test's own scheduler replica, whatever an earlier test left running. */
  async onlyScheduler(env: Record<string, string> = {}): Promise<RunningService<SchedulerConfig>> {
    for (const scheduler of [...this.schedulers]) await this.stopScheduler(scheduler);
    return this.startScheduler(env);
  }

  /** One more scheduler replica on the shared clock and database. */
  async startScheduler(env: Record<string, string> = {}): Promise<RunningService<SchedulerConfig>> {
    const scheduler = await startService(createSchedulerService({ clock: this.clock }), {
      ...this.common,
      SCHEDULER_TICK_MS: '40',
      SCHEDULER_LEASE_MS: String(LEASE_MS),
      SCHEDULER_CHANNEL_RETRY_MS: String(CHANNEL_RETRY_MS),
      ...env,
    });
    this.schedulers.add(scheduler);
    return scheduler;
  }

  /** Starts one of the shared services (again, after `stopShared`); one that runs is left alone. */
  async startShared(name: SharedService): Promise<void> {
    if (this.services.has(name)) return;
    this.services.set(name, (await startService(SHARED_SERVICES[name] as never, this.common)) as RunningService<StewardEnv>);
  }

  /** Stops one of the shared services; its durable consumers keep what arrives until it is back. */
  async stopShared(name: SharedService): Promise<void> {
    const service = this.services.get(name);
    this.services.delete(name);
    await service?.stop();
  }

  async stopScheduler(scheduler: RunningService<SchedulerConfig>): Promise<void> {
    this.schedulers.delete(scheduler);
    await scheduler.stop();
  }

  async stop(): Promise<void> {
    for (const scheduler of [...this.schedulers]) await this.stopScheduler(scheduler).catch(() => undefined);
    for (const service of [...this.services.values()].reverse()) await service.stop().catch(() => undefined);
    await this.bus?.drain().catch(() => undefined);
    await this.discord?.close();
    await this.database?.drop();
  }

  /** Publishes the guild's proactive settings and waits until the schedulers mirrored them. */
  async configure(guildId: string, proactive: Record<string, unknown>, tenantId = TENANT): Promise<void> {
    const config = guildConfig.parse({ guildId, tenantId, applicationId: this.app.id, settings: { proactive } });
    const revision = await this.bus.putJson(Buckets.configGuilds.name, guildId, { ...config, settings: { ...config.settings, proactive: { ...config.settings.proactive, ...proactive } } });
    const scheduler = [...this.schedulers][0]!;
    await waitFor(
      async () => {
        const [row] = (await scheduler.dataSource!.query('SELECT config_revision FROM scheduler.schedules WHERE guild_id = $1', [guildId])) as { config_revision: string }[];
        return row && Number(row.config_revision) >= revision;
      },
      { timeoutMs: 5_000, message: `the schedule of ${guildId} mirrored` },
    );
  }

  async addDocument(title: string, content: string, tenantId = TENANT): Promise<void> {
    const added = await this.bus.requestJson<RpcReply<'knowledgeAdd'>>(Rpc.knowledgeAdd.subject, { tenantId, title, content });
    await waitFor(
      async () => (await this.bus.requestJson<RpcReply<'knowledgeGet'>>(Rpc.knowledgeGet.subject, { tenantId, id: added.id })).status === 'indexed',
      { timeoutMs: 10_000, message: `document "${title}" indexed` },
    );
  }

  async history(guildId: string, tenantId = TENANT): Promise<HistoryEntry[]> {
    const reply = await this.bus.requestJson<HistoryListReply>(SchedulerRpc.historyList.subject, { tenantId, guildId, limit: 100 });
    return reply.entries;
  }

  /** Waits until the guild's history holds `count` runs that pass `check`. */
  async historyWith(guildId: string, count: number, check: (entry: HistoryEntry) => boolean, tenantId = TENANT): Promise<HistoryEntry[]> {
    return waitFor(
      async () => {
        const entries = (await this.history(guildId, tenantId)).filter(check);
        return entries.length >= count ? entries : undefined;
      },
      { timeoutMs: 10_000, message: `${count} matching history entries of ${guildId}` },
    );
  }

  /** The bot's messages in a channel. */
  botPosts(channelId: string) {
    return this.discord.messages(channelId).filter((message) => message.author.id === this.app.botUserId);
  }

  async proactiveMessagesUsed(tenantId = TENANT): Promise<number> {
    const usage = await this.bus.requestJson<{ byKind: Record<string, number> }>(MeteringRpc.usage.subject, { tenantId }, { timeoutMs: 10_000 });
    return usage.byKind.proactive ?? 0;
  }

  /** Waits until the router's directory resolves the channel name. */
  async channelKnown(guildId: string, name: string): Promise<string> {
    return waitFor(
      async () => (await this.bus.requestJson<ChannelByNameReply>(DirectoryRpc.channelByName.subject, { guildId, name })).channel?.id,
      { timeoutMs: 10_000, message: `#${name} in the directory of ${guildId}` },
    );
  }

  /** Lets a few scheduler ticks pass, for asserting that nothing more happens. */
  settle(ms = 400): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
