/**
 * The whole product for end-to-end tests: the Discord (and optionally Anthropic) sandbox in this
 * process, every service as its own process on the shared NATS and a fresh database, and the
 * local tenant with an API key — the same shape `npm start` brings up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIMessage } from 'discord-api-types/v10';
import { Bus } from '@steward/bus';
import { Buckets, MeteringRpc, type GuildSettings, type PlanId } from '@steward/contracts';
import {
  startAnthropicSandbox,
  startDiscordSandbox,
  type AnthropicSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from '@steward/sandbox';
import { createTestDatabase, resetJetStream, spawnService, waitFor, type ManagedProcess, type TestDatabase } from '@steward/testing';

/** Metering before answer: every answer reserves its message there first. */
export const ANSWER_PATH_SERVICES = ['egress', 'metering', 'answer', 'router', 'admin-api', 'gateway'] as const;
export type ServiceName = (typeof ANSWER_PATH_SERVICES)[number] | (string & {});

export interface StackOptions {
  services?: readonly ServiceName[];
  /** Use the Anthropic sandbox instead of the offline engine. */
  anthropic?: boolean;
  shardCount?: number;
  extraEnv?: Record<string, string>;
  /** More guilds (spread over the shards), each with this many extra text channels. */
  extraGuilds?: number;
  channelsPerGuild?: number;
  /**
   * Seed the local tenant that owns every guild (default true). Without it, tenants sign up
   * and connect their guilds through the install flow, as in production.
   */
  localTenant?: boolean;
}

export interface Member {
  id: string;
  username: string;
}

export class Stack {
  readonly services = new Map<string, ManagedProcess>();
  readonly tenantId = randomUUID();
  readonly apiKey = `stw_${randomBytes(24).toString('base64url')}`;
  app!: ApplicationCredentials;
  guild!: GuildSnapshot;
  /** Every guild of the stack, the main one first, with its text channels. */
  readonly guilds: Array<{ guild: GuildSnapshot; channelIds: string[]; members: Member[] }> = [];
  alice!: Member;
  bob!: Member;
  otherBot!: Member;
  discord!: DiscordSandbox;
  anthropic?: AnthropicSandbox;
  private database!: TestDatabase;
  private env: Record<string, string> = {};

