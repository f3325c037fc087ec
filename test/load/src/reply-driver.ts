/**
 * Drives member questions through the Discord sandbox at a steady rate and measures, for any
 * bot, the time from the member's message to the bot's reply as the sandbox sees both.
 */
import type { APIMessage } from 'discord-api-types/v10';
import type { DiscordSandbox } from '@steward/sandbox';
import { latencySummary, sendAtRate, sleep } from './bench-kit.js';

export interface ChannelTarget {
  guildId: string;
  channelId: string;
  memberIds: string[];
}

export interface ReplyRun {
  rate: number;
  sent: number;
  replied: number;
  lost: number;
  duplicates: number;
  offeredRate: number;
  /** Replies a second, from the first question until the last reply. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const BENCH_QUESTIONS = [
  'how do I reset my password?',
  'can I get my money back?',
  'where do I find the reset link?',
  'how long is the refund window?',
];

export const BENCH_KNOWLEDGE = [
  { title: 'Password reset', content: 'Open Settings, then Security, and choose "Reset password". We email a reset link valid for 30 minutes.' },
  { title: 'Refunds', content: 'You can get a refund within 14 days of purchase from the Orders page. The money returns within 5 business days.' },
];

/**
 * Sends `rate × seconds` mentions of the bot spread over the targets, waits up to `drainMs`
 * for the replies, and summarises the latencies. A reply later than `drainMs` counts as lost.
 */
export async function driveReplies(input: {
  discord: DiscordSandbox;
  botUserId: string;
  targets: ChannelTarget[];
  rate: number;
  seconds: number;
  drainMs?: number;
}): Promise<ReplyRun> {
  const { discord, botUserId, targets, rate, seconds } = input;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const answered = new Set<string>();
  let duplicates = 0;
  let lastReplyAt = 0;
  const onMessage = ({ type, message }: { type: string; message: APIMessage }) => {
    if (type !== 'create' || message.author.id !== botUserId) return;
    const questionId = message.message_reference?.message_id;
    const started = questionId ? sentAt.get(questionId) : undefined;
    if (!questionId || started === undefined) return;
    if (answered.has(questionId)) duplicates++;
    else {
      answered.add(questionId);
      lastReplyAt = performance.now();
      latencies.push(lastReplyAt - started);
    }
  };
  discord.on('message', onMessage);
  try {
    const total = Math.max(1, Math.round(rate * seconds));
    const started = await sendAtRate(total, rate, (n) => {
      const target = targets[n % targets.length]!;
      const message = discord.postMessage({
        guildId: target.guildId,
        channelId: target.channelId,
        authorId: target.memberIds[n % target.memberIds.length]!,
        content: `<@${botUserId}> ${BENCH_QUESTIONS[n % BENCH_QUESTIONS.length]} (#${n})`,
      });
      sentAt.set(message.id, performance.now());
    });
    const offeredRate = total / ((performance.now() - started) / 1000);
    const deadline = performance.now() + (input.drainMs ?? 15_000);
    while (answered.size < total && performance.now() < deadline) await sleep(100);
    const throughput = answered.size ? answered.size / ((lastReplyAt - started) / 1000) : 0;
    const summary = latencySummary(latencies);
    return {
      rate,
      sent: total,
      replied: answered.size,
      lost: total - answered.size,
      duplicates,
      offeredRate,
      throughput,
      p50: summary.p50,
      p95: summary.p95,
      p99: summary.p99,
      max: summary.max,
    };
  } finally {
    discord.off('message', onMessage);
  }
}

/**
 * Steps the rate up (doubling from `startRate`) for `stepSeconds` each, and returns the highest
 * rate whose p99 stayed within `p99LimitMs` with every question answered, with every step
 * measured. Each step starts once the bot has gone quiet, so no backlog carries over.
 */
export async function maxSustainedRate(
  drive: (rate: number) => Promise<ReplyRun>,
  options: { startRate: number; maxRate: number; p99LimitMs?: number; quiet: () => Promise<void> },
): Promise<{ sustained: number; steps: ReplyRun[] }> {
  const limit = options.p99LimitMs ?? 1_000;
  const steps: ReplyRun[] = [];
  let sustained = 0;
  for (let rate = options.startRate; rate <= options.maxRate; rate *= 2) {
    await options.quiet();
    const run = await drive(rate);
    steps.push(run);
    if (run.lost > 0 || !(run.p99 <= limit)) break;
    sustained = rate;
  }
  return { sustained, steps };
}

/** Resolves once the bot has posted nothing for `quietMs` (at most `timeoutMs`). */
export async function botQuiet(discord: DiscordSandbox, botUserId: string, quietMs = 3_000, timeoutMs = 180_000): Promise<void> {
  let last = performance.now();
  const onMessage = ({ message }: { message: APIMessage }) => {
    if (message.author.id === botUserId) last = performance.now();
  };
  discord.on('message', onMessage);
  try {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() - last < quietMs && performance.now() < deadline) await sleep(250);
  } finally {
    discord.off('message', onMessage);
  }
}
