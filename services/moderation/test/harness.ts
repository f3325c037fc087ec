/**
 * Moderation as it runs for real, in one process: the Discord and Anthropic sandboxes, and the
 * gateway, router (guild directory), metering, egress and moderation services on the shared
 * NATS and a fresh database. Members post in the sandbox; the gateway publishes the dispatch;
 * moderation acts through egress back on the sandbox.
 */
import type { StewardEnv } from '@steward/config';
import { Bus } from '@steward/bus';
import {
  Buckets,
  guildConfig,
  MeteringRpc,
  ModerationRpc,
  type GuildConfig,
  type ModerationLogEntry,
  type ModerationLogListRequest,
} from '@steward/contracts';
import { GuildConfigStore, startService, type RunningService, type ServiceDefinition } from '@steward/runtime';
import {
  startAnthropicSandbox,
  startDiscordSandbox,
  type AnthropicSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type RecordedRequest,
} from '@steward/sandbox';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { egressService } from '../../egress/src/service.js';
import { gatewayService } from '../../gateway/src/service.js';
import { meteringService } from '../../metering/src/service.js';
import { routerService } from '../../router/src/service.js';
import type { ModerationConfig } from '../src/config.js';
import { ModerationEvents, type MessageChecked } from '../src/pipeline/moderation-pipeline.js';
import { moderationService } from '../src/service.js';

export const TENANT = 'tenant-moderation';

/** The verdict the sandbox model gives, as the tool input of submit_moderation_verdict. */
export interface ScriptedVerdict {
  violation: boolean;
  rule: string;
  severity: 'none' | 'low' | 'medium' | 'high' | 'critical';
  recommended_action: 'none' | 'warn' | 'delete' | 'timeout' | 'kick' | 'ban';
  confidence: number;
  reason: string;
}

export const CLEAN: ScriptedVerdict = {
  violation: false,
  rule: '',
  severity: 'none',
  recommended_action: 'none',
  confidence: 0.95,
  reason: 'An ordinary message.',
};

/** The model's verdict on an invite link to another server. */
export const INVITE: ScriptedVerdict = {
  violation: true,
  rule: 'No invite links to other servers.',
  severity: 'medium',
  recommended_action: 'delete',
  confidence: 0.96,
  reason: 'The message advertises another Discord server.',
};

/** The text of the message under judgement, as the judge's prompt carries it. */
export function judgedMessage(request: RecordedRequest): string {
  const text = request.body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  return /<message [^>]*>\n([\s\S]*?)\n<\/message>/.exec(text)?.[1] ?? '';
}

export class ModerationHarness {
  discord!: DiscordSandbox;
  anthropic!: AnthropicSandbox;
  app!: ApplicationCredentials;
  bus!: Bus;
  moderation!: RunningService<ModerationConfig>;
  /** The model's verdict for messages containing a key; everything else is clean. */
  readonly verdicts = new Map<string, ScriptedVerdict | 'down'>();
  /** How long the model takes over messages containing a key; no delay otherwise. */
  readonly delaysMs = new Map<string, number>();
  readonly checked: MessageChecked[] = [];
  private readonly services: RunningService<StewardEnv>[] = [];
  private metering!: RunningService<StewardEnv>;
  private egress!: RunningService<StewardEnv>;
  private router!: RunningService<StewardEnv>;
  private commonEnv: Record<string, string | undefined> = {};
  private database!: TestDatabase;

