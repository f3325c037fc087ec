import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { CONFIG } from '@steward/runtime';
import type { ModerationConfig } from '../config.js';
import { DIRECTORY_NOT_FOUND, GUILD_DIRECTORY_SUBJECT, guildDirectory, type GuildDirectory } from './guild-directory.js';

/** Roles and overwrites change rarely; a short cache keeps one request per guild per window. */
const CACHE_TTL_MS = 15_000;

/**
 * Asks the router for a guild's channels, roles and the bot's place in the hierarchy. Null
 * when the router has not seen the guild; a timeout or a router that is down throws (the
 * event is retried later rather than judged blind).
 */
@Injectable()
export class GuildDirectoryClient {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<GuildDirectory | null> }>();

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: ModerationConfig,
  ) {}

  /** The guild's directory, cached; `maxAgeMs` asks for one read at most that long ago. */
  get(guildId: string, applicationId: string, { maxAgeMs = CACHE_TTL_MS } = {}): Promise<GuildDirectory | null> {
    const key = `${applicationId}:${guildId}`;
    const cached = this.cache.get(key);
    const now = Date.now();
    if (cached && cached.expiresAt > now && cached.expiresAt - CACHE_TTL_MS + maxAgeMs > now) return cached.value;
    const value = this.fetch(guildId, applicationId);
    this.cache.set(key, { expiresAt: now + CACHE_TTL_MS, value });
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  private async fetch(guildId: string, applicationId: string): Promise<GuildDirectory | null> {
    let reply: unknown;
    try {
      reply = await this.bus.requestJson(GUILD_DIRECTORY_SUBJECT, { guildId, applicationId }, { timeoutMs: this.config.MODERATION_RPC_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof RpcError && error.code === DIRECTORY_NOT_FOUND) return null;
      throw error;
    }
    const parsed = guildDirectory.safeParse(reply);
    if (!parsed.success) throw new Error(`the guild directory answered in an unexpected shape: ${parsed.error.message}`);
    return parsed.data;
  }
}
