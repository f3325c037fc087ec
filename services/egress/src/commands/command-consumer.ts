import { COMMAND_RETRY, Streams } from '@steward/contracts';

/** The durable consumer of stream DISCORD_CMD; the processor needs the same numbers (lease, last attempt). */
export const COMMAND_CONSUMER = {
  stream: Streams.discordCommands.name,
  durable: 'egress',
  /** Every application and verb in one filter (nats-server 2.9 allows one filter per consumer). */
  subject: 'discord.cmd.*.*',
  /**
   * Commands in hand at once. A command waits in its slot for its rate-limit bucket (the REST
   * client queues it), and Discord lets one channel post only about one message a second, so a
   * busy channel's replies can fill many slots; while fewer than this many wait, the commands
   * behind them in the stream (other channels, other servers, interaction responses due within
   * seconds) are still taken and sent. A waiting command costs a little memory and a heartbeat;
   * the chart's six replicas at most stay under JetStream's default of 1,000 unacknowledged
   * deliveries. On shutdown the waiting commands go back to the stream at once.
   */
  concurrency: 128,
  ackWaitMs: 30_000,
  /** Deliveries before a command that keeps failing transiently is reported as failed. */
  maxDeliver: COMMAND_RETRY.maxDeliver,
  backoffMs: COMMAND_RETRY.backoffMs,
} as const;
