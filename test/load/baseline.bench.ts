/**
 * npm run bench:baseline [-- --rate 200 --seconds 20 --stepSeconds 5 --startRate 10 --maxRate 1600 --memoryGuilds 10000 --shards 4 --guilds 16 --channels 8 --global-limit 1000]
 *
 * Steward side by side with a single-process bot built the usual way
 * (baseline/monolith-bot.ts: a discord.js Client, the same offline answer logic, the same
 * knowledge, in memory), on the same Discord sandbox and machine, in the same run:
 * - end-to-end latency (member message → bot reply, as the sandbox sees both) at a fixed rate,
 *   spread over --guilds × --channels channels (Discord allows 5 messages per second per
 *   channel, and the sandbox enforces it for both bots alike);
 * - the highest rate, doubling from --startRate, whose p99 stays under 1 s with nothing lost;
 * - resident memory with --memoryGuilds guilds connected (every Steward process, summed, and
 *   the gateway alone; the monolith's one process), the lowest in a minute of idling after the
 *   connect burst (lowestRssMiB).
 */
import { Stack } from '@steward/e2e';
import { startDiscordSandbox, type DiscordSandbox } from '@steward/sandbox';
import { spawnProcess, waitFor, workspaceRoot, type ManagedProcess } from '@steward/testing';
import { baselineEntryArgs, lowestRssMiB, numberFlags, report, SETTLE_MS, sleep, useCompiledServices, withInfrastructure } from './src/bench-kit.js';
import { BENCH_KNOWLEDGE, botQuiet, driveReplies, maxSustainedRate, type ChannelTarget, type ReplyRun } from './src/reply-driver.js';

// Both bots get the same global REST limit, raised above Discord's default 50 req/s as for a
// large bot (the sandbox enforces none), so neither is measured against Discord's limit.
const flags = numberFlags({ rate: 200, seconds: 20, stepSeconds: 5, startRate: 10, maxRate: 1600, memoryGuilds: 10_000, shards: 4, guilds: 16, channels: 8, 'global-limit': 1_000 });

interface SystemFigures {
  atRate: ReplyRun;
  sustained: number;
  steps: ReplyRun[];
  memoryMiB: number;
  memoryDetail: string;
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0) : 'n/a');
const stepLine = (steps: ReplyRun[]) => steps.map((s) => `${s.rate}/s: p99 ${fmt(s.p99)} ms${s.lost ? `, ${s.lost} unanswered within 15 s` : ''}`).join('; ');

/**
 * The same measurements for either bot: a warm-up, the rate steps (each from a quiet bot), then
 * the fixed rate, whose replies get a minute to arrive.
 */
async function measure(discord: DiscordSandbox, botUserId: string, targets: ChannelTarget[]): Promise<SystemFigures> {
  const drive = (rate: number, seconds: number, drainMs?: number) => driveReplies({ discord, botUserId, targets, rate, seconds, drainMs });
  const quiet = () => botQuiet(discord, botUserId);
  await drive(5, 2); // warm-up: every consumer, connection and cache hot
  const { sustained, steps } = await maxSustainedRate((rate) => drive(rate, flags.stepSeconds), { startRate: flags.startRate, maxRate: flags.maxRate, quiet });
  await quiet();
  const atRate = await drive(flags.rate, flags.seconds, 60_000);
  return { atRate, sustained, steps, memoryMiB: NaN, memoryDetail: '' };
}

async function measureSteward(): Promise<SystemFigures> {
  const stack = await Stack.start({
    shardCount: flags.shards,
    extraGuilds: flags.guilds,
    channelsPerGuild: flags.channels,
    extraEnv: { EGRESS_GLOBAL_REQUESTS_PER_SECOND: String(flags['global-limit']) },
  });
  try {
    for (const document of BENCH_KNOWLEDGE) await stack.addKnowledge(document.title, document.content);
    const targets: ChannelTarget[] = stack.guilds.slice(1).flatMap((g) => g.channelIds.map((channelId) => ({ guildId: g.guild.id, channelId, memberIds: g.members.map((m) => m.id) })));
    return await measure(stack.discord, stack.app.botUserId, targets);
  } finally {
    await stack.stop();
  }
}

async function stewardMemory(): Promise<{ total: number; detail: string }> {
  const stack = await Stack.start({ shardCount: flags.shards, extraGuilds: flags.memoryGuilds - 1, channelsPerGuild: 1, extraEnv: { GATEWAY_IDENTIFY_INTERVAL_MS: '0' } });
  try {
    // Every GUILD_CREATE delivered and taken in by the router's directory, then idle.
    await sleep(Math.max(5_000, flags.memoryGuilds / 2));
    const services = [...stack.services];
    const lowest = await lowestRssMiB(services.map(([, service]) => service.pid));
    const rss = services.map(([name], index) => [name, lowest[index]!] as const);
    const total = rss.reduce((sum, [, mib]) => sum + mib, 0);
    return { total, detail: rss.map(([name, mib]) => `${name} ${mib.toFixed(0)}`).join(', ') };
  } finally {
    await stack.stop();
  }
}