  /**
   * `prepare` creates the guilds before the gateway connects, so GUILD_CREATE carries them
   * whole; `moderationEnv` adds settings of the test's own to the moderation service.
   */
  async start(
    prepare: (discord: DiscordSandbox, app: ApplicationCredentials) => void,
    moderationEnv: Record<string, string> = {},
  ): Promise<void> {
    await resetJetStream();
    this.database = await createTestDatabase();
    this.discord = await startDiscordSandbox({ identifyIntervalMs: 0 });
    this.anthropic = await startAnthropicSandbox({ apiKey: 'sk-ant-test' });
    this.anthropic.respondWith((request) => {
      const message = judgedMessage(request);
      const delayMs = [...this.delaysMs].find(([key]) => message.includes(key))?.[1];
      // The most specific key wins.
      for (const [key, verdict] of [...this.verdicts].sort(([a], [b]) => b.length - a.length)) {
        if (!message.includes(key)) continue;
        if (verdict === 'down') return { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' }, delayMs };
        return { toolUse: { name: 'submit_moderation_verdict', input: { ...verdict } }, delayMs };
      }
      return { toolUse: { name: 'submit_moderation_verdict', input: { ...CLEAN } }, delayMs };
    });
    this.app = this.discord.createApplication({ name: 'Steward' });
    prepare(this.discord, this.app);

    const common = {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: this.database.url,
      STEWARD_LOCAL: '1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      OPS_PORT: '0',
      DISCORD_API_URL: this.discord.apiUrl,
      DISCORD_APPLICATION_ID: this.app.id,
      DISCORD_BOT_TOKEN: this.app.token,
    };
    this.bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'moderation-test' });
    this.commonEnv = common;
    this.metering = (await startService(meteringService, common)) as unknown as RunningService<StewardEnv>;
    this.services.push(this.metering);
    this.router = (await startService(routerService, common)) as unknown as RunningService<StewardEnv>;
    this.services.push(this.router);
    this.egress = (await startService(egressService, common)) as unknown as RunningService<StewardEnv>;
    this.services.push(this.egress);
    this.moderation = await startService(moderationService, {
      ...common,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: this.anthropic.url,
      ...moderationEnv,
    });
    this.services.push(this.moderation as unknown as RunningService<StewardEnv>);
    this.moderation.app.get(ModerationEvents).on('checked', (checked) => this.checked.push(checked));
    this.services.push((await startService(gatewayService, common)) as unknown as RunningService<StewardEnv>);
    await this.bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: TENANT, plan: 'pro' }, { timeoutMs: 10_000 });
  }

  async stop(): Promise<void> {
    for (const service of this.services.reverse()) await service.stop().catch(() => undefined);
    await this.bus?.drain().catch(() => undefined);
    await this.discord?.close();
    await this.anthropic?.close();
    await this.database?.drop();
  }

  /** Takes the metering service away (as an outage would); the returned function brings it back. */
  stopMetering(): Promise<() => Promise<void>> {
    return this.takeAway('metering', meteringService);
  }

  /** Takes egress away (commands wait in their stream); the returned function brings it back. */
  stopEgress(): Promise<() => Promise<void>> {
    return this.takeAway('egress', egressService);
  }

  /** Takes the router away (and with it the guild directory); the returned function brings it back. */
  stopRouter(): Promise<() => Promise<void>> {
    return this.takeAway('router', routerService);
  }

  private async takeAway<C extends StewardEnv>(
    which: 'metering' | 'egress' | 'router',
    definition: ServiceDefinition<C>,
  ): Promise<() => Promise<void>> {
    const stopped = this[which];
    await stopped.stop();
    return async () => {
      const started = (await startService(definition, this.commonEnv)) as unknown as RunningService<StewardEnv>;
      this.services[this.services.indexOf(stopped)] = started;
      this[which] = started;
    };
  }

  /** Publishes the guild's settings to KV and waits until moderation has them. */
  async configure(
    guildId: string,
    moderation: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    applicationId = this.app.id,
  ): Promise<GuildConfig> {
    const config = guildConfig.parse({
      guildId,
      tenantId: TENANT,
      applicationId,
      settings: { responseMode: 'ask', moderation: { enabled: true, ...moderation }, ...extra },
    });
    await this.bus.putJson(Buckets.configGuilds.name, guildId, config);
    const store = this.moderation.app.get(GuildConfigStore);
    await waitFor(() => JSON.stringify(store.get(guildId)) === JSON.stringify(config), {
      message: 'moderation to see the new settings',
    });
    return config;
  }

  /** Waits until the router's directory has the guild (after the gateway's GUILD_CREATE). */
  async directoryReady(guildId: string, check: (reply: { roles: { id: string; permissions: string }[] }) => boolean = () => true) {
    await waitFor(
      async () => check(await this.bus.requestJson('rpc.router.directory.guild', { guildId }, { timeoutMs: 2_000 })),
      { timeoutMs: 10_000, message: `the guild directory of ${guildId}` },
    );
  }

  /** Resolves when moderation has finished with the message (`count`-th time for redeliveries). */
  whenChecked(messageId: string, count = 1): Promise<MessageChecked> {
    return waitFor(() => this.checked.filter((c) => c.messageId === messageId)[count - 1], {
      timeoutMs: 10_000,
      message: `moderation to check message ${messageId}`,
    });
  }

  async log(filter: Omit<ModerationLogListRequest, 'tenantId'> = {}): Promise<{ entries: ModerationLogEntry[]; nextCursor: string | null }> {
    return this.bus.requestJson(ModerationRpc.logList.subject, { tenantId: TENANT, ...filter });
  }

  /** The log entry of a message once its outcome is final. */
  entryFor(messageId: string, final = true): Promise<ModerationLogEntry> {
    return waitFor(
      async () => {
        const { entries } = await this.log({ limit: 100 });
        return entries.find((entry) => entry.messageId === messageId && (!final || entry.outcome !== 'pending'));
      },
      { timeoutMs: 10_000, message: `a settled moderation log entry for message ${messageId}` },
    );
  }

  async moderationMessagesUsed(): Promise<number> {
    const usage = await this.bus.requestJson<{ byKind: Record<string, number> }>(MeteringRpc.usage.subject, { tenantId: TENANT }, { timeoutMs: 10_000 });
    return usage.byKind.moderation ?? 0;
  }

  /** Whether the message is still in its channel on Discord. */
  exists(channelId: string, messageId: string): boolean {
    return this.discord.messages(channelId).some((message) => message.id === messageId);
  }

  /** REST calls moderation may cause, after a point in time. */
  moderationCalls(since: number) {
    return this.discord.restLog.filter(
      (entry) =>
        entry.at >= since &&
        (entry.method === 'DELETE' || entry.method === 'PUT' || entry.method === 'PATCH' || (entry.method === 'POST' && entry.route === '/channels/:channelId/messages')),
    );
  }
}
