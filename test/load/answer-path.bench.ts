/**
 * npm run bench:answer-path [-- --rate 200 --seconds 60 --shards 4 --global-limit 1000 --documents 40]
 *
 * The whole answer path as separate processes (gateway, router, answer, egress, admin-api) on
 * real NATS and Postgres, driven by the Discord sandbox at a steady rate with the offline
 * engine. Latency is end to end: MESSAGE_CREATE sent by the sandbox → the bot's reply
 * received by the sandbox. The knowledge base has the size of a real one: the two documents
 * the questions are about and support articles on other topics, `--documents` in all.
 */
import { Stack } from '@steward/e2e';
import {
  numberFlags,
  peakRssMiB,
  report,
  resetStatementTimes,
  statementRows,
  statementTimes,
  useCompiledServices,
  withInfrastructure,
} from './src/bench-kit.js';
import { fillerDocuments } from './src/filler-knowledge.js';
import { BENCH_KNOWLEDGE, driveReplies, type ChannelTarget } from './src/reply-driver.js';

// The sandbox has no global rate limit; Discord's is 50 requests/s per bot unless raised for a
// large bot. 200 answers/s need it raised, as a bot of that size would have it.
const flags = numberFlags({ rate: 200, seconds: 60, shards: 4, guilds: 8, channels: 8, 'global-limit': 1_000, documents: 40 });
const documents = [...BENCH_KNOWLEDGE, ...fillerDocuments(Math.max(0, flags.documents - BENCH_KNOWLEDGE.length))];

/** Seconds of the same load before the measured run, so the services' code is warm (JIT). */
const WARM_UP_SECONDS = 5;

await withInfrastructure(async () => {
  const servicesRunAs = await useCompiledServices();
  const stack = await Stack.start({
    shardCount: flags.shards,
    extraGuilds: flags.guilds,
    channelsPerGuild: flags.channels,
    extraEnv: { EGRESS_GLOBAL_REQUESTS_PER_SECOND: String(flags['global-limit']) },
  });
  try {
    await Promise.all(documents.map(({ title, content }) => stack.addKnowledge(title, content)));

    const targets: ChannelTarget[] = stack.guilds.slice(1).flatMap((g) =>
      g.channelIds.map((channelId) => ({ guildId: g.guild.id, channelId, memberIds: g.members.map((m) => m.id) })),
    );
    // Warm-up: one question per guild so every shard, consumer and connection is hot, then the
    // target rate until the services' code is warm; its replies are left out of the figures.
    for (const target of targets.filter((_, i) => i % flags.channels === 0)) {
      const warm = stack.discord.postMessage({ guildId: target.guildId, channelId: target.channelId, authorId: target.memberIds[0]!, content: `${stack.mention()} hello?` });
      await stack.replyTo(warm.id, 30_000, target.channelId).catch(() => undefined);
    }
    const drive = (seconds: number) =>
      driveReplies({ discord: stack.discord, botUserId: stack.app.botUserId, targets, rate: flags.rate, seconds, drainMs: 60_000 });
    const warmUp = await drive(WARM_UP_SECONDS);

    await resetStatementTimes();
    const run = await drive(flags.seconds);
    const rows: Record<string, string | number> = {
      'services run as': servicesRunAs,
      command: `npm run bench:answer-path -- --rate ${flags.rate} --seconds ${flags.seconds} --shards ${flags.shards} --global-limit ${flags['global-limit']} --documents ${documents.length}`,
      'knowledge base': `${documents.length} documents`,
      "bot's global REST limit (req/s)": flags['global-limit'],
      'questions sent': run.sent,
      'offered rate (msg/s)': run.offeredRate,
      'replies received': run.replied,
      'lost (no reply within 60 s)': run.lost,
      // Measuring starts once the warm-up is answered, or after 60 s with this backlog.
      'warm-up questions unanswered when measuring began': warmUp.lost,
      'duplicate replies': run.duplicates,
      'throughput (replies/s)': run.throughput,
      'e2e latency p50 (ms)': run.p50,
      'e2e latency p95 (ms)': run.p95,
      'e2e latency p99 (ms)': run.p99,
      'e2e latency max (ms)': run.max,
    };
    for (const [name, service] of stack.services) rows[`peak RSS ${name} (MiB)`] = peakRssMiB(service.pid) ?? NaN;
    Object.assign(rows, statementRows(await statementTimes(), run.replied, 'question'));
    report('Answer path (offline engine)', rows);
  } finally {
    await stack.stop();
  }
});
