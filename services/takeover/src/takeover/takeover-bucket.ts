/**
 * KV `takeover`: a key per conversation a person is in charge of; the router asks for no
 * answer while it is there. Every agent action puts the key again, and the bucket's max age
 * (the takeover window) removes it once the agent has been quiet for that long.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Bus, type KV } from '@steward/bus';
import { Buckets, takeoverEntry, takeoverKey, type TakeoverEntry } from '@steward/contracts';
import { CONFIG } from '@steward/runtime';
import type { TakeoverConfig } from '../config.js';

/** The bucket as every user of it declares it: max age = TAKEOVER_WINDOW_MS (which must match). */
export function takeoverBucket(windowMs: number) {
  return { ...Buckets.takeover, ttlMs: windowMs };
}

@Injectable()
export class TakeoverBucket implements OnModuleInit {
  private kv?: KV;

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: TakeoverConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.ensureBuckets([takeoverBucket(this.config.TAKEOVER_WINDOW_MS)]);
    this.kv = await this.bus.kv(Buckets.takeover.name);
  }

  /** Silences the AI in the conversation for one more window from `at`. */
  async hold(input: {
    conversationId: string;
    tenantId: string;
    agentId: string;
    agentName: string;
    at: Date;
  }): Promise<void> {
    const atMs = input.at.getTime();
    const entry: TakeoverEntry = {
      conversationId: input.conversationId,
      tenantId: input.tenantId,
      by: 'agent',
      agentId: input.agentId,
      agentName: input.agentName,
      atMs,
      untilMs: atMs + this.config.TAKEOVER_WINDOW_MS,
    };
    await this.kv!.put(takeoverKey(input.conversationId), JSON.stringify(entry));
  }

  /** Lets the AI answer again, unless a staff member's reply in Discord holds the key now. */
  async free(conversationId: string): Promise<void> {
    const key = takeoverKey(conversationId);
    const current = await this.kv!.get(key);
    if (!current || current.operation !== 'PUT') return;
    const parsed = takeoverEntry.safeParse(safeJson(current.string()));
    if (parsed.success && parsed.data.by === 'staff') return;
    await this.kv!.delete(key, { previousSeq: current.revision }).catch(() => undefined);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