  private constructor(private readonly options: StackOptions) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack(options);
    try {
      await stack.boot();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get adminUrl(): string {
    const line = this.services
      .get('admin-api')
      ?.logs()
      .find((l) => l.json?.msg === 'service ready');
    const url = line?.json?.httpUrl;
    if (typeof url !== 'string') throw new Error('admin-api is not running');
    return url;
  }

  /** The channel members talk in. */
  get channelId(): string {
    return this.guild.generalChannelId;
  }

  private async boot(): Promise<void> {
    const natsUrl = process.env.NATS_URL;
    if (!natsUrl) throw new Error('NATS_URL is not set (run through npm test)');
    await resetJetStream(natsUrl);
    this.database = await createTestDatabase();
    this.discord = await startDiscordSandbox({ identifyIntervalMs: 50, heartbeatIntervalMs: 5_000 });
    this.app = this.discord.createApplication({ name: 'Steward' });
    this.guild = this.discord.createGuild({ name: 'Acme Community', applicationIds: [this.app.id] });
    this.alice = this.member('alice');
    this.bob = this.member('bob');
    const other = this.discord.createMember({ guildId: this.guild.id, username: 'helper-bot', bot: true });
    this.otherBot = { id: other.user!.id, username: other.user!.username };

    this.guilds.push({ guild: this.guild, channelIds: [this.guild.generalChannelId], members: [this.alice, this.bob] });
    for (let g = 0; g < (this.options.extraGuilds ?? 0); g++) {
      const guild = this.discord.createGuild({ name: `Guild ${g + 1}`, applicationIds: [this.app.id] });
      const channelIds = [guild.generalChannelId];
      for (let c = 1; c < (this.options.channelsPerGuild ?? 1); c++) {
        channelIds.push(this.discord.createChannel({ guildId: guild.id, name: `support-${c}` }).id);
      }
      const members = [1, 2, 3, 4].map((m) => {
        const created = this.discord.createMember({ guildId: guild.id, username: `member-${g}-${m}` });
        return { id: created.user!.id, username: created.user!.username };
      });
      this.guilds.push({ guild, channelIds, members });
    }

    if (this.options.anthropic) this.anthropic = await startAnthropicSandbox();

    this.env = {
      NATS_URL: natsUrl,
      DATABASE_URL: this.database.url,
      LOG_LEVEL: 'info',
      STEWARD_LOCAL: '1',
      ...(this.options.localTenant === false
        ? {}
        : {
            STEWARD_LOCAL_TENANT_ID: this.tenantId,
            STEWARD_LOCAL_API_KEY: this.apiKey,
            STEWARD_LOCAL_ADMIN_EMAIL: 'admin@steward.local',
            STEWARD_LOCAL_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
          }),
      STEWARD_MASTER_KEY: randomBytes(32).toString('hex'),
      DISCORD_API_URL: this.discord.apiUrl,
      DISCORD_BOT_TOKEN: this.app.token,
      DISCORD_APPLICATION_ID: this.app.id,
      DISCORD_PUBLIC_KEY: this.app.publicKey,
      // For the "Add to Discord" code exchange (POST /oauth2/token).
      DISCORD_CLIENT_SECRET: this.app.clientSecret,
      ADMIN_PORT: '0',
      INTERACTIONS_PORT: '0',
      GATEWAY_SHARD_COUNT: String(this.options.shardCount ?? 2),
      GATEWAY_IDENTIFY_INTERVAL_MS: '50',
      ...(this.anthropic ? { ANTHROPIC_API_KEY: 'sk-ant-sandbox', ANTHROPIC_BASE_URL: this.anthropic.url } : {}),
      ...this.options.extraEnv,
    };
    // Sequential starts: migrations of one schema at a time, and the gateway last so that
    // every consumer is bound before the first dispatch arrives.
    for (const name of this.options.services ?? ANSWER_PATH_SERVICES) {
      this.services.set(name, await spawnService(name, { env: this.env, readyTimeoutMs: 60_000 }));
      // Without admin-api (which subscribes the local tenant in local mode), the stack does it.
      if (name === 'metering' && !this.willStart('admin-api')) {
        await this.subscribe(this.tenantId, 'pro');
      }
    }
    if (this.services.has('gateway')) await this.gatewayConnected();
  }

  private willStart(name: ServiceName): boolean {
    const services: readonly string[] = this.options.services ?? ANSWER_PATH_SERVICES;
    return services.includes(name);
  }

  /** Gives a tenant a plan in metering, as the admin API does when a tenant signs up or changes plan. */
  async subscribe(tenantId: string, plan: PlanId): Promise<void> {
    const bus = await Bus.connect({ servers: this.env.NATS_URL!, name: 'e2e-subscribe' });
    try {
      await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId, plan }, { timeoutMs: 10_000 });
    } finally {
      await bus.drain();
    }
  }

  /**
   * Writes a guild's configuration to KV `config-guilds`, as the admin API does, and waits until
   * the router (which decides from it whether and how to answer) says it applied that revision.
   * The router logs changes only: the configuration must differ from the guild's current one.
   * Other services keep their own copy (interactions, moderation, takeover), which may lag.
   */
  async configureGuild(
    bus: Bus,
    config: { guildId: string; tenantId: string; settings: Partial<GuildSettings> },
  ): Promise<void> {
    const revision = await bus.putJson(Buckets.configGuilds.name, config.guildId, {
      applicationId: this.app.id,
      ...config,
    });
    await this.service('router').waitForLog(
      (line) => line.json?.msg === 'guild configuration changed' && line.json?.revision === revision,
      { timeoutMs: 5_000, message: `the router applying guild ${config.guildId} revision ${revision}` },
    );
  }

  /** Waits until every shard of the gateway is READY or RESUMED (its /readyz says so). */
  async gatewayConnected(timeoutMs = 30_000): Promise<void> {
    const opsUrl = this.service('gateway').opsUrl;
    await waitFor(async () => (await fetch(`${opsUrl}/readyz`)).status === 200, {
      timeoutMs,
      message: 'the gateway to connect its shards',
    });
  }

  member(username: string): Member {
    const created = this.discord.createMember({ guildId: this.guild.id, username });
    return { id: created.user!.id, username: created.user!.username };
  }

  service(name: ServiceName): ManagedProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not part of this stack`);
    return service;
  }

  /** Admin API call with the local tenant's key. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Adds a knowledge document through the admin API and waits until it is indexed. */
  async addKnowledge(title: string, content: string): Promise<string> {
    const created = await this.api<{ id: string }>('POST', '/knowledge/documents', { title, content });
    if (created.status !== 201) throw new Error(`knowledge upload failed: ${created.status} ${JSON.stringify(created.body)}`);
    await waitFor(
      async () => (await this.api<{ status: string }>('GET', `/knowledge/documents/${created.body.id}`)).body.status === 'indexed',
      { timeoutMs: 15_000, message: `document "${title}" was not indexed` },
    );
    return created.body.id;
  }

  /** Posts as a member, as the Discord client would. */
  say(author: Member, content: string, options: { channelId?: string; replyTo?: string } = {}): APIMessage {
    return this.discord.postMessage({
      guildId: this.guild.id,
      channelId: options.channelId ?? this.channelId,
      authorId: author.id,
      content,
      referencedMessageId: options.replyTo,
    });
  }

  mention(): string {
    return `<@${this.app.botUserId}>`;
  }

  /** Bot messages in the channel that reply to the given message. */
  repliesTo(messageId: string, channelId = this.channelId): APIMessage[] {
    return this.discord
      .messages(channelId)
      .filter((m) => m.author.id === this.app.botUserId && m.message_reference?.message_id === messageId);
  }

  /** Waits for the bot's reply to a message (in the main channel unless told another). */
  async replyTo(messageId: string, timeoutMs = 10_000, channelId = this.channelId): Promise<APIMessage> {
    let reply: APIMessage | undefined;
    await waitFor(() => (reply = this.repliesTo(messageId, channelId)[0]) !== undefined, {
      timeoutMs,
      message: `no reply to message ${messageId}`,
    });
    return reply!;
  }

  botMessages(channelId = this.channelId): APIMessage[] {
    return this.discord.messages(channelId).filter((m) => m.author.id === this.app.botUserId);
  }

  async stop(): Promise<void> {
    const running = [...this.services.values()].reverse();
    this.services.clear();
    await Promise.all(running.map((service) => service.stop(10_000).catch(() => undefined)));
    await this.discord?.close();
    await this.anthropic?.close();
    await this.database?.drop().catch(() => undefined);
  }
}
