import { stewardEnv, z } from '@steward/config';

const milliseconds = (minimum: number) =>
  z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').min(minimum);

export const schedulerEnv = stewardEnv.extend({
  /** How often each replica looks for due posts and runs whose worker went silent. */
  SCHEDULER_TICK_MS: milliseconds(10).default(15_000),
  /** How long a replica owns a run it took up before another may take it over. */
  SCHEDULER_LEASE_MS: milliseconds(1_000).default(60_000),
  /** How long the answer service has to write a post before it is asked again. */
  SCHEDULER_WRITE_TIMEOUT_MS: milliseconds(1_000).default(120_000),
  /** Wait before trying again when the channel is missing or the bot cannot write in it. */
  SCHEDULER_CHANNEL_RETRY_MS: milliseconds(1_000).default(5 * 60_000),
  /** Requests to the answer service for one post before the run is given up. */
  SCHEDULER_MAX_WRITE_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Recent posts of the channel given to the writer as "do not repeat". */
  SCHEDULER_RECENT_POSTS: z.coerce.number().int().min(0).max(20).default(5),
  /** Timeout of the directory and metering requests. */
  SCHEDULER_RPC_TIMEOUT_MS: milliseconds(100).default(5_000),
});

export type SchedulerConfig = z.infer<typeof schedulerEnv>;
