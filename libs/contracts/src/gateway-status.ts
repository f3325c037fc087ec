/**
 * What the gateway tells the rest of Steward about its connections, through KV
 * `gateway-status`: one entry per shard (`<applicationId>.<shardId>`), rewritten on every
 * change and refreshed every GATEWAY_STATUS_REFRESH_MS while the replica runs. An entry older
 * than GATEWAY_STATUS_STALE_MS belongs to a replica that died (NATS 2.9 does not announce
 * expiry, so readers check the age themselves).
 */
import { z } from 'zod';

export const GATEWAY_STATUS_REFRESH_MS = 30_000;
export const GATEWAY_STATUS_STALE_MS = 75_000;

export const shardStates = ['connecting', 'ready', 'disconnected', 'failed'] as const;

/** Why a shard stopped for good; reconnecting cannot fix these. */
export const shardFailures = ['disallowed_intents', 'token_rejected', 'invalid_shard_config'] as const;

export const gatewayShardStatus = z.object({
  state: z.enum(shardStates),
  shardCount: z.number().int().min(1),
  failure: z.enum(shardFailures).optional(),
});
export type GatewayShardStatus = z.infer<typeof gatewayShardStatus>;
export type ShardFailure = (typeof shardFailures)[number];

export function gatewayStatusKey(applicationId: string, shardId: number): string {
  return `${applicationId}.${shardId}`;
}

/** Discord's epoch (2015-01-01) in Unix milliseconds: a snowflake's timestamp counts from it. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** When Discord made a snowflake id, in Unix milliseconds. */
export function snowflakeTimeMs(id: string): bigint {
  return (BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}

/** The shard that carries a guild's events (Discord's formula). */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
