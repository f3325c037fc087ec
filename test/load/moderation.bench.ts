/**
 * npm run bench:moderation [-- --rate 500 --seconds 30 --guilds 4 --channels 8 --stubMetering 1]
 *
 * Mixed member traffic through the moderation service with the offline judge and the policy:
 * MESSAGE_CREATE dispatches published to NATS as the gateway publishes them, the moderation and
 * metering services in this process on real NATS and Postgres (throwaway ones unless NATS_URL /
 * DATABASE_URL are set). The guild directory is answered by the benchmark itself from a fixed
 * guild view; actions end as commands on DISCORD_CMD (no egress runs). Latency is from the publish
 * to moderation's decision; the in-service time excludes the wait in the stream.
 */
import { Bus } from '@steward/bus';
import { Buckets, discordEventSubject, guildConfig, MeteringRpc } from '@steward/contracts';
import { GuildConfigStore, startService } from '@steward/runtime';
import { createTestDatabase, waitFor } from '@steward/testing';
import { meteringService } from '../../services/metering/src/service.js';
import { ModerationEvents, type MessageChecked } from '../../services/moderation/src/pipeline/moderation-pipeline.js';
import { moderationService } from '../../services/moderation/src/service.js';
import { latencySummary, numberFlags, report, sleep, withInfrastructure } from './src/bench-kit.js';

const flags = numberFlags({ rate: 500, seconds: 30, guilds: 4, channels: 8, members: 50, stubMetering: 0 });

const APP = '910000000000000001';
const BOT_ROLE = '930000000000000001';
const TENANT = 'bench-tenant';
const RULES = 'No invite links to other servers.\nNo slurs.\nKeep your language clean.\nNever post "free nitro".';

/** Mostly ordinary chat, with the violations the offline judge knows about mixed in. */
const CHAT = [
  'anyone up for a game tonight?',
  'how do I reset my password?',
  'thanks, that worked!',
  'the new update looks great',
  'what time is the event on Saturday?',
  'lol same',
];
const VIOLATIONS = [
  (n: number) => `join my server discord.gg/raid${n}`,
  () => 'this is such a shitty update',
  () => 'get free nitro here',
  (n: number) => Array.from({ length: 6 }, (_, i) => `<@${920000000000000000n + BigInt(n + i)}>`).join(' '),
];

