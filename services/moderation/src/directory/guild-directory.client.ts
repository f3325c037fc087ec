import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { CONFIG } from '@steward/runtime';
import type { ModerationConfig } from '../config.js';
import { DIRECTORY_NOT_FOUND, GUILD_DIRECTORY_SUBJECT, guildDirectory, type GuildDirectory } from './guild-directory.js';

/**
 * Roles and overwrites change rarely; a short cache keeps one request per guild per window
 * (and one more for each channel it turns out not to know).
 */
const CACHE_TTL_MS = 15_000;
/**
 * A forum post's first message can reach moderation before the router has stored the post's
 * THREAD_CREATE (they are separate consumers); a channel still unknown is read once more after this.
 */
const NEW_THREAD_GRACE_MS = 500;

/**
 * Asks the router for a guild's channels, roles and the bot's place in the hierarchy. Null
 * when the router has not seen the guild; a timeout or a router that is down throws (the
 * event is retried later rather than judged blind).
 */
@Injectable()
export class GuildDirectoryClient {
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<GuildDirectory | null> }>();
  /** When a channel the cached directory did not know last had it read again. */
  private readonly rereadAt = new Map<string, number>();

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: ModerationConfig,
  ) {}

  /**
   * The guild's directory and the message's channel in it. A channel the cached copy does not
   * know (most likely a thread or forum post opened since, whose parent decides its exemption)
   * has the directory read again, once per channel per cache window, and once more a moment
   * later if the router has not stored it yet.
   */
  async withChannel(
    guildId: string,
    applicationId: string,
    channelId: string,
  ): Promise<{ directory: GuildDirectory | null; channel: GuildDirectory['channels'][number] | undefined }> {
    const find = (directory: GuildDirectory | null) => directory?.channels.find((channel) => channel.id === channelId);
    const directory = await this.get(guildId, applicationId);
    const channel = find(directory);
    const rereadKey = `${applicationId}:${guildId}:${channelId}`;
    if (!directory || channel || (this.rereadAt.get(rereadKey) ?? 0) > Date.now() - CACHE_TTL_MS) return { directory, channel };
    this.rereadAt.set(rereadKey, Date.now());
    if (this.rereadAt.size > 10_000) this.rereadAt.delete(this.rereadAt.keys().next().value!);
    this.cache.delete(`${applicationId}:${guildId}`);
    let reread = await this.get(guildId, applicationId);
    if (reread && !find(reread)) {
      await sleep(NEW_THREAD_GRACE_MS);
      this.cache.delete(`${applicationId}:${guildId}`);
      reread = await this.get(guildId, applicationId);
    }
    return { directory: reread, channel: find(reread) };
  }

  private get(guildId: string, applicationId: string): Promise<GuildDirectory | null> {
    const key = `${applicationId}:${guildId}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const value = this.fetch(guildId, applicationId);
    this.cache.set(key, { expiresAt: Date.now() + CACHE_TTL_MS, value });
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
