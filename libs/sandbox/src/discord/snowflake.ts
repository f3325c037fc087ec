/** Discord's epoch (2015-01-01T00:00:00Z) in milliseconds. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Generates Discord-style snowflakes: `(ms since Discord epoch) << 22 | worker << 17 | process << 12 | increment`.
 *
 * Every id gets its own timestamp, moved forward by a pseudo-random 1-16 ms per id, so
 * `(BigInt(id) >> 22n) % shardCount` spreads guilds over shards the way real, independently created guilds
 * spread (a fixed step would put every guild created the same way on the same shard). The step sequence is
 * seeded, and with a fixed `startTime` the ids are deterministic, which keeps seeded ids stable across restarts.
 */
export class SnowflakeGenerator {
  private lastTimestamp = 0n;
  private increment = 0n;
  private randomState = 0x9e3779b9;

  constructor(private readonly options: { startTime?: number; workerId?: number } = {}) {
    if (options.startTime !== undefined) this.lastTimestamp = BigInt(options.startTime) - DISCORD_EPOCH - 1n;
  }

  next(): string {
    const now = this.options.startTime === undefined ? BigInt(Date.now()) - DISCORD_EPOCH : 0n;
    const earliest = this.lastTimestamp + BigInt(1 + (this.nextRandom() % 16));
    this.lastTimestamp = now > earliest ? now : earliest;
    this.increment = (this.increment + 1n) & 0xfffn;
    const worker = BigInt(this.options.workerId ?? 1) & 0x1fn;
    return ((this.lastTimestamp << 22n) | (worker << 17n) | (1n << 12n) | this.increment).toString();
  }

  /** mulberry32: a tiny seeded PRNG. */
  private nextRandom(): number {
    this.randomState = (this.randomState + 0x6d2b79f5) | 0;
    let t = this.randomState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}

/** Milliseconds since the Unix epoch at which a snowflake was created. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The shard that receives a guild's events, as Discord computes it. */
export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
