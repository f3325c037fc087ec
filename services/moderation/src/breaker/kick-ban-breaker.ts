import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from '@steward/db';

/** `taken`: this decision took a slot; `held`: the member already holds one (another of their messages); `full`: the window is used up. */
export type BreakerSlot = 'taken' | 'held' | 'full';

export interface BreakerLimits {
  maxKicksAndBans: number;
  windowMinutes: number;
}

/** The slot a member holds while they are being removed from the guild. */
export function memberSlotKey(guildId: string, memberId: string): string {
  return `member:${guildId}:${memberId}`;
}

/**
 * The circuit breaker on kicks and bans: at most N members removed per guild per window,
 * counted in Postgres so the limit holds across replicas. Slots are keyed by member, so a
 * redelivered event, or another message of a member already being removed, finds the slot the
 * member took instead of taking another: one raider posting five scam links is one removal.
 * A member who joined again after their slot was taken came back: removing them again renews
 * their slot, still one removal for the limit.
 */
@Injectable()
export class KickBanBreaker {
  constructor(private readonly db: DataSource) {}

  /**
   * Frees the member's slot once Discord refused the kick or ban decided at `decidedAt`: the
   * member is still there, so their next violation is acted on, and the limit counts removals.
   * A slot a later decision renewed stays. (The slot and the decision's log entry are written
   * in one transaction, at the same `now()`.)
   */
  async giveBack(guildId: string, memberId: string, decidedAt: Date): Promise<void> {
    await this.db.query(
      `DELETE FROM breaker_slots WHERE slot_key = $1 AND date_trunc('milliseconds', taken_at) <= $2`,
      [memberSlotKey(guildId, memberId), decidedAt],
    );
  }

  /**
   * Takes a slot for this decision within the caller's transaction (the slot commits with its
   * log entry, on the connection that holds the message's lock).
   */
  async tryTake(
    guildId: string,
    slotKey: string,
    limits: BreakerLimits,
    manager: EntityManager,
    memberJoinedAt?: Date,
  ): Promise<BreakerSlot> {
    // One decision per guild at a time, whichever replica makes it.
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`moderation-breaker:${guildId}`]);
    const [mine]: Array<{ taken_at: Date }> = await manager.query(
      `SELECT taken_at FROM breaker_slots WHERE slot_key = $1 AND taken_at > now() - make_interval(mins => $2)`,
      [slotKey, limits.windowMinutes],
    );
    const cameBack = mine !== undefined && memberJoinedAt !== undefined && memberJoinedAt > mine.taken_at;
    if (mine && !cameBack) return 'held';
    await manager.query(`DELETE FROM breaker_slots WHERE guild_id = $1 AND taken_at < now() - interval '1 day'`, [guildId]);
    const [{ taken }] = await manager.query(
      `SELECT count(*)::int AS taken FROM breaker_slots
        WHERE guild_id = $1 AND taken_at > now() - make_interval(mins => $2) AND slot_key <> $3`,
      [guildId, limits.windowMinutes, slotKey],
    );
    if (taken >= limits.maxKicksAndBans) return 'full';
    await manager.query(
      `INSERT INTO breaker_slots (slot_key, guild_id) VALUES ($1, $2)
       ON CONFLICT (slot_key) DO UPDATE SET taken_at = now()`,
      [slotKey, guildId],
    );
    return 'taken';
  }
}
