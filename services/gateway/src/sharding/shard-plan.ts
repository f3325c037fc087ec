// Which Discord shards this replica runs. Pure functions: the Helm chart's StatefulSet relies
// on `shardRange` covering every shard exactly once across replicas.

/**
 * The contiguous block of shards replica `replicaIndex` (0-based) of `replicas` runs out of
 * `shardCount`. Blocks differ in size by at most one (the first `shardCount % replicas` replicas
 * take one more); together they cover 0..shardCount-1 with no gap and no overlap. A replica beyond
 * the shard count gets an empty block.
 */
export function shardRange(replicaIndex: number, replicas: number, shardCount: number): number[] {
  assertWhole('replicas', replicas, 1);
  assertWhole('shardCount', shardCount, 1);
  assertWhole('replicaIndex', replicaIndex, 0);
  if (replicaIndex >= replicas) throw new RangeError(`replicaIndex ${replicaIndex} is out of range for ${replicas} replicas`);
  const base = Math.floor(shardCount / replicas);
  const larger = shardCount % replicas;
  const start = replicaIndex * base + Math.min(replicaIndex, larger);
  const size = base + (replicaIndex < larger ? 1 : 0);
  return Array.from({ length: size }, (_, offset) => start + offset);
}

/**
 * Parses a shard list such as `0-15`, `0,2,4` or `0-3,8-11` into sorted, distinct shard ids.
 * Throws an Error that quotes the bad part.
 */
export function parseShardSpec(spec: string): number[] {
  const ids = new Set<number>();
  const parts = spec.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new Error(`"${spec}" is not a shard list: use ids and ranges such as 0-15 or 0,2,4`);
  }
  for (const part of parts) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) throw new Error(`"${part}" in "${spec}" is neither a shard id nor a range like 0-15`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`range "${part}" in "${spec}" ends before it starts`);
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** The ordinal at the end of a StatefulSet pod's hostname (`steward-gateway-3` → 3); undefined without one. */
export function ordinalFromHostname(hostname: string | undefined): number | undefined {
  const match = hostname ? /-(\d+)$/.exec(hostname) : null;
  return match ? Number(match[1]) : undefined;
}

/** A shard configuration that cannot work (retrying will not help). */
export class ShardPlanError extends Error {
  override name = 'ShardPlanError';
}

export interface ShardSelection {
  /** `GATEWAY_SHARDS`: an explicit list. */
  shards?: number[];
  /** `GATEWAY_REPLICAS` with `GATEWAY_REPLICA_INDEX` (or the hostname's ordinal). */
  replicas?: number;
  replicaIndex?: number;
  hostname?: string;
}

/**
 * The shards this replica runs, given the total shard count: the explicit list if there is one,
 * else this replica's block when the replica count is known, else every shard.
 */
export function selectShards(selection: ShardSelection, shardCount: number): number[] {
  assertWhole('shardCount', shardCount, 1);
  if (selection.shards) {
    const outside = selection.shards.filter((id) => id >= shardCount);
    if (outside.length > 0) {
      throw new ShardPlanError(`GATEWAY_SHARDS names shard ${outside.join(', ')} but there are only ${shardCount} shards (0-${shardCount - 1})`);
    }
    return selection.shards;
  }
  if (selection.replicas === undefined) return shardRange(0, 1, shardCount);
  const index = selection.replicaIndex ?? ordinalFromHostname(selection.hostname);
  if (index === undefined) {
    throw new ShardPlanError(
      `GATEWAY_REPLICAS is set but this replica's index is unknown: set GATEWAY_REPLICA_INDEX, ` +
        `or run as a StatefulSet pod whose HOSTNAME ends in its ordinal (got ${JSON.stringify(selection.hostname ?? '')})`,
    );
  }
  if (index >= selection.replicas) {
    throw new ShardPlanError(`replica index ${index} is not below GATEWAY_REPLICAS=${selection.replicas}`);
  }
  return shardRange(index, selection.replicas, shardCount);
}

function assertWhole(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number >= ${min}, got ${value}`);
}
