/**
 * Human takeover as the router sees it: KV `takeover` holds a key per conversation a person
 * is in charge of (key = conversation id with ":" as "."), and no answer is asked for while it
 * is there. An agent's key is put by the takeover service; a staff member who replies to a
 * member in Discord puts one here, so the AI keeps out of that conversation for a window too.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { Buckets, takeoverHolds, takeoverKey, type TakeoverEntry } from '@steward/contracts';
import { CONFIG } from '@steward/runtime';
import type { RouterConfig } from '../config.js';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';
import { isStaff } from '../decision/staff-step-back.js';

export const conversationIdOf = (guildId: string, channelId: string, memberId: string) =>
  `${guildId}:${channelId}:${memberId}`;

/** The members a staff member's message answers: the author it replies to and those it mentions. */
export function membersAnsweredByStaff(
  message: DiscordMessage,
  staffRoleIds: readonly string[],
  botUserId: string,
): string[] {
  if (message.author.bot || !isStaff(message.member?.roles, staffRoleIds)) return [];
  const addressed = new Set([
    ...(message.referenced_message ? [message.referenced_message.author.id] : []),
    ...message.mentions.map((user) => user.id),
  ]);
  addressed.delete(message.author.id);
  addressed.delete(botUserId);
  return [...addressed];
}

@Injectable()
export class TakeoverState implements OnModuleInit {
  private kv?: KV;

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: RouterConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Max age = the takeover window; the takeover service declares it the same way.
    await this.bus.ensureBuckets([{ ...Buckets.takeover, ttlMs: this.config.TAKEOVER_WINDOW_MS }]);
    this.kv = await this.bus.kv(Buckets.takeover.name);
  }

  /** Whether a person is in charge of the conversation right now. */
  async isHeld(conversationId: string, nowMs = Date.now()): Promise<boolean> {
    const entry = await this.kv!.get(takeoverKey(conversationId));
    if (!entry || entry.operation !== 'PUT') return false;
    let value: unknown;
    try {
      value = entry.json();
    } catch {
      value = undefined; // unreadable: someone took over all the same
    }
    return takeoverHolds(value, nowMs);
  }

  /** A staff member answered these members: the AI keeps out of their conversations for a window. */
  async holdForStaff(input: {
    tenantId: string;
    guildId: string;
    message: DiscordMessage;
    memberIds: readonly string[];
  }): Promise<void> {
    const { message } = input;
    const atMs = Date.parse(message.timestamp);
    for (const memberId of input.memberIds) {
      const conversationId = conversationIdOf(input.guildId, message.channel_id, memberId);
      const entry: TakeoverEntry = {
        conversationId,
        tenantId: input.tenantId,
        by: 'staff',
        agentId: message.author.id,
        agentName: message.member?.nick || message.author.global_name || message.author.username,
        atMs,
        untilMs: atMs + this.config.TAKEOVER_WINDOW_MS,
      };
      await this.kv!.put(takeoverKey(conversationId), JSON.stringify(entry));
    }
  }
}
