import { Streams } from '@steward/contracts';

/** The durable consumer of stream DISCORD_CMD; the processor needs the same numbers (lease, last attempt). */
export const COMMAND_CONSUMER = {
  stream: Streams.discordCommands.name,
  durable: 'egress',
  /** Every application and verb in one filter (nats-server 2.9 allows one filter per consumer). */
  subject: 'discord.cmd.*.*',
  /** Commands waiting on one rate-limit bucket must not hold up other channels and guilds. */
  concurrency: 32,
  ackWaitMs: 30_000,
  /** Deliveries before a command that keeps failing transiently is reported as failed. */
  maxDeliver: 8,
  backoffMs: [1_000, 5_000, 15_000, 30_000, 60_000],
} as const;
