import { stewardEnv, z } from '@steward/config';

const optionalString = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
const integer = (what: string) => z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`);

export const moderationEnv = stewardEnv.extend({
  /** Local mode: this tenant owns every guild without a `config-guilds` entry (as in the router). */
  STEWARD_LOCAL_TENANT_ID: optionalString(z.string().min(1).max(64)),
  /** The fast model that judges messages. */
  ANTHROPIC_FAST_MODEL: optionalString(z.string().min(1)),
  /** Below this confidence the judge's verdict leads to no action ("when in doubt, nothing happens"). */
  MODERATION_MIN_CONFIDENCE: z.coerce
    .number({ error: 'must be a number between 0 and 1' })
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0.7),
  /** How long one model call may take before the offline judge decides instead. */
  MODERATION_JUDGE_TIMEOUT_MS: integer('a number of milliseconds').min(100).max(120_000).default(10_000),
  /** How far back a ban deletes the member's messages. */
  MODERATION_BAN_DELETE_SECONDS: integer('a number of seconds').min(0).max(604_800).default(3_600),
  /**
   * An action with no outcome this long after it was decided reads as failed (longer than egress
   * spends on a command: eight deliveries with their backoff and ack waits take about 9 minutes).
   */
  MODERATION_PENDING_TIMEOUT_MS: integer('a number of milliseconds')
    .min(1_000)
    .max(86_400_000)
    .default(900_000),
  /** How often the pending actions are looked over. */
  MODERATION_PENDING_SWEEP_INTERVAL_MS: integer('a number of milliseconds')
    .min(100)
    .max(3_600_000)
    .default(60_000),
  /** How often checks made while metering did not answer are offered to it again. */
  MODERATION_UNMETERED_RETRY_MS: integer('a number of milliseconds').min(100).max(3_600_000).default(15_000),
  /** How long a guild's directory (channels, roles, the bot's permissions) read from the router is used before it is read again. */
  MODERATION_DIRECTORY_CACHE_MS: integer('a number of milliseconds').min(100).max(120_000).default(15_000),
  /** Timeout of the quota reservation and the guild directory requests. */
  MODERATION_RPC_TIMEOUT_MS: integer('a number of milliseconds').min(100).max(30_000).default(2_000),
});

export type ModerationConfig = z.infer<typeof moderationEnv>;
