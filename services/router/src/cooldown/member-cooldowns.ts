/**
 * The per-member cooldown of all-messages mode with smart mode off: at most one answer per
 * member per channel per `ROUTER_MEMBER_COOLDOWN_MS`, so a member (or two bots' worth of
 * members) cannot drag the bot into a loop.
 *
 * Kept in a NATS KV bucket so it holds across replicas: the first message claims the key
 * with `create`, a later one takes it over with a compare-and-set `update` only when the
 * previous claim is older than the cooldown, so two replicas can never both win. Times are
 * Discord's message timestamps (no clock skew between replicas, and the same answer on
 * redelivery). The bucket's TTL only sweeps old keys; the cooldown itself is compared here,
 * so it can be configured without touching the bucket.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { CONFIG } from '@steward/runtime';
import type { RouterConfig } from '../config.js';

export const MEMBER_COOLDOWNS_BUCKET = { name: 'router-member-cooldowns', history: 1, ttlMs: 60 * 60 * 1000 };

interface Claim {
  messageId: string;
  atMs: number;
}

export interface CooldownRequest {
  channelId: string;
  memberId: string;
  messageId: string;
  atMs: number;
}

@Injectable()
export class MemberCooldowns {
  private bucket?: Promise<KV>;
  private readonly cooldownMs: number;

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) config: RouterConfig,
  ) {
    this.cooldownMs = config.ROUTER_MEMBER_COOLDOWN_MS;
  }

  /**
   * Claims the member's cooldown for this message. True when the message may be answered:
   * the cooldown was free, or this same message claimed it before (a redelivery).
   */
  async claim(request: CooldownRequest): Promise<boolean> {
    if (this.cooldownMs === 0) return true;
    const kv = await (this.bucket ??= this.bus.kv(MEMBER_COOLDOWNS_BUCKET.name));
    const key = `${request.channelId}.${request.memberId}`;
    const value = JSON.stringify({ messageId: request.messageId, atMs: request.atMs } satisfies Claim);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await kv.get(key);
      if (!current || current.operation !== 'PUT') {
        if (await succeeds(kv.create(key, value))) return true;
        continue; // Another replica created it meanwhile: look again.
      }
      const claim = current.json<Claim>();
      if (claim.messageId === request.messageId) return true;
      // Also refuses a message older than the claim (processed out of order).
      if (request.atMs - claim.atMs < this.cooldownMs) return false;
      if (await succeeds(kv.update(key, value, current.revision))) return true;
    }
    return false;
  }
}

/** A create or compare-and-set that lost the race rejects; anything else is a real failure too, and the next read tells. */
async function succeeds(write: Promise<number>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch {
    return false;
  }
}
