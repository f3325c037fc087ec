import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { CONFIG } from '@steward/runtime';
import type { ModerationConfig } from '../config.js';
import { DIRECTORY_NOT_FOUND, GUILD_DIRECTORY_SUBJECT, guildDirectory, type GuildDirectory } from './guild-directory.js';

/**
 * A forum post's first message can reach moderation before the router has stored the post's
 * THREAD_CREATE (they are separate consumers); a channel still unknown is read once more after this.
 */
const NEW_THREAD_GRACE_MS = 500;
/**
 * While the router does not answer (restarting, down), the directory it last gave is used for
 * this long: a message judged with roles a few minutes old beats one retried until it is
 * dead-lettered, its violation never acted on.
 */
const STALE_IF_ERROR_MS = 10 * 60_000;
/** A directory used for want of an answer is asked for again this soon. */
const STALE_RECHECK_MS = 2_000;
/**
 * For this long after the router last failed to answer, it may still be catching up on the
 * channel and thread events of its outage: a channel it does not know is waited for, not guessed.
 */
const RECOVERY_MS = 30_000;
const MAX_GUILDS = 10_000;

/**
 * The guild directory cannot be read well enough to judge this message: thrown so that the
 * message is delivered again (on its last delivery, moderation leaves it alone instead).
 */
export class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
}

/** A guild's directory; `stale` when it is the one read last because the router does not answer. */
interface DirectoryRead {
  directory: GuildDirectory | null;
  stale: boolean;
}

interface CachedDirectory {
  expiresAt: number;
  value: Promise<DirectoryRead>;
  /** The last directory the router gave, and when: the fallback while it does not answer. */
  last?: { directory: GuildDirectory | null; readAt: number };
}

/** The router answered, but not with a directory: a version mismatch, not an outage. */
class DirectoryShapeError extends Error {
  override readonly name = 'DirectoryShapeError';
}

/**
 * Asks the router for a guild's channels, roles and the bot's place in the hierarchy. Null
 * when the router has not seen the guild. A timeout or a router that is down falls back to the
 * directory read last (see STALE_IF_ERROR_MS), or throws when there is none recent enough, or
 * when that one does not know the message's channel (the event is retried later rather than
 * judged blind). Roles and overwrites change rarely: each guild is read once per
 * MODERATION_DIRECTORY_CACHE_MS (and once more for each channel it turns out not to know).
 */
@Injectable()
export class GuildDirectoryClient {
  private readonly cache = new Map<string, CachedDirectory>();
  /** When a channel the cached directory did not know last had it read again. */
  private readonly rereadAt = new Map<string, number>();
  /** When the router last did not answer, for any guild: an outage is the router's, not a guild's. */
  private routerFailedAt = 0;

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
    // Stale, or fresh from a router that failed a moment ago and may still be catching up on
    // the channel events of its outage: a channel it does not know may exist all the same.
    const uncertain = (read: DirectoryRead) => read.stale || this.routerFailedAt > Date.now() - RECOVERY_MS;
    const answer = (read: DirectoryRead) => {
      const { directory } = read;
      const channel = find(directory);
      // A channel opened since the router last answered may be a thread of an exempt channel, or
      // sit in an exempt category: judged as if it were not, its members could be acted on.
      if (!channel && uncertain(read)) {
        throw new DirectoryUnavailableError(`the router does not answer, or just came back, and its guild directory does not know channel ${channelId} yet`);
      }
      return { directory, channel };
    };
    const first = await this.get(guildId, applicationId);
    const rereadKey = `${applicationId}:${guildId}:${channelId}`;
    const rereadRecently = (this.rereadAt.get(rereadKey) ?? 0) > Date.now() - this.config.MODERATION_DIRECTORY_CACHE_MS;
    if (!first.directory || find(first.directory) || uncertain(first) || rereadRecently) return answer(first);
    this.rereadAt.set(rereadKey, Date.now());
    if (this.rereadAt.size > MAX_GUILDS) this.rereadAt.delete(this.rereadAt.keys().next().value!);
    this.expire(guildId, applicationId);
    let reread = await this.get(guildId, applicationId);
    if (reread.directory && !find(reread.directory)) {
      await sleep(NEW_THREAD_GRACE_MS);
      this.expire(guildId, applicationId);
      reread = await this.get(guildId, applicationId);
    }
    return answer(reread);
  }

  /** The next read of the guild asks the router again (the last answer stays as the fallback). */
  private expire(guildId: string, applicationId: string): void {
    const cached = this.cache.get(`${applicationId}:${guildId}`);
    if (cached) cached.expiresAt = 0;
  }

  private get(guildId: string, applicationId: string): Promise<DirectoryRead> {
    const key = `${applicationId}:${guildId}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const fallback = cached?.last && cached.last.readAt > Date.now() - STALE_IF_ERROR_MS ? cached.last : undefined;
    const entry: CachedDirectory = {
      expiresAt: Date.now() + this.config.MODERATION_DIRECTORY_CACHE_MS,
      value: Promise.resolve({ directory: null, stale: false }),
      last: fallback,
    };
    entry.value = this.fetch(guildId, applicationId).then(
      (directory) => {
        entry.last = { directory, readAt: Date.now() };
        return { directory, stale: false };
      },
      (error: unknown) => {
        const shape = error instanceof DirectoryShapeError;
        if (this.cache.get(key) === entry && (shape || !fallback)) this.cache.delete(key);
        if (shape) throw error;
        this.routerFailedAt = Date.now();
        if (fallback) {
          entry.expiresAt = Math.min(entry.expiresAt, Date.now() + STALE_RECHECK_MS);
          return { directory: fallback.directory, stale: true };
        }
        throw new DirectoryUnavailableError(`the router did not answer: ${(error as Error).message}`, { cause: error });
      },
    );
    this.cache.delete(key); // re-inserted last: the oldest guild is the first one dropped
    this.cache.set(key, entry);
    if (this.cache.size > MAX_GUILDS) this.cache.delete(this.cache.keys().next().value!);
    return entry.value;
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
    if (!parsed.success) throw new DirectoryShapeError(`the guild directory answered in an unexpected shape: ${parsed.error.message}`);
    return parsed.data;
  }
}
