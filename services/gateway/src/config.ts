import { stewardEnv, z } from '@steward/config';
import { masterKeyRotationEnv } from '@steward/secrets';
import { parseShardSpec } from './sharding/shard-plan.js';

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const whole = (min: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`);

const shardList = z.string().transform((spec, context) => {
  try {
    return parseShardSpec(spec);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export const gatewayEnv = stewardEnv
  .extend({
    /** Total shards of the bot; default: what Discord recommends (`GET /gateway/bot`). */
    GATEWAY_SHARD_COUNT: optional(whole(1)),
    /** The shards this replica runs, e.g. `0-15` or `0,2,4`. */
    GATEWAY_SHARDS: optional(shardList),
    /** Replicas sharing the shards; each runs one contiguous block. */
    GATEWAY_REPLICAS: optional(whole(1)),
    /** This replica's index; default: the ordinal at the end of HOSTNAME (StatefulSet pod). */
    GATEWAY_REPLICA_INDEX: optional(whole(0)),
    HOSTNAME: optional(z.string()),
    /** Minimum time between two IDENTIFYs of one max_concurrency bucket, across replicas. */
    GATEWAY_IDENTIFY_INTERVAL_MS: whole(0).default(5_000),
    /** How often acknowledged session positions are written to KV. */
    GATEWAY_SESSION_FLUSH_MS: whole(50).default(1_000),
    /** Dispatches held per shard while JetStream does not acknowledge; beyond it the shard pauses and resumes later. */
    GATEWAY_BACKLOG_LIMIT: whole(1).default(10_000),
    /** Also receive direct messages (DIRECT_MESSAGES intent). */
    GATEWAY_DIRECT_MESSAGES: z
      .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { error: 'must be 1/0, true/false or yes/no' })
      .optional()
      .transform((value) => value === '1' || value === 'true' || value === 'yes'),
    ...masterKeyRotationEnv,
  })
  .refine((env) => env.DISCORD_BOT_TOKEN !== undefined, {
    message: 'is required: the gateway connects as this bot',
    path: ['DISCORD_BOT_TOKEN'],
  })
  .refine((env) => env.GATEWAY_REPLICA_INDEX === undefined || env.GATEWAY_REPLICAS !== undefined, {
    message: 'needs GATEWAY_REPLICAS as well',
    path: ['GATEWAY_REPLICA_INDEX'],
  })
  .refine((env) => env.GATEWAY_REPLICA_INDEX === undefined || env.GATEWAY_REPLICA_INDEX < (env.GATEWAY_REPLICAS ?? Infinity), {
    message: 'must be below GATEWAY_REPLICAS',
    path: ['GATEWAY_REPLICA_INDEX'],
  })
  .refine((env) => !(env.GATEWAY_SHARDS && env.GATEWAY_REPLICAS), {
    message: 'set either GATEWAY_SHARDS or GATEWAY_REPLICAS, not both',
    path: ['GATEWAY_SHARDS'],
  });

export type GatewayConfig = z.infer<typeof gatewayEnv>;
