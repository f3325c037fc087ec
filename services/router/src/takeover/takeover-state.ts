/**
 * Human takeover as the router sees it: KV `takeover` holds a key per conversation a person
 * is in charge of (key = conversation id with ":" as "."), and no answer is asked for while it
 * is there. An agent's key is put by the takeover service; a staff member who replies to a
 * member in Discord puts one here, so the AI keeps out of that conversation for a window too.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { Buckets, conversationIdOf, takeoverKey, type TakeoverEntry } from '@steward/contracts';
import { CONFIG, LOGGER, TakeoverMirror } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { RouterConfig } from '../config.js';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';
import { isStaff } from '../decision/staff-step-back.js';

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
export class TakeoverState implements OnModuleInit, OnModuleDestroy {
  private kv?: KV;
  private mirror?: TakeoverMirror;

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    // Max age = the takeover window; the takeover service declares it the same way.
    await this.bus.ensureBuckets([{ ...Buckets.takeover, ttlMs: this.config.TAKEOVER_WINDOW_MS }]);
    this.kv = await this.bus.kv(Buckets.takeover.name);
    this.mirror = await TakeoverMirror.open(this.bus, this.logger);
  }

  onModuleDestroy(): void {
    this.mirror?.close();
  }

  /** Whether one of the tenant's people is in charge of the conversation right now (a read of the in-memory mirror). */
  isHeld(conversationId: string, tenantId: string, nowMs = Date.now()): boolean {
    return this.mirror!.holds(conversationId, tenantId, nowMs);
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
      this.mirror!.record(conversationId, entry);
    }
  }
}
