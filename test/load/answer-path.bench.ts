/**
 * npm run bench:answer-path [-- --rate 200 --seconds 60 --shards 4 --global-limit 1000]
 *
 * The whole answer path as separate processes (gateway, router, answer, egress, admin-api) on
 * real NATS and Postgres, driven by the Discord sandbox at a steady rate with the offline
 * engine. Latency is end to end: MESSAGE_CREATE sent by the sandbox → the bot's reply
 * received by the sandbox.
 */
import type { APIMessage } from 'discord-api-types/v10';
import { Stack } from '@steward/e2e';
import {
  latencySummary,
  numberFlags,
  peakRssMiB,
  report,
  resetStatementTimes,
  sleep,
  statementRows,
  statementTimes,
  useCompiledServices,
  withInfrastructure,
} from './src/bench-kit.js';

// The sandbox has no global rate limit; Discord's is 50 requests/s per bot unless raised for a
// large bot. 200 answers/s need it raised, as a bot of that size would have it.
const flags = numberFlags({ rate: 200, seconds: 60, shards: 4, guilds: 8, channels: 8, 'global-limit': 1_000 });

/** Seconds of the same load before the measured run, so the services' code is warm (JIT). */
const WARM_UP_SECONDS = 5;

const QUESTIONS = [
  'how do I reset my password?',
  'can I get my money back?',
  'where do I find the reset link?',
  'how long is the refund window?',
];

await withInfrastructure(async () => {
  const servicesRunAs = await useCompiledServices();
  const stack = await Stack.start({
    shardCount: flags.shards,
    extraGuilds: flags.guilds,
    channelsPerGuild: flags.channels,
    extraEnv: { EGRESS_GLOBAL_REQUESTS_PER_SECOND: String(flags['global-limit']) },
  });
  try {
    await stack.addKnowledge('Password reset', 'Open Settings, then Security, and choose "Reset password". We email a reset link valid for 30 minutes.');
    await stack.addKnowledge('Refunds', 'You can get a refund within 14 days of purchase from the Orders page. The money returns within 5 business days.');

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let duplicates = 0;
    const answered = new Set<string>();
    const warmUp = new Set<string>();
    const warmUpAnswered = new Set<string>();
    stack.discord.on('message', ({ type, message }: { type: string; message: APIMessage }) => {
      if (type !== 'create' || message.author.id !== stack.app.botUserId) return;
      const questionId = message.message_reference?.message_id;
      if (questionId && warmUp.has(questionId)) warmUpAnswered.add(questionId);
      const started = questionId ? sentAt.get(questionId) : undefined;
      if (!questionId || started === undefined) return;
      if (answered.has(questionId)) duplicates++;
      else {
        answered.add(questionId);
        latencies.push(performance.now() - started);
      }
    });

    const targets = stack.guilds.slice(1).flatMap((g) => g.channelIds.map((channelId) => ({ guild: g.guild, channelId, members: g.members })));
    // Warm-up: one question per guild so every shard, consumer and connection is hot.
    for (const target of targets.filter((_, i) => i % flags.channels === 0)) {
      const warm = stack.discord.postMessage({ guildId: target.guild.id, channelId: target.channelId, authorId: target.members[0]!.id, content: `${stack.mention()} hello?` });
      await stack.replyTo(warm.id, 30_000, target.channelId).catch(() => undefined);
    }

    /** Posts `count` questions at the target rate (open loop); returns when the last went out. */
    const askAtRate = async (count: number, onPosted: (messageId: string) => void): Promise<number> => {
      const intervalMs = 1000 / flags.rate;
      const started = performance.now();
      for (let n = 0; n < count; n++) {
        const due = started + n * intervalMs;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const target = targets[n % targets.length]!;
        const message = stack.discord.postMessage({
          guildId: target.guild.id,
          channelId: target.channelId,
          authorId: target.members[n % target.members.length]!.id,
          content: `${stack.mention()} ${QUESTIONS[n % QUESTIONS.length]} (#${n})`,
        });
        onPosted(message.id);
      }
      return started;
    };

    // Warm-up at the target rate; its replies are awaited and left out of the figures.
    await askAtRate(Math.round(flags.rate * WARM_UP_SECONDS), (id) => warmUp.add(id));
    const warmUpDeadline = Date.now() + 60_000;
    while (warmUpAnswered.size < warmUp.size && Date.now() < warmUpDeadline) await sleep(100);
    const warmUpBacklog = warmUp.size - warmUpAnswered.size;

    await resetStatementTimes();
    const total = Math.round(flags.rate * flags.seconds);
    const started = await askAtRate(total, (id) => sentAt.set(id, performance.now()));
    const sendSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 60_000;
    while (answered.size < total && Date.now() < deadline) await sleep(200);
    const elapsed = (performance.now() - started) / 1000;

    const summary = latencySummary(latencies);
    const rows: Record<string, string | number> = {
      'services run as': servicesRunAs,
      command: `npm run bench:answer-path -- --rate ${flags.rate} --seconds ${flags.seconds} --shards ${flags.shards} --global-limit ${flags['global-limit']}`,
      "bot's global REST limit (req/s)": flags['global-limit'],
      'questions sent': total,
      'offered rate (msg/s)': total / sendSeconds,
      'replies received': answered.size,
      'lost (no reply within 60 s)': total - answered.size,
      // Measuring starts once the warm-up is answered, or after 60 s with this backlog.
      'warm-up questions unanswered when measuring began': warmUpBacklog,
      'duplicate replies': duplicates,
      'throughput (replies/s)': answered.size / elapsed,
      'e2e latency p50 (ms)': summary.p50,
      'e2e latency p95 (ms)': summary.p95,
      'e2e latency p99 (ms)': summary.p99,
      'e2e latency max (ms)': summary.max,
    };
    for (const [name, service] of stack.services) rows[`peak RSS ${name} (MiB)`] = peakRssMiB(service.pid) ?? NaN;
    Object.assign(rows, statementRows(await statementTimes(), answered.size, 'question'));
    report('Answer path (offline engine)', rows);
  } finally {
    await stack.stop();
  }
});
