/**
 * npm run bench:gateway [-- --dispatches 20000 --shards 4 --guilds 10000 --guild-channels 24 --guild-roles 12]
 *
 * 1. Throughput: MESSAGE_CREATE dispatches from the Discord sandbox through the gateway process
 *    until JetStream acknowledged every one (counted in the DISCORD_EVT stream), next to this
 *    process publishing the same payloads straight to JetStream (256 in flight, as the gateway
 *    pipelines) in the same run. The ratio is what the gateway costs over the bare publish. The
 *    sandbox makes the messages first and sends their dispatches in one burst, so that the
 *    stand-in's own work is not timed; the CPU time each side spends per message is printed too
 *    (it does not depend on how many cores the run has).
 * 2. Memory: the gateway's resident memory with --guilds guilds (each with --guild-channels
 *    channels and --guild-roles roles, categories and @everyone included), next to a plain discord.js
 *    Client (baseline/plain-client.ts) connected to the same sandbox with the same shards, each
 *    3 s after the last GUILD_CREATE (the connect burst's garbage still on the heap) and the
 *    lowest it reached while idle for SETTLE_MS (V8 gives the burst's heap back once a process
 *    has idled a while; when that is depends on its heuristics, so the window is generous).
 */
import { randomBytes } from 'node:crypto';
import { ChannelType } from 'discord-api-types/v10';
import { Bus } from '@steward/bus';
import { Streams } from '@steward/contracts';
import { startDiscordSandbox, type DiscordSandbox } from '@steward/sandbox';
import { resetJetStream, spawnProcess, spawnService, waitFor, workspaceRoot, type ManagedProcess } from '@steward/testing';
import { baselineEntryArgs, cpuTimeMs, currentRssMiB, lowestRssMiB, numberFlags, report, SETTLE_MS, sleep, useCompiledServices, withInfrastructure } from './src/bench-kit.js';

const flags = numberFlags({ dispatches: 20_000, shards: 4, guilds: 10_000, channels: 8, 'guild-channels': 24, 'guild-roles': 12 });
const RAW_STREAM = 'BENCH_RAW';
const IN_FLIGHT = 256;
/** Resident memory 3 s after the burst, and the lowest it reached while idle for SETTLE_MS. */
async function burstAndSettled(pid: number): Promise<{ burst: number; settled: number }> {
  await sleep(3_000);
  const burst = currentRssMiB(pid) ?? NaN;
  const [settled] = await lowestRssMiB([pid]);
  return { burst, settled: settled! };
}

/**
 * Gives a new guild (which has #general, @everyone and the bot's role) the rest of its
 * --guild-channels channels, one category per five text channels, and --guild-roles roles: the
 * size of a community server a support bot serves, so that what a discord.js Client caches for
 * it is what it would cache in production.
 */
function furnish(discord: DiscordSandbox, guildId: string): void {
  let categoryId: string | null = null;
  for (let n = 1; n < flags['guild-channels']; n++) {
    if (n % 6 === 1) categoryId = discord.createChannel({ guildId, name: `category-${n}`, type: ChannelType.GuildCategory }).id;
    else discord.createChannel({ guildId, name: `channel-${n}`, parentId: categoryId, topic: 'Orders, refunds and accounts' });
  }
  for (let n = 2; n < flags['guild-roles']; n++) discord.createRole({ guildId, name: `role-${n}`, permissions: '104324673' });
}

async function startGateway(discord: DiscordSandbox, app: { id: string; token: string; publicKey: string }): Promise<ManagedProcess> {
  const gateway = await spawnService('gateway', {
    env: {
      NATS_URL: process.env.NATS_URL,
      LOG_LEVEL: 'info',
      STEWARD_LOCAL: '1',
      STEWARD_MASTER_KEY: randomBytes(32).toString('hex'),
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_BOT_TOKEN: app.token,
      DISCORD_APPLICATION_ID: app.id,
      DISCORD_PUBLIC_KEY: app.publicKey,
      GATEWAY_SHARD_COUNT: String(flags.shards),
      GATEWAY_IDENTIFY_INTERVAL_MS: '0',
    },
    readyTimeoutMs: 120_000,
  });
  await waitFor(async () => (await fetch(`${gateway.opsUrl}/readyz`)).status === 200, { timeoutMs: 180_000, intervalMs: 250, message: 'the gateway to connect every shard' });
  return gateway;
}

const storedEvents = async (bus: Bus) => (await bus.jsm.streams.info(Streams.discordEvents.name)).state.messages;