/** The monolith on its own sandbox with the same guild layout. */
async function startMonolith(guilds: number, channelsPerGuild: number): Promise<{ discord: DiscordSandbox; bot: ManagedProcess; botUserId: string; targets: ChannelTarget[] }> {
  const discord = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 5_000 });
  const app = discord.createApplication({ name: 'Monolith' });
  const targets: ChannelTarget[] = [];
  for (let g = 0; g < guilds; g++) {
    const guild = discord.createGuild({ name: `Guild ${g}`, applicationIds: [app.id] });
    const channelIds = [guild.generalChannelId];
    for (let c = 1; c < channelsPerGuild; c++) channelIds.push(discord.createChannel({ guildId: guild.id, name: `support-${c}` }).id);
    const memberIds = [1, 2, 3, 4].map((m) => discord.createMember({ guildId: guild.id, username: `member-${g}-${m}` }).user!.id);
    for (const channelId of channelIds) targets.push({ guildId: guild.id, channelId, memberIds });
  }
  const bot = await spawnProcess(process.execPath, await baselineEntryArgs('monolith-bot'), {
    name: 'monolith-bot',
    cwd: workspaceRoot,
    env: {
      MONOLITH_TOKEN: app.token,
      MONOLITH_API_URL: discord.apiUrl,
      MONOLITH_SHARDS: String(flags.shards),
      MONOLITH_GLOBAL_REQUESTS_PER_SECOND: String(flags['global-limit']),
      MONOLITH_KNOWLEDGE: JSON.stringify(BENCH_KNOWLEDGE),
    },
    ready: (line) => line.json?.msg === 'ready',
    readyTimeoutMs: 180_000,
  });
  return { discord, bot, botUserId: app.botUserId, targets };
}

async function measureMonolith(): Promise<SystemFigures> {
  const { discord, bot, botUserId, targets } = await startMonolith(flags.guilds, flags.channels);
  try {
    return await measure(discord, botUserId, targets);
  } finally {
    await bot.stop();
    await discord.close();
  }
}

async function monolithMemory(): Promise<number> {
  const { discord, bot } = await startMonolith(flags.memoryGuilds, 1);
  try {
    await waitFor(() => bot.logs().some((line) => line.json?.msg === 'ready' && line.json.guilds === flags.memoryGuilds), { timeoutMs: 60_000 }).catch(() => undefined);
    await sleep(3_000);
    const [lowest] = await lowestRssMiB([bot.pid]);
    return lowest!;
  } finally {
    await bot.stop();
    await discord.close();
  }
}

await withInfrastructure(async () => {
  const servicesRunAs = await useCompiledServices();
  const steward = await measureSteward();
  const monolith = await measureMonolith();
  const stewardMem = await stewardMemory();
  const monolithMem = await monolithMemory();
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
  report('Baseline: Steward (microservices) vs a single-process discord.js bot, same offline answers, same sandbox', {
    command: `npm run bench:baseline -- --rate ${flags.rate} --seconds ${flags.seconds} --stepSeconds ${flags.stepSeconds} --memoryGuilds ${flags.memoryGuilds} --shards ${flags.shards} --global-limit ${flags['global-limit']}`,
    'Steward and the monolith run as': servicesRunAs,
    [`Steward e2e p50 at ${flags.rate} msg/s (ms)`]: steward.atRate.p50,
    [`Steward e2e p99 at ${flags.rate} msg/s (ms)`]: steward.atRate.p99,
    [`Steward unanswered within 60 s / duplicate replies at ${flags.rate} msg/s`]: `${steward.atRate.lost} / ${steward.atRate.duplicates}`,
    [`monolith e2e p50 at ${flags.rate} msg/s (ms)`]: monolith.atRate.p50,
    [`monolith e2e p99 at ${flags.rate} msg/s (ms)`]: monolith.atRate.p99,
    [`monolith unanswered within 60 s / duplicate replies at ${flags.rate} msg/s`]: `${monolith.atRate.lost} / ${monolith.atRate.duplicates}`,
    'p50 ratio (Steward / monolith)': ratio(steward.atRate.p50, monolith.atRate.p50),
    'p99 ratio (Steward / monolith)': ratio(steward.atRate.p99, monolith.atRate.p99),
    'Steward max sustained msg/s (p99 ≤ 1 s)': steward.sustained,
    'Steward steps': stepLine(steward.steps),
    'monolith max sustained msg/s (p99 ≤ 1 s)': monolith.sustained,
    'monolith steps': stepLine(monolith.steps),
    'max sustained ratio (Steward / monolith)': ratio(steward.sustained, monolith.sustained),
    [`Steward RSS with ${flags.memoryGuilds} guilds, all processes, lowest in ${SETTLE_MS / 1000} s idle (MiB)`]: stewardMem.total,
    'Steward RSS by process (MiB)': stewardMem.detail,
    [`monolith RSS with ${flags.memoryGuilds} guilds, lowest in ${SETTLE_MS / 1000} s idle (MiB)`]: monolithMem,
    'memory ratio (Steward all processes / monolith)': ratio(stewardMem.total, monolithMem),
  });
});