await withInfrastructure(async () => {
  const database = await createTestDatabase();
  const env = {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: database.url,
    STEWARD_LOCAL: '1',
    LOG_LEVEL: 'warn',
    OPS_PORT: '0',
  };
  const metering = flags.stubMetering ? undefined : await startService(meteringService, env);
  const moderation = await startService(moderationService, env);
  const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'moderation-bench' });
  try {
    if (metering) await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: TENANT, plan: 'pro' }, { timeoutMs: 10_000 });
    // --stubMetering 1: a stand-in that grants every reservation, to measure moderation alone.
    else bus.serveJson(MeteringRpc.reserve.subject, () => ({ granted: true, remaining: 1_000_000, reason: null }));

    const guilds = Array.from({ length: flags.guilds }, (_, g) => ({
      id: String(940000000000000000n + BigInt(g)),
      channels: Array.from({ length: flags.channels }, (_, c) => String(950000000000000000n + BigInt(g * 1000 + c))),
    }));
    for (const guild of guilds) {
      const config = guildConfig.parse({
        guildId: guild.id,
        tenantId: TENANT,
        applicationId: APP,
        settings: { responseMode: 'ask', moderation: { enabled: true, rules: RULES, actions: { delete: true, warn: true, timeout: true } } },
      });
      await bus.putJson(Buckets.configGuilds.name, guild.id, config);
    }
    // The router's answer for every guild: the bot's role above the members', with the moderation permissions.
    bus.serveJson('rpc.router.directory.guild', (request: { guildId: string }) => {
      const guild = guilds.find((candidate) => candidate.id === request.guildId)!;
      return {
        guild: { id: guild.id, name: 'Bench', ownerId: '1', applicationId: APP },
        channels: guild.channels.map((id, position) => ({ id, name: `channel-${position}`, type: 0, parentId: null, position, permissionOverwrites: [] })),
        roles: [
          { id: BOT_ROLE, name: 'Steward', position: 1, permissions: String(0x2000n | 0x10000000000n | 0x2n | 0x4n | 0x400n | 0x800n), managed: true, botId: APP },
          { id: guild.id, name: '@everyone', position: 0, permissions: '3072', managed: false, botId: null },
        ],
        botRoleIds: [BOT_ROLE],
        botTopRolePosition: 1,
        ownerId: '1',
      };
    });
    const store = moderation.app.get(GuildConfigStore);
    await waitFor(() => guilds.every((guild) => store.get(guild.id)?.settings.moderation.enabled), {
      message: 'moderation to see every guild configuration',
    });

    const sentAt = new Map<string, number>();
    const endToEnd: number[] = [];
    const inService: number[] = [];
    const results = new Map<string, number>();
    const warmingUp = new Set<string>();
    moderation.app.get(ModerationEvents).on('checked', (checked: MessageChecked) => {
      if (warmingUp.delete(checked.messageId)) return;
      const started = sentAt.get(checked.messageId);
      if (started === undefined) return;
      sentAt.delete(checked.messageId);
      endToEnd.push(performance.now() - started);
      inService.push(checked.elapsedMs);
      results.set(checked.result, (results.get(checked.result) ?? 0) + 1);
    });

    let nextId = 960000000000000000n;
    const dispatch = (n: number) => {
      const guild = guilds[n % guilds.length]!;
      const channelId = guild.channels[Math.floor(n / guilds.length) % guild.channels.length]!;
      const memberIndex = (n * 7) % flags.members;
      const authorId = String(970000000000000000n + BigInt(memberIndex));
      const kind = n % 25;
      // 4 % floods (the same text again), 16 % other violations, 80 % chat.
      const content =
        kind === 0 ? 'BUY CHEAP COINS NOW' : kind <= 4 ? VIOLATIONS[kind - 1]!(n) : CHAT[n % CHAT.length]!;
      const id = String(++nextId);
      return {
        subject: discordEventSubject(APP, guild.id, 'MESSAGE_CREATE'),
        id,
        data: {
          id,
          type: 0,
          channel_id: channelId,
          guild_id: guild.id,
          author: { id: authorId, username: `member${memberIndex}`, global_name: null, bot: false },
          member: { roles: [], nick: null },
          content,
          timestamp: new Date().toISOString(),
          edited_timestamp: null,
          attachments: [],
          mentions: [],
          mention_roles: [],
        },
      };
    };

    // Warm-up: JIT, connection pools, the directory cache.
    for (let n = 0; n < 50; n++) {
      const event = dispatch(n);
      warmingUp.add(event.id);
      await bus.publishJson(event.subject, event.data, { msgId: `bench:${event.id}` });
    }
    await waitFor(() => warmingUp.size === 0, { timeoutMs: 60_000, message: 'the warm-up messages checked' });

    const total = Math.round(flags.rate * flags.seconds);
    const intervalMs = 1000 / flags.rate;
    const publishes: Promise<unknown>[] = [];
    const started = performance.now();
    for (let n = 0; n < total; n++) {
      const due = started + n * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const event = dispatch(n + 50);
      sentAt.set(event.id, performance.now());
      publishes.push(bus.publishJson(event.subject, event.data, { msgId: `bench:${event.id}` }));
      if (publishes.length >= 1000) await Promise.all(publishes.splice(0));
    }
    await Promise.all(publishes);
    const sendSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 120_000;
    while (endToEnd.length < total && Date.now() < deadline) await sleep(100);
    const elapsed = (performance.now() - started) / 1000;

    const e2e = latencySummary(endToEnd);
    const own = latencySummary(inService);
    report('Moderation: offline judge + policy', {
      command: `npm run bench:moderation -- --rate ${flags.rate} --seconds ${flags.seconds} --guilds ${flags.guilds} --channels ${flags.channels}${flags.stubMetering ? ' --stubMetering 1' : ''}`,
      'messages sent': total,
      'offered rate (msg/s)': total / sendSeconds,
      'messages decided': endToEnd.length,
      'throughput (msg/s)': endToEnd.length / elapsed,
      'decision latency p50 (ms)': e2e.p50,
      'decision latency p95 (ms)': e2e.p95,
      'decision latency p99 (ms)': e2e.p99,
      'decision latency max (ms)': e2e.max,
      'in-service p50 (ms)': own.p50,
      'in-service p99 (ms)': own.p99,

      results: [...results.entries()].map(([result, count]) => `${result} ${count}`).join(', '),
    });
  } finally {
    await bus.drain();
    await moderation.stop();
    await metering?.stop();
    await database.drop();
  }
});