async function throughput(bus: Bus) {
  const discord = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 5_000 });
  const app = discord.createApplication({ name: 'Steward' });
  const targets = Array.from({ length: flags.channels }, (_, g) => {
    const guild = discord.createGuild({ name: `Guild ${g}`, applicationIds: [app.id] });
    return { guildId: guild.id, channelId: guild.generalChannelId, authorId: discord.createMember({ guildId: guild.id, username: `member-${g}` }).user!.id };
  });
  const gateway = await startGateway(discord, app);
  try {
    await sleep(1_000);
    const before = await storedEvents(bus);
    // The sandbox makes the messages with their dispatches held back, then writes them in one
    // burst: what is timed is the gateway's work, not the stand-in's (Discord's CPU is not ours).
    const release = discord.holdDispatches();
    const payloads: string[] = [];
    for (let n = 0; n < flags.dispatches; n++) {
      const target = targets[n % targets.length]!;
      payloads.push(JSON.stringify(discord.postMessage({ ...target, content: `how do I reset my password? (#${n})` })));
    }
    const gatewayCpuBefore = cpuTimeMs(gateway.pid) ?? NaN;
    const started = performance.now();
    release();
    const sandboxMs = performance.now() - started;
    await waitFor(async () => (await storedEvents(bus)) - before >= flags.dispatches, { timeoutMs: 300_000, intervalMs: 50, message: 'every dispatch in JetStream' });
    const gatewayMs = performance.now() - started;
    const gatewayCpuMs = (cpuTimeMs(gateway.pid) ?? NaN) - gatewayCpuBefore;
    const gatewayRss = currentRssMiB(gateway.pid) ?? NaN;

    await bus.ensureStreams([{ name: RAW_STREAM, subjects: ['bench.raw.>'], retention: 'limits', duplicateWindowMs: 60_000 }]);
    const rawCpuBefore = process.cpuUsage();
    const rawStarted = performance.now();
    const inFlight = new Set<Promise<unknown>>();
    for (const [n, payload] of payloads.entries()) {
      const target = targets[n % targets.length]!;
      const publish = bus.publish(`bench.raw.${target.guildId}.MESSAGE_CREATE`, Buffer.from(payload), { msgId: `raw-${n}` });
      inFlight.add(publish);
      void publish.finally(() => inFlight.delete(publish));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const rawMs = performance.now() - rawStarted;
    const rawCpu = process.cpuUsage(rawCpuBefore);
    return { sandboxMs, gatewayMs, rawMs, gatewayRss, gatewayCpuMs, rawCpuMs: (rawCpu.user + rawCpu.system) / 1000 };
  } finally {
    await gateway.stop();
    await discord.close();
  }
}

async function memory(bus: Bus) {
  await resetJetStream(process.env.NATS_URL);
  const discord = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 5_000 });
  const app = discord.createApplication({ name: 'Steward' });
  for (let g = 0; g < flags.guilds; g++) {
    const guild = discord.createGuild({ name: `Guild ${g}`, applicationIds: [app.id] });
    furnish(discord, guild.id);
  }
  try {
    const gateway = await startGateway(discord, app);
    let gatewayRss: { burst: number; settled: number };
    try {
      await waitFor(async () => (await storedEvents(bus)) >= flags.guilds, { timeoutMs: 300_000, intervalMs: 250, message: 'every GUILD_CREATE in JetStream' });
      gatewayRss = await burstAndSettled(gateway.pid);
    } finally {
      await gateway.stop();
    }
    const client = await spawnProcess(process.execPath, await baselineEntryArgs('plain-client'), {
      name: 'plain-discord-js-client',
      cwd: workspaceRoot,
      env: { PLAIN_CLIENT_TOKEN: app.token, PLAIN_CLIENT_API_URL: discord.apiUrl, PLAIN_CLIENT_SHARDS: String(flags.shards) },
      ready: (line) => line.json?.msg === 'ready',
      readyTimeoutMs: 300_000,
    });
    try {
      const clientRss = await burstAndSettled(client.pid);
      const readyLine = client.logs().find((line) => line.json?.msg === 'ready');
      return { gatewayRss, clientRss, clientGuilds: Number(readyLine?.json?.guilds ?? NaN) };
    } finally {
      await client.stop();
    }
  } finally {
    await discord.close();
  }
}

await withInfrastructure(async () => {
  const servicesRunAs = await useCompiledServices();
  await resetJetStream(process.env.NATS_URL);
  const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'gateway-bench' });
  try {
    const rate = await throughput(bus);
    const mem = await memory(bus);
    const perSecond = (ms: number) => (flags.dispatches / ms) * 1000;
    const perDispatchMicros = (cpuMs: number) => (cpuMs * 1000) / flags.dispatches;
    report('gateway: Discord dispatches → JetStream acknowledgements', {
      command: `npm run bench:gateway -- --dispatches ${flags.dispatches} --shards ${flags.shards} --guilds ${flags.guilds} --guild-channels ${flags['guild-channels']} --guild-roles ${flags['guild-roles']}`,
      'gateway and discord.js Client run as': servicesRunAs,
      dispatches: flags.dispatches,
      'sandbox writing the held dispatches to its sockets (dispatches/s)': perSecond(rate.sandboxMs),
      'through the gateway to JetStream acks (dispatches/s)': perSecond(rate.gatewayMs),
      'raw JetStream publish, same payloads, 256 in flight (msg/s)': perSecond(rate.rawMs),
      'gateway / raw publish ratio': `${(perSecond(rate.gatewayMs) / perSecond(rate.rawMs)).toFixed(2)}×`,
      'gateway CPU per dispatch (µs)': perDispatchMicros(rate.gatewayCpuMs),
      'raw publisher CPU per message (µs)': perDispatchMicros(rate.rawCpuMs),
      'gateway RSS after the burst (MiB)': rate.gatewayRss,
      [`gateway RSS with ${flags.guilds} guilds, 3 s after the burst / lowest in ${SETTLE_MS / 1000} s idle (MiB)`]: `${mem.gatewayRss.burst.toFixed(0)} / ${mem.gatewayRss.settled.toFixed(0)}`,
      [`plain discord.js Client RSS with ${mem.clientGuilds} guilds, 3 s after the burst / lowest in ${SETTLE_MS / 1000} s idle (MiB)`]: `${mem.clientRss.burst.toFixed(0)} / ${mem.clientRss.settled.toFixed(0)}`,
      'memory ratio 3 s after the burst (gateway / discord.js Client)': `${(mem.gatewayRss.burst / mem.clientRss.burst).toFixed(2)}×`,
      'gateway / discord.js Client memory ratio': `${(mem.gatewayRss.settled / mem.clientRss.settled).toFixed(2)}×`,
    });
  } finally {
    await bus.drain();
  }
});
